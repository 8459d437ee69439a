using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing;

namespace MtlOnnx.Core.Tests.Preprocessing;

public sealed class TextPreprocessorTests : IDisposable
{
    // Line numbers are ids: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, the=5, cat=6, sat=7, on=8, mat=9, ##s=10, .=13.
    private static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "##s", "play", "##ing", ".",
        "hello",
    ];

    private readonly string _directory;

    public TextPreprocessorTests()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"mtlonnx-text-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        File.WriteAllLines(Path.Combine(_directory, "vocab.txt"), Vocabulary);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Encode_WordPiece_LowercasesSplitsSubwordsAndPads()
    {
        var preprocessor = TextPreprocessor.Create(WordPiece(maxLength: 12), _directory);
        var ids = new long[12];
        var mask = new long[12];

        var count = preprocessor.Encode("The cats sat on the MAT.", ids, mask);

        Assert.Equal(10, count);
        Assert.Equal([2, 5, 6, 10, 7, 8, 5, 9, 13, 3, 0, 0], ids);
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], mask);
    }

    [Fact]
    public void Encode_WordPieceUnknownWord_UsesUnknownToken()
    {
        var preprocessor = TextPreprocessor.Create(WordPiece(maxLength: 6), _directory);
        var ids = new long[6];

        preprocessor.Encode("the dog playing", ids, []);

        Assert.Equal([2, 5, 1, 11, 12, 3], ids);
    }

    [Fact]
    public void Encode_WordPieceTooLong_TruncatesAndKeepsSeparatorLast()
    {
        var preprocessor = TextPreprocessor.Create(WordPiece(maxLength: 5), _directory);
        var ids = new long[5];
        var mask = new long[5];

        var count = preprocessor.Encode("the cats sat on the mat", ids, mask);

        Assert.Equal(5, count);
        Assert.Equal([2, 5, 6, 10, 3], ids);
        Assert.Equal([1, 1, 1, 1, 1], mask);
    }

    [Fact]
    public void Encode_EmptyText_IsOnlySpecialTokensThenPadding()
    {
        var preprocessor = TextPreprocessor.Create(WordPiece(maxLength: 4), _directory);
        var ids = new long[4];
        var mask = new long[4];

        Assert.Equal(2, preprocessor.Encode("", ids, mask));
        Assert.Equal([2, 3, 0, 0], ids);
        Assert.Equal([1, 1, 0, 0], mask);
    }

    [Theory]
    [InlineData("Hello world", new long[] { 15496, 995, 0, 0 }, new long[] { 1, 1, 0, 0 })]
    [InlineData("Hello world, hello world", new long[] { 15496, 995, 11, 23748 }, new long[] { 1, 1, 1, 1 })]
    public void Encode_Gpt2Tiktoken_MatchesKnownIds(string text, long[] expectedIds, long[] expectedMask)
    {
        var spec = new TextSpec
        {
            Tokenizer = TokenizerKind.Tiktoken,
            Encoding = "gpt2",
            MaxLength = 4,
            Lowercase = false,
            PadToken = null,
            UnknownToken = null,
        };
        var preprocessor = TextPreprocessor.Create(spec);
        var ids = new long[4];
        var mask = new long[4];

        preprocessor.Encode(text, ids, mask);

        Assert.Equal(expectedIds, ids);
        Assert.Equal(expectedMask, mask);
    }

    [Fact]
    public void Create_Gpt2WithEndOfTextPad_PadsWithItsId()
    {
        var spec = new TextSpec { Tokenizer = TokenizerKind.Tiktoken, Encoding = "gpt2", PadToken = "<|endoftext|>" };

        Assert.Equal(50256, TextPreprocessor.Create(spec).PadId);
    }

    [Fact]
    public void Create_PadTokenThatIsSeveralTokens_IsRefused()
    {
        var spec = new TextSpec { Tokenizer = TokenizerKind.Tiktoken, Encoding = "gpt2", PadToken = "[PAD]" };

        var ex = Assert.Throws<ModelCardException>(() => TextPreprocessor.Create(spec));

        Assert.StartsWith("text.pad_token: expected a single token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_MegabyteWithoutSpaces_IsRefusedByTheCharacterCap()
    {
        var spec = new TextSpec { Tokenizer = TokenizerKind.Tiktoken, Encoding = "gpt2", PadToken = null };
        var preprocessor = TextPreprocessor.Create(spec);
        var text = new string('a', 1024 * 1024);

        var ex = Assert.Throws<TextRejectedException>(() => preprocessor.Encode(text, new long[128], new long[128]));

        Assert.Equal(RejectionReason.TooManyCharacters, ex.Reason);
        Assert.True(ex.IsSizeLimit);
        Assert.Equal("The text has 1,048,576 characters, more than the limit of 100,000.", ex.Message);
    }

    [Theory]
    [InlineData(TokenizerKind.Tiktoken)]
    [InlineData(TokenizerKind.WordPiece)]
    public void Encode_LongestAllowedTextWithoutSpaces_Finishes(TokenizerKind kind)
    {
        var spec = kind == TokenizerKind.WordPiece
            ? WordPiece(maxLength: 16)
            : new TextSpec { Tokenizer = kind, Encoding = "gpt2", PadToken = null, MaxLength = 16 };
        var preprocessor = TextPreprocessor.Create(spec, _directory);
        var ids = new long[16];

        var count = preprocessor.Encode(new string('x', spec.MaxCharacters), ids, []);

        Assert.InRange(count, 1, 16);
    }

    [Fact]
    public void Encode_TextPastTheBudget_GivesTheSameTokensAsItsBeginning()
    {
        var spec = new TextSpec { Tokenizer = TokenizerKind.Tiktoken, Encoding = "gpt2", PadToken = null, MaxLength = 8 };
        var preprocessor = TextPreprocessor.Create(spec);
        var words = string.Concat(Enumerable.Repeat("the cat sat on the mat ", 100));
        var full = new long[8];
        var start = new long[8];

        preprocessor.Encode(words, full, []);
        preprocessor.Encode(words[..40], start, []);

        Assert.True(words.Length > 8 * TextPreprocessor.CharactersPerToken);
        Assert.Equal(start, full);
    }

    [Theory]
    [InlineData("the cat", new long[] { 1, 11, 14, 0 }, new long[] { 1, 1, 1, 0 })]
    [InlineData("cat the", new long[] { 1, 14, 11, 0 }, new long[] { 1, 1, 1, 0 })]
    [InlineData("the cat the cat", new long[] { 1, 11, 14, 11 }, new long[] { 1, 1, 1, 1 })]
    public void Encode_SentencePieceBpe_MergesByScore(string text, long[] expectedIds, long[] expectedMask)
    {
        var path = Path.Combine(_directory, "tiny.model");
        File.WriteAllBytes(path, TinySentencePieceModel());
        var spec = new TextSpec
        {
            Tokenizer = TokenizerKind.SentencePiece,
            Files = [TokenizerFile.FromFile(path)],
            MaxLength = 4,
            PadToken = null,
            UnknownToken = null,
        };
        var ids = new long[4];
        var mask = new long[4];

        TextPreprocessor.Create(spec, _directory).Encode(text, ids, mask);

        Assert.Equal(expectedIds, ids);
        Assert.Equal(expectedMask, mask);
    }

    [Fact]
    public void Create_VocabularyChanged_IsRefusedByHash()
    {
        var spec = WordPiece(maxLength: 8);
        File.AppendAllLines(Path.Combine(_directory, "vocab.txt"), ["dog"]);

        var ex = Assert.Throws<ModelCardException>(() => TextPreprocessor.Create(spec, _directory));

        Assert.Contains("text.files[0]: tokenizer file", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"expected {spec.Files[0].Sha256}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_VocabularyMissing_NamesFileAndFolder()
    {
        var spec = WordPiece(maxLength: 8);
        var empty = Path.Combine(_directory, "empty");
        Directory.CreateDirectory(empty);

        var ex = Assert.Throws<ModelCardException>(() => TextPreprocessor.Create(spec, empty));

        Assert.Equal($"text.files[0]: tokenizer file 'vocab.txt' was not found in '{empty}'; it must travel with the "
            + "model.", ex.Message);
    }

    [Fact]
    public void Encode_SpansTooShort_Throw()
    {
        var preprocessor = TextPreprocessor.Create(WordPiece(maxLength: 8), _directory);

        Assert.Throws<ArgumentException>(() => preprocessor.Encode("the", new long[7], []));
        Assert.Throws<ArgumentException>(() => preprocessor.Encode("the", new long[8], new long[3]));
    }

    /// <summary>
    /// Writes a SentencePiece BPE model by hand, field by field as sentencepiece_model.proto numbers them: pieces
    /// (1) with piece (1), score (2) and type (3); trainer_spec (2) with model_type (3) = BPE and the special ids;
    /// normalizer_spec (3) that adds the dummy prefix and escapes spaces as U+2581.
    /// </summary>
    private static byte[] TinySentencePieceModel()
    {
        // Higher scores merge first: "▁the" comes from ▁t + he and "▁cat" from ▁c + at, as worked out in the tests.
        (string Piece, float Score, int Type)[] pieces =
        [
            ("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3),
            ("\u2581", -10, 1), ("t", -10, 1), ("h", -10, 1), ("e", -10, 1), ("c", -10, 1), ("a", -10, 1),
            ("\u2581t", -1, 1), ("he", -2, 1), ("\u2581the", -3, 1), ("at", -4, 1), ("\u2581c", -5, 1),
            ("\u2581cat", -6, 1),
        ];

        using var stream = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(stream);
        foreach (var (piece, score, type) in pieces)
        {
            output.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            output.WriteBytes(Message(o =>
            {
                o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                o.WriteString(piece);
                o.WriteTag(2, Google.Protobuf.WireFormat.WireType.Fixed32);
                o.WriteFloat(score);
                o.WriteTag(3, Google.Protobuf.WireFormat.WireType.Varint);
                o.WriteEnum(type);
            }));
        }

        output.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(Message(o =>
        {
            (int Field, int Value)[] fields = [(3, 2), (4, pieces.Length), (40, 0), (41, 1), (42, 2), (43, -1)];
            foreach (var (field, value) in fields)
            {
                o.WriteTag(field, Google.Protobuf.WireFormat.WireType.Varint);
                o.WriteInt32(value);
            }
        }));

        output.WriteTag(3, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteString("identity");
            foreach (var field in new[] { 3, 4, 5 })
            {
                o.WriteTag(field, Google.Protobuf.WireFormat.WireType.Varint);
                o.WriteBool(true);
            }
        }));

        output.Flush();
        return stream.ToArray();
    }

    private static Google.Protobuf.ByteString Message(Action<Google.Protobuf.CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(stream);
        write(output);
        output.Flush();
        return Google.Protobuf.ByteString.CopyFrom(stream.ToArray());
    }

    private TextSpec WordPiece(int maxLength) => new()
    {
        Tokenizer = TokenizerKind.WordPiece,
        Files = [TokenizerFile.FromFile(Path.Combine(_directory, "vocab.txt"))],
        MaxLength = maxLength,
    };
}
