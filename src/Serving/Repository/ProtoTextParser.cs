using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// Reads the protocol buffer text format (what Triton's <c>config.pbtxt</c> files are written in) into a message,
/// using the message's descriptor: scalar, enum, repeated, nested, oneof and map fields, <c>#</c> comments, lists
/// in brackets, and both <c>{ }</c> and <c>&lt; &gt;</c> for messages. Google.Protobuf for C# reads JSON only.
/// </summary>
internal sealed class ProtoTextParser
{
    private readonly string _text;
    private readonly string _source;
    private int _position;
    private int _line = 1;

    private ProtoTextParser(string text, string source)
    {
        _text = text;
        _source = source;
    }

    /// <summary>Parses text into a new message.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="text">The text.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ModelLoadException">The text is malformed or names a field the message does not have.</exception>
    public static T Parse<T>(string text, string source)
        where T : IMessage<T>, new()
    {
        var message = new T();
        var parser = new ProtoTextParser(text, source);
        parser.ParseFields(message, endToken: null);
        return message;
    }

    private void ParseFields(IMessage message, string? endToken)
    {
        var descriptor = message.Descriptor;
        while (true)
        {
            var token = Next();
            if (token is null)
            {
                if (endToken is not null)
                {
                    throw Error($"the message {descriptor.Name} is not closed with '{endToken}'");
                }

                return;
            }

            if (token == endToken)
            {
                return;
            }

            if (token is ";" or ",")
            {
                continue;
            }

            if (!IsIdentifier(token))
            {
                throw Error($"expected a field name of {descriptor.Name}, found '{token}'");
            }

            var field = descriptor.FindFieldByName(token)
                ?? throw Error($"{descriptor.Name} has no field '{token}' that MtlOnnx supports");
            ParseField(message, field);
        }
    }

    private void ParseField(IMessage message, FieldDescriptor field)
    {
        var token = Next() ?? throw Error($"field '{field.Name}' has no value");
        if (token == ":")
        {
            token = Next() ?? throw Error($"field '{field.Name}' has no value");
        }

        if (token == "[")
        {
            if (!field.IsRepeated)
            {
                throw Error($"field '{field.Name}' takes one value, not a list");
            }

            while (true)
            {
                var item = Next() ?? throw Error($"the list of '{field.Name}' is not closed with ']'");
                if (item == "]")
                {
                    return;
                }

                if (item == ",")
                {
                    continue;
                }

                AddValue(message, field, item);
            }
        }

        AddValue(message, field, token);
    }

