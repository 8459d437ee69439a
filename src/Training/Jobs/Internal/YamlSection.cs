using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MtlOnnx.Training.Jobs.Internal;

/// <summary>
/// One mapping of a job file with strict reading: every key must be declared, every value must have the expected
/// type, and each error names the file, the line and the dotted key.
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public YamlSection(YamlMappingNode node, string path, string source)
    {
        _node = node;
        Path = path;
        Source = source;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw Error(key, "mapping keys must be plain strings.");
            }

            if (!_entries.TryAdd(name, (key, value)))
            {
                throw new JobFileException(source, LineOf(key), Join(name), $"key '{Join(name)}' appears twice.");
            }
        }
    }

    public string Path { get; }

    public string Source { get; }

    public int Line => LineOf(_node);

    public IEnumerable<string> Keys => _entries.Keys;

    public static int LineOf(YamlNode node) => (int)node.Start.Line;

    public bool Has(string key) => _entries.ContainsKey(key);

    public bool IsScalar(string key) => _entries.TryGetValue(key, out var entry) && entry.Value is YamlScalarNode;

    /// <summary>Checks that the mapping uses no key outside <paramref name="allowed"/>.</summary>
    public YamlSection Allow(params string[] allowed)
    {
        foreach (var (name, (key, _)) in _entries)
        {
            if (Array.IndexOf(allowed, name) < 0)
            {
                var where = Path.Length == 0 ? "at the top level" : $"in '{Path}'";
                throw new JobFileException(
                    Source,
                    LineOf(key),
                    Join(name),
                    $"key '{name}' is not allowed {where}. Allowed keys: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
            }
        }

        return this;
    }

    public string Join(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public JobFileException Error(string key, string message)
    {
        var line = _entries.TryGetValue(key, out var entry) ? LineOf(entry.Value) : Line;
        return new JobFileException(Source, line, Join(key), message);
    }

    public JobFileException Error(YamlNode node, string message) =>
        new(Source, LineOf(node), Path, message);

    public string? String(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        return Scalar(key, entry.Value, "a string");
    }

    public string RequiredString(string key) =>
        String(key) ?? throw new JobFileException(Source, Line, Join(key), $"key '{Join(key)}' is required.");

    public string? Choice(string key, params string[] allowed)
    {
        var value = String(key);
        if (value is not null && Array.IndexOf(allowed, value) < 0)
        {
            throw Error(key, $"'{Join(key)}' must be one of {string.Join(", ", allowed)}, but is '{value}'.");
        }

        return value;
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var text = Scalar(key, entry.Value, "an integer");
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, $"'{Join(key)}' must be an integer{Range(min, max)}, but is '{text}'.");
        }

        if (value < min || value > max)
        {
            throw Error(key, $"'{Join(key)}' must be an integer{Range(min, max)}, but is {value}.");
        }

        return value;
    }

    public double? Number(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var text = Scalar(key, entry.Value, "a number");
        var value = ParseNumber(key, text, min, max);
        return value;
    }

    public bool? Bool(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var text = Scalar(key, entry.Value, "true or false");
        return text switch
        {
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            _ => throw Error(key, $"'{Join(key)}' must be true or false, but is '{text}'."),
        };
    }

    public IReadOnlyList<string>? Strings(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Value is YamlScalarNode scalar && scalar.Value is { Length: > 0 } single)
        {
            return [single];
        }

        var sequence = Sequence(key, entry.Value, "a list of strings");
        var result = new List<string>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            result.Add(Scalar($"{key}[{i}]", sequence.Children[i], "a string"));
        }

        return result;
    }

    public IReadOnlyList<double>? Numbers(
        string key,
        double min = double.NegativeInfinity,
        double max = double.PositiveInfinity)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Value is YamlScalarNode scalar)
        {
            return [ParseNumber(key, Scalar(key, scalar, "a number"), min, max)];
        }

        var sequence = Sequence(key, entry.Value, "a list of numbers");
        var result = new List<double>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = $"{key}[{i}]";
            result.Add(ParseNumber(item, Scalar(item, sequence.Children[i], "a number"), min, max));
        }

        return result;
    }

    public IReadOnlyList<int>? Ints(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var numbers = Numbers(key, min, max);
        if (numbers is null)
        {
            return null;
        }

        var result = new List<int>(numbers.Count);
        foreach (var number in numbers)
        {
            if (number != Math.Floor(number))
            {
                throw Error(key, $"'{Join(key)}' must hold integers, but holds {number.ToString(CultureInfo.InvariantCulture)}.");
            }

            result.Add((int)number);
        }

        return result;
    }

    public YamlSection? Section(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Value is not YamlMappingNode mapping)
        {
            throw Error(key, $"'{Join(key)}' must be a mapping of keys to values, but is {Describe(entry.Value)}.");
        }

        return new YamlSection(mapping, Join(key), Source);
    }

    public IReadOnlyList<YamlSection>? Sections(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var sequence = Sequence(key, entry.Value, "a list of mappings");
        var result = new List<YamlSection>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is not YamlMappingNode mapping)
            {
                throw new JobFileException(
                    Source,
                    LineOf(item),
                    $"{Join(key)}[{i}]",
                    $"'{Join(key)}[{i}]' must be a mapping of keys to values, but is {Describe(item)}.");
            }

            result.Add(new YamlSection(mapping, $"{Join(key)}[{i}]", Source));
        }

        return result;
    }

    /// <summary>Reads a flat mapping of method options whose values are scalars.</summary>
    public IReadOnlyDictionary<string, string> ScalarMap(string key)
    {
        var section = Section(key);
        if (section is null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in section.Keys)
        {
            result[name] = section.RequiredString(name);
        }

        return result;
    }

    private static string Range(int min, int max) => (min, max) switch
    {
        (int.MinValue, int.MaxValue) => string.Empty,
        (_, int.MaxValue) => $" of at least {min}",
        (int.MinValue, _) => $" of at most {max}",
        _ => $" from {min} to {max}",
    };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"the value '{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    private double ParseNumber(string key, string text, double min, double max)
    {
        var range = (double.IsNegativeInfinity(min), double.IsPositiveInfinity(max)) switch
        {
            (true, true) => string.Empty,
            (false, true) => $" of at least {min.ToString(CultureInfo.InvariantCulture)}",
            (true, false) => $" of at most {max.ToString(CultureInfo.InvariantCulture)}",
            _ => $" from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
        };
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ||
            !double.IsFinite(value))
        {
            throw Error(key, $"'{Join(key)}' must be a number{range}, but is '{text}'.");
        }

        if (value < min || value > max)
        {
            throw Error(key, $"'{Join(key)}' must be a number{range}, but is {text}.");
        }

        return value;
    }

    private string Scalar(string key, YamlNode node, string expected)
    {
        if (node is not YamlScalarNode scalar || scalar.Value is null)
        {
            throw new JobFileException(
                Source,
                LineOf(node),
                Join(key),
                $"'{Join(key)}' must be {expected}, but is {Describe(node)}.");
        }

        return scalar.Value;
    }

    private YamlSequenceNode Sequence(string key, YamlNode node, string expected)
    {
        if (node is not YamlSequenceNode sequence)
        {
            throw new JobFileException(
                Source,
                LineOf(node),
                Join(key),
                $"'{Join(key)}' must be {expected}, but is {Describe(node)}.");
        }

        return sequence;
    }
}
