using System.Buffers.Binary;
using System.IO.Compression;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>Models with model cards, their explanation models, and the images and tokenizer files they use.</summary>
internal static class CardModels
{
    public const int Side = 8;

    /// <summary>
    /// An image model: image FP32 [batch, 3, 8, 8] → color_logits = 20 × the mean of each channel (multiclass red,
    /// green, blue) and brightness = the mean of every value, standardised (regression in lux: 10 × mean + 100).
    /// </summary>
    public static byte[] Shapes()
    {
        var b = new GraphBuilder();
        var image = b.AddInput("image", ElementType.Float, "batch", 3, Side, Side);
        var pooled = b.Node("GlobalAveragePool", [image]);
        var flat = b.Node("Flatten", [pooled], Attr.Int("axis", 1));
        b.NewNode("Mul", [flat.Name, b.AddInitializer("twenty", [], [20f]).Name], ["color_logits"]);
        b.NewNode("ReduceMean", [flat.Name], ["brightness"], attributes: [Attr.Ints("axes", 1), Attr.Int("keepdims", 1)]);
        b.AddOutput(new GraphValue("color_logits"), ElementType.Float, ["batch", 3]);
        b.AddOutput(new GraphValue("brightness"), ElementType.Float, ["batch", 1]);
        var model = b.ToModel();

        var card = new ModelCard
        {
            Inputs = [ModelCardInput.ForImage("image", new ImageSpec { Width = Side, Height = Side, ResizeShorterSide = Side })],
            Tasks =
            [
                new ModelCardTask { Name = "color", Kind = TaskKind.Multiclass, Labels = ["red", "green", "blue"],
                    Outputs = ["color_logits"] },
                new ModelCardTask
                {
                    Name = "brightness", Kind = TaskKind.Regression, Outputs = ["brightness"], Units = "lux",
                    RegressionMean = [100], RegressionStd = [10],
                },
            ],
        };
        card.WriteTo(model);
        return OnnxModelIO.ToBytes(model);
    }

    /// <summary>The explanation model of <see cref="Shapes"/>: color saliency = |image|, brightness saliency = 1.</summary>
    public static byte[] ShapesExplain()
    {
        var b = new GraphBuilder();
        var image = b.AddInput("image", ElementType.Float, "batch", 3, Side, Side);
        b.NewNode("Abs", [image.Name], ["color_saliency"]);
        var zero = b.Mul(image, b.AddInitializer("zero", [], [0f]));
        b.NewNode("Add", [zero.Name, b.AddInitializer("one", [], [1f]).Name], ["brightness_saliency"]);
        b.AddOutput(new GraphValue("color_saliency"), ElementType.Float, ["batch", 3, Side, Side]);
        b.AddOutput(new GraphValue("brightness_saliency"), ElementType.Float, ["batch", 3, Side, Side]);
        return OnnxModelIO.ToBytes(b.ToModel());
    }

    public const string Vocabulary = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\ngood\nbad\n";

    /// <summary>
    /// A text model on a WordPiece vocabulary: ids and mask INT64 [batch, 8] → mood_logits = [tokens, -tokens]
    /// (multiclass long, short), where tokens counts the mask.
    /// </summary>
    public static byte[] Mood(string vocabularyHash)
    {
        var b = new GraphBuilder();
        var ids = b.AddInput("ids", ElementType.Int64, "batch", 8);
        var mask = b.AddInput("mask", ElementType.Int64, "batch", 8);
        var idsFloat = b.Node("Cast", [ids], Attr.Int("to", 1));
        var maskFloat = b.Node("Cast", [mask], Attr.Int("to", 1));
        var count = b.Node("ReduceSum", [maskFloat, b.AddInitializer("axes", [1], [1L])], Attr.Int("keepdims", 1));
        var ignored = b.Mul(b.Node("ReduceSum", [idsFloat, b.AddInitializer("axes2", [1], [1L])], Attr.Int("keepdims", 1)),
            b.AddInitializer("zero", [], [0f]));
        var positive = b.Add(count, ignored);
        var negative = b.Node("Neg", [positive]);
        b.NewNode("Concat", [positive.Name, negative.Name], ["mood_logits"], attributes: Attr.Int("axis", 1));
        b.AddOutput(new GraphValue("mood_logits"), ElementType.Float, ["batch", 2]);
        var model = b.ToModel();

        var card = new ModelCard
        {
            Inputs =
            [
                ModelCardInput.ForText("ids", new TextSpec
                {
                    Tokenizer = TokenizerKind.WordPiece,
                    Files = [new TokenizerFile { Name = "vocab.txt", Sha256 = vocabularyHash }],
                    MaxLength = 8,
                    AttentionMaskInput = "mask",
                    MaxCharacters = 1_000_000,
                }),
                new ModelCardInput { Name = "mask", Kind = InputKind.Tensor, ElementType = ElementType.Int64, Shape = ["batch", 8] },
            ],
            Tasks = [new ModelCardTask { Name = "mood", Kind = TaskKind.Multiclass, Labels = ["long", "short"],
                Outputs = ["mood_logits"] }],
        };
        card.WriteTo(model);
        return OnnxModelIO.ToBytes(model);
    }

    /// <summary>Writes the mood model with its vocabulary into a repository.</summary>
    public static void AddMood(TestRepository repository, string name = "mood")
    {
        var folder = Path.Combine(repository.Root, name, "1");
        Directory.CreateDirectory(folder);
        var vocabulary = Path.Combine(folder, "vocab.txt");
        File.WriteAllText(vocabulary, Vocabulary);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), Mood(TokenizerFile.HashFile(vocabulary)));
    }

    /// <summary>Writes the shapes model, optionally with its explanation model.</summary>
    public static void AddShapes(TestRepository repository, string name = "shapes", bool explain = true)
    {
        repository.Add(name, 1, Shapes());
        if (explain)
        {
            File.WriteAllBytes(Path.Combine(repository.Root, name, "1", "explain.onnx"), ShapesExplain());
        }
    }

    /// <summary>An 8×8 PNG: the left half one colour, the right half another.</summary>
    public static byte[] Png(Rgb24 left, Rgb24 right)
    {
        using var image = new Image<Rgb24>(Side, Side);
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                image[x, y] = x < Side / 2 ? left : right;
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// A valid, black PNG of any size, written by hand: its rows of zeros deflate to almost nothing, so a
    /// 50-megapixel image is a few hundred kilobytes.
    /// </summary>
    public static byte[] BlankPng(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 2;
        Chunk(output, "IHDR", header);

        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + (width * 3)];
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        Chunk(output, "IDAT", pixels.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
        data.CopyTo(typed, 4);
        output.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