    private void AddValue(IMessage message, FieldDescriptor field, string token)
    {
        if (field.IsMap)
        {
            var (key, entryValue) = ParseMapEntry(field, token);
            ((IDictionary)field.Accessor.GetValue(message))[key] = entryValue;
            return;
        }

        object value = field.FieldType == FieldType.Message
            ? ParseMessageBody(field.MessageType, token)
            : Scalar(field, token);
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    private IMessage ParseMessageBody(MessageDescriptor type, string open)
    {
        var close = open switch
        {
            "{" => "}",
            "<" => ">",
            _ => throw Error($"expected '{{' to open a {type.Name}, found '{open}'"),
        };

        var message = type.Parser.ParseFrom(ByteString.Empty);
        ParseFields(message, close);
        return message;
    }

    // Map entries have no generated class of their own: read their key and value fields by hand.
    private (object Key, object Value) ParseMapEntry(FieldDescriptor map, string open)
    {
        var close = open switch
        {
            "{" => "}",
            "<" => ">",
            _ => throw Error($"expected '{{' to open an entry of '{map.Name}', found '{open}'"),
        };

        var keyField = map.MessageType.FindFieldByNumber(1);
        var valueField = map.MessageType.FindFieldByNumber(2);
        object? key = null;
        object? value = null;
        while (true)
        {
            var token = Next() ?? throw Error($"an entry of '{map.Name}' is not closed with '{close}'");
            if (token == close)
            {
                break;
            }

            if (token is ";" or ",")
            {
                continue;
            }

            var target = token == keyField.Name ? keyField
                : token == valueField.Name ? valueField
                : throw Error($"an entry of '{map.Name}' has fields 'key' and 'value', not '{token}'");
            var next = Next() ?? throw Error($"field '{token}' has no value");
            if (next == ":")
            {
                next = Next() ?? throw Error($"field '{token}' has no value");
            }

            var parsed = target.FieldType == FieldType.Message ? ParseMessageBody(target.MessageType, next) : Scalar(target, next);
            if (target == keyField)
            {
                key = parsed;
            }
            else
            {
                value = parsed;
            }
        }

        if (key is null)
        {
            throw Error($"an entry of '{map.Name}' has no key");
        }

        value ??= valueField.FieldType == FieldType.Message
            ? valueField.MessageType.Parser.ParseFrom(ByteString.Empty)
            : Scalar(valueField, valueField.FieldType is FieldType.String or FieldType.Bytes ? "\"\"" : "0");
        return (key, value);
    }

    private object Scalar(FieldDescriptor field, string token)
    {
        var text = token;
        if (field.FieldType is FieldType.String or FieldType.Bytes)
        {
            if (!IsString(token))
            {
                throw Error($"field '{field.Name}' takes a quoted string, found '{token}'");
            }

            text = Unquote(token);

            // Adjacent strings concatenate, as in C.
            while (Peek() is { } next && IsString(next))
            {
                text += Unquote(Next()!);
            }

            return field.FieldType == FieldType.String ? text : ByteString.CopyFromUtf8(text);
        }

        try
        {
            return field.FieldType switch
            {
                FieldType.Bool => text switch
                {
                    "true" or "True" or "t" or "1" => true,
                    "false" or "False" or "f" or "0" => false,
                    _ => throw Error($"field '{field.Name}' takes true or false, found '{text}'"),
                },
                FieldType.Enum => EnumValue(field, text),
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.Parse(text, CultureInfo.InvariantCulture),
                FieldType.UInt32 or FieldType.Fixed32 => uint.Parse(text, CultureInfo.InvariantCulture),
                FieldType.UInt64 or FieldType.Fixed64 => ulong.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Float => float.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Double => double.Parse(text, CultureInfo.InvariantCulture),
                _ => throw Error($"field '{field.Name}' has a type ({field.FieldType}) this reader does not handle"),
            };
        }
        catch (Exception error) when (error is FormatException or OverflowException)
        {
            throw Error($"field '{field.Name}' takes a {field.FieldType} number, found '{text}'");
        }
    }

    private object EnumValue(FieldDescriptor field, string text)
    {
        var value = field.EnumType.FindValueByName(text);
        if (value is null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            value = field.EnumType.FindValueByNumber(number);
        }

        if (value is null)
        {
            var names = string.Join(", ", field.EnumType.Values.Select(v => v.Name));
            throw Error($"field '{field.Name}' takes one of {names}, found '{text}'");
        }

        return Enum.ToObject(field.EnumType.ClrType, value.Number);
    }

    private ModelLoadException Error(string what) => new($"{_source} line {_line}: {what}.");

    private static bool IsIdentifier(string token) =>
        token.Length > 0 && (char.IsLetter(token[0]) || token[0] == '_');

    private static bool IsString(string token) => token.Length >= 2 && token[0] is '"' or '\'';

    private string Unquote(string token)
    {
        var builder = new StringBuilder(token.Length);
        for (var i = 1; i < token.Length - 1; i++)
        {
            var c = token[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            c = token[++i];
            builder.Append(c switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                '\\' or '"' or '\'' => c,
                _ => throw Error($"unknown escape '\\{c}' in a string"),
            });
        }

        return builder.ToString();
    }

    private string? Peek()
    {
        var (position, line) = (_position, _line);
        var token = Next();
        (_position, _line) = (position, line);
        return token;
    }

    private string? Next()
    {
        SkipSpaceAndComments();
        if (_position >= _text.Length)
        {
            return null;
        }

        var start = _position;
        var c = _text[_position];
        if (c is '{' or '}' or '<' or '>' or '[' or ']' or ':' or ',' or ';')
        {
            _position++;
            return c.ToString();
        }

        if (c is '"' or '\'')
        {
            _position++;
            while (_position < _text.Length && _text[_position] != c)
            {
                if (_text[_position] == '\n')
                {
                    throw Error("a string runs past the end of its line");
                }

                _position += _text[_position] == '\\' ? 2 : 1;
            }

            if (_position >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            _position++;
            return _text[start.._position];
        }

        while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] is '_' or '.' or '-' or '+'))
        {
            _position++;
        }

        if (_position == start)
        {
            throw Error($"unexpected character '{c}'");
        }

        return _text[start.._position];
    }

    private void SkipSpaceAndComments()
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c == '\n')
            {
                _line++;
                _position++;
            }
            else if (char.IsWhiteSpace(c))
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }
            }
            else
            {
                return;
            }
        }
    }
}
