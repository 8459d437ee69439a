using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.ModelCards;

public sealed class ModelCardTests
{
    private const string VocabHash = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    [Fact]
    public void WriteTo_SaveLoadReadFrom_RoundTripsEveryField()
    {
        var card = SampleCard();
        var model = SampleModel();
        card.WriteTo(model);

        var path = Path.Combine(Path.GetTempPath(), $"mtlonnx-card-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxModelIO.Save(model, path);
            var loaded = ModelCard.ReadFrom(OnnxModelIO.Load(path), path);

            Assert.Equal(card.ToJson(), loaded.ToJson());
            var image = Assert.IsType<ImageSpec>(loaded.Inputs[0].Image);
            Assert.Equal([0.485f, 0.456f, 0.406f], image.Mean);
            Assert.Equal(ChannelOrder.Bgr, image.ChannelOrder);
            Assert.Equal(1f / 255f, image.Scale);
            Assert.Equal([Dim.Symbol("batch"), 3, 32, 48], loaded.Inputs[0].Shape);
            var text = Assert.IsType<TextSpec>(loaded.Inputs[1].Text);
            Assert.Equal(TokenizerKind.WordPiece, text.Tokenizer);
            Assert.Equal(VocabHash, text.Files[0].Sha256);
            Assert.Equal("attention_mask", text.AttentionMaskInput);
            var price = Assert.IsType<ModelCardTask>(loaded.FindTask("price"));
            Assert.Equal(TaskKind.Regression, price.Kind);
            Assert.Equal(12.5 * 4 + 20, price.Destandardize(0, 12.5), 12);
            Assert.Equal(0.93, loaded.Provenance!.Metrics["colour.accuracy"]);
            Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), loaded.Provenance.CreatedUtc);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WriteTo_CalledTwice_KeepsOneEntry()
    {
        var model = SampleModel();
        var card = SampleCard();
        card.WriteTo(model);
        card.Tasks[0].Labels.Add("green");
        card.WriteTo(model);

        Assert.Single(model.MetadataProps, p => p.Key == ModelCard.MetadataKey);
        Assert.Equal(3, ModelCard.ReadFrom(model).Tasks[0].Labels.Count);
    }

    [Fact]
    public void ToJson_UsesSnakeCaseAndOnnxNames()
    {
        var json = SampleCard().ToJson();

        Assert.Contains($"\"schema_version\": {ModelCard.CurrentSchemaVersion}", json, StringComparison.Ordinal);
        Assert.Contains("\"mtlonnx_version\"", json, StringComparison.Ordinal);
        Assert.Contains("\"element_type\": \"int64\"", json, StringComparison.Ordinal);
        Assert.Contains("\"resize_mode\": \"shorter_side_center_crop\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tokenizer\": \"wordpiece\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"multiclass\"", json, StringComparison.Ordinal);
        Assert.Matches("\"shape\": \\[\\s*\"batch\",\\s*3,\\s*32,\\s*48\\s*\\]", json);
    }

    [Fact]
    public void FromJson_GreyImage_RoundTripsWithOneChannel()
    {
        var card = SampleCard();
        var image = new ImageSpec { Width = 32, Height = 32, Channels = 1, Mean = [0.5f], Std = [0.25f] };
        card.Inputs[0] = ModelCardInput.ForImage(card.Inputs[0].Name, image);

        var read = ModelCard.FromJson(card.ToJson(), "grey.json");

        var spec = read.Inputs[0].Image!;
        Assert.Equal(1, spec.Channels);
        Assert.Equal([0.5f], spec.Mean);
        Assert.Equal(new Dim[] { Dim.Symbol("batch"), 1, 32, 32 }, read.Inputs[0].Shape);
    }

    [Fact]
    public void FromJson_SchemaVersion1_ReadsImagesAsRgb()
    {
        var json = SampleCard().ToJson()
            .Replace($"\"schema_version\": {ModelCard.CurrentSchemaVersion}", "\"schema_version\": 1",
                StringComparison.Ordinal)
            .Replace("\"channels\": 3,", "", StringComparison.Ordinal);

        var card = ModelCard.FromJson(json, "v1.json");

        Assert.Equal(1, card.SchemaVersion);
        Assert.Equal(3, card.Inputs[0].Image!.Channels);
    }

    [Theory]
    [InlineData(2, 1, 1, null)]
    [InlineData(2, 2, 2, "image.channels")]
    [InlineData(2, 1, 3, "image.mean")]
    [InlineData(1, 1, 1, "grey images need schema_version 2")]
    public void Validate_Channels_FollowsTheSchemaVersion(int version, int channels, int means, string? error)
    {
        var card = SampleCard();
        card.SchemaVersion = version;
        var image = new ImageSpec
        {
            Width = 32, Height = 32, Channels = channels, Mean = [.. Enumerable.Repeat(0f, means)],
            Std = [.. Enumerable.Repeat(1f, means)],
        };
        card.Inputs[0] = ModelCardInput.ForImage(card.Inputs[0].Name, image);

        var errors = card.Validate();

        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ReadFrom_ModelWithoutCard_NamesTheKey()
    {
        var ex = Assert.Throws<ModelCardException>(() => ModelCard.ReadFrom(SampleModel(), "m.onnx"));

        Assert.Contains("'m.onnx'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelCard.MetadataKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_NewerSchemaVersion_IsRefusedByVersion()
    {
        var newer = ModelCard.CurrentSchemaVersion + 1;
        var json = SampleCard().ToJson()
            .Replace($"\"schema_version\": {ModelCard.CurrentSchemaVersion}", $"\"schema_version\": {newer}",
                StringComparison.Ordinal)
            .Replace("\"inputs\"", "\"future_field\": true, \"inputs\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelCardException>(() => ModelCard.FromJson(json, "new.onnx"));

        Assert.Contains($"schema_version {newer}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade MtlOnnx", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "no 'schema_version'")]
    [InlineData("[]", "expected an object")]
    [InlineData("{\"schema_version\": \"one\"}", "expected a positive integer")]
    [InlineData("{\"schema_version\": 1, \"inputs\": [ {\"kind\": \"audio\"} ]}", "'$.inputs[0].kind'")]
    [InlineData("{\"schema_version\": 1, \"inptus\": []}", "inptus")]
    [InlineData("{\"schema_version\": 1, \"inputs\": [ {\"element_type\": \"float33\"} ]}", "element_type")]
    [InlineData("{\"schema_version\": 1, \"inputs\": [ {\"shape\": [\"batch\", -1]} ]}", "shape")]
    [InlineData("{\"schema_version\": 1, \"tasks\": null}", "tasks")]
    [InlineData("{\"schema_version\": 1,", "not valid JSON")]
    public void FromJson_MalformedDocument_ExplainsWhere(string json, string expected)
    {
        var ex = Assert.Throws<ModelCardException>(() => ModelCard.FromJson(json, "bad.json"));

        Assert.Contains("'bad.json'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BrokenCards() => new()
    {
        { "image-mean", "inputs[0].image.mean: expected 3 values (one per channel), found 2." },
        { "image-std", "inputs[0].image.std[1]: expected a positive finite value, found 0." },
        { "image-shape", "inputs[0].shape: expected [batch, 3, 32, 48] (NCHW, from image.channels, image.height "
            + "and image.width), found [batch, 3, 48, 32]." },
        { "image-crop", "inputs[0].image.resize_shorter_side: expected at least 48 so that the 48x32 centre crop "
            + "fits, found 40." },
        { "batch", "inputs[0].shape[0]: expected a symbolic batch dimension such as \"batch\", found 1." },
        { "text-type", "inputs[1].element_type: expected int64 for a text input, found float." },
        { "text-files", "inputs[1].text.files: expected 1 (a vocabulary file) for tokenizer WordPiece, found 0." },
        { "text-hash", "inputs[1].text.files[0].sha256: expected 64 lower-case hexadecimal digits, found 'ABC'." },
        { "text-path", "inputs[1].text.files[0].name: expected a plain file name inside the version folder, "
            + "found '../secret.txt'." },
        { "labels", "tasks[0].labels: expected at least 2 labels for a multiclass task, found 1." },
        { "duplicate-output", "tasks[1].outputs[0]: expected an output unique across tasks, found 'colour_logits' "
            + "a second time." },
        { "regression-std", "tasks[1].regression_std: expected 1 values (one per predicted value), found 2." },
        { "no-tasks", "tasks: expected at least one task, found none." },
    };

    [Theory]
    [MemberData(nameof(BrokenCards))]
    public void Validate_BrokenField_NamesFieldExpectedAndActual(string breakage, string expected)
    {
        var card = SampleCard();
        Break(card, breakage);

        var ex = Assert.Throws<ModelCardException>(() => card.WriteTo(SampleModel()));

        Assert.Contains(expected, ex.Errors);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesNotInGraph_AreReported()
    {
        var card = SampleCard();
        card.Inputs[0].Name = "pixels";
        card.Tasks[0].Outputs[0] = "colour_probs";

        var errors = card.Validate(SampleModel().Graph);

        Assert.Contains(errors, e => e.StartsWith("inputs[0].name: expected the name of a graph input, found "
            + "'pixels'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("tasks[0].outputs[0]: expected the name of a graph output, found "
            + "'colour_probs'", StringComparison.Ordinal));
        Assert.Empty(card.Validate());
    }

    [Fact]
    public void Validate_SampleCard_HasNoErrors()
    {
        Assert.Empty(SampleCard().Validate(SampleModel().Graph));
    }

    private static void Break(ModelCard card, string breakage)
    {
        var image = card.Inputs[0].Image!;
        var text = card.Inputs[1].Text!;
        switch (breakage)
        {
            case "image-mean": image.Mean = [0.5f, 0.5f]; break;
            case "image-std": image.Std[1] = 0; break;
            case "image-shape": card.Inputs[0].Shape = [Dim.Symbol("batch"), 3, 48, 32]; break;
            case "image-crop": image.ResizeShorterSide = 40; break;
            case "batch": card.Inputs[0].Shape[0] = 1; break;
            case "text-type": card.Inputs[1].ElementType = ElementType.Float; break;
            case "text-files": text.Files.Clear(); break;
            case "text-hash": text.Files[0].Sha256 = "ABC"; break;
            case "text-path": text.Files[0].Name = "../secret.txt"; break;
            case "labels": card.Tasks[0].Labels = ["red"]; break;
            case "duplicate-output": card.Tasks[1].Outputs[0] = "colour_logits"; break;
            case "regression-std": card.Tasks[1].RegressionStd = [1, 2]; break;
            case "no-tasks": card.Tasks.Clear(); break;
            default: throw new ArgumentOutOfRangeException(nameof(breakage), breakage, "Unknown breakage.");
        }
    }

    internal static ModelCard SampleCard() => new()
    {
        Inputs =
        [
            ModelCardInput.ForImage("image", new ImageSpec
            {
                Width = 48,
                Height = 32,
                ResizeShorterSide = 56,
                Mean = [0.485f, 0.456f, 0.406f],
                Std = [0.229f, 0.224f, 0.225f],
                ChannelOrder = ChannelOrder.Bgr,
            }),
            ModelCardInput.ForText("input_ids", new TextSpec
            {
                Tokenizer = TokenizerKind.WordPiece,
                Files = [new TokenizerFile { Name = "vocab.txt", Sha256 = VocabHash }],
                MaxLength = 16,
                AttentionMaskInput = "attention_mask",
            }),
        ],
        Tasks =
        [
            new ModelCardTask
            {
                Name = "colour",
                Kind = TaskKind.Multiclass,
                Labels = ["red", "blue"],
                Outputs = ["colour_logits"],
            },
            new ModelCardTask
            {
                Name = "price",
                Kind = TaskKind.Regression,
                Outputs = ["price"],
                Units = "EUR",
                RegressionMean = [20],
                RegressionStd = [4],
            },
        ],
        Provenance = new ModelCardProvenance
        {
            JobHash = "abc123",
            Dataset = "shapes",
            Metrics = new Dictionary<string, double> { ["colour.accuracy"] = 0.93, ["price.mae"] = 1.25 },
            CreatedUtc = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        },
    };

    internal static ModelProto SampleModel()
    {
        var b = new GraphBuilder();
        var image = b.AddInput("image", ElementType.Float, "batch", 3, 32, 48);
        b.AddInput("input_ids", ElementType.Int64, "batch", 16);
        b.AddInput("attention_mask", ElementType.Int64, "batch", 16);
        var flat = b.Node("Flatten", [image]);
        var w = b.AddInitializer("w", [3 * 32 * 48, 2], new float[3 * 32 * 48 * 2]);
        var logits = b.Node("MatMul", [flat, w]);
        b.NewNode("Identity", [logits.Name], ["colour_logits"]);
        b.NewNode("ReduceSum", [logits.Name], ["price"]);
        b.AddOutput(new GraphValue("colour_logits"), ElementType.Float, ["batch", 2]);
        b.AddOutput(new GraphValue("price"), ElementType.Float, ["batch", 1]);
        var model = b.ToModel();
        return model;
    }
}
