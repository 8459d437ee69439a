using Google.Protobuf;
using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class OnnxModelIOTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(200)]
    [InlineData(-1)]
    public void Load_TruncatedFile_SaysTruncated(int keep)
    {
        var bytes = OnnxModelIO.ToBytes(SmallModel(weights: 64));
        var length = keep > 0 ? keep : bytes.Length - 7;
        var path = _folder.File("cut.onnx");
        File.WriteAllBytes(path, bytes[..length]);

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("is truncated", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Load_RandomBytes_SaysNotOnnx(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);
        var path = _folder.File("random.onnx");
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("is not an ONNX model", ex.Message);
    }

    [Theory]
    [InlineData("This is a text file, not a model.\n")]
    [InlineData("{\"ir_version\": 8}")]
    [InlineData("")]
    public void Load_TextFile_SaysNotOnnx(string text)
    {
        var path = _folder.File("text.onnx");
        File.WriteAllText(path, text);

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Matches("is not an ONNX model|is empty", ex.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(13)]
    [InlineData(99)]
    public void Load_UnsupportedIrVersion_NamesVersionFound(long irVersion)
    {
        var model = SmallModel();
        model.IrVersion = irVersion;
        var path = _folder.File("ir.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains($"has IR version {irVersion}", ex.Message);
        Assert.Contains("3 to 12", ex.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    public void Load_SupportedIrVersion_Loads(long irVersion)
    {
        var model = SmallModel();
        model.IrVersion = irVersion;
        var path = _folder.File("ir.onnx");
        if (irVersion < 4)
        {
            // IR 3 requires every initializer to be listed as an input too.
            model.Graph.Input.Add(ValueInfos.Tensor("w", ElementType.Float, [Dim.Fixed(4)]));
        }

        File.WriteAllBytes(path, model.ToByteArray());

        Assert.Equal(irVersion, OnnxModelIO.Load(path).IrVersion);
    }

    [Fact]
    public void Load_NodeWithMissingInput_NamesNodeAndTensor()
    {
        var model = SmallModel();
        model.Graph.Node[0].Input[1] = "ghost";
        model.Graph.Node[0].Name = "add1";
        var path = _folder.File("dangling.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains(
            "Node 'add1' (Add): input 'ghost' is not produced by any node, input or initializer.", ex.Message);
    }

    [Fact]
    public void Load_DeeplyNestedGraphs_RejectedWithoutStackOverflow()
    {
        var model = SmallModel();
        var inner = new GraphProto { Name = "g0" };
        for (var i = 1; i < 150; i++)
        {
            var node = new NodeProto { OpType = "If" };
            node.Attribute.Add(Attr.Graph("then_branch", inner));
            inner = new GraphProto { Name = $"g{i}" };
            inner.Node.Add(node);
        }

        var holder = new NodeProto { OpType = "If", Name = "deep" };
        holder.Attribute.Add(Attr.Graph("then_branch", inner));
        model.Graph.Node.Add(holder);
        var path = _folder.File("deep.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("nests messages more than 100 levels deep", ex.Message);
    }

    [Fact]
    public void Load_HugeDeclaredLength_RejectedWithoutAllocating()
    {
        // ir_version 8, then a graph field that claims 2^40 bytes.
        byte[] bytes = [0x08, 0x08, 0x3A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x01, 0x02];
        var path = _folder.File("huge.onnx");
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("is truncated: its field 'graph'", ex.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var path = _folder.File("absent.onnx");

        var ex = Assert.Throws<FileNotFoundException>(() => OnnxModelIO.Load(path));

        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Save_ExternalData_RoundTripsAndRunsInOrt()
    {
        var model = SmallModel(weights: 4096);
        var path = _folder.File("big.onnx");

        OnnxModelIO.Save(model, path, new ModelSaveOptions { ExternalDataThreshold = 1024 });
        var loaded = OnnxModelIO.Load(path);
        var reference = OnnxModelIO.Load(path, new ModelLoadOptions { LoadExternalData = false });

        Assert.True(new FileInfo(path).Length < 1024);
        Assert.Equal(4096 * 4, new FileInfo(path + ".data").Length);
        var w = reference.Graph.Initializer.Single(t => t.Name == "w");
        Assert.Equal(TensorProto.Types.DataLocation.External, w.DataLocation);
        Assert.Equal("big.onnx.data", w.ExternalData.Single(e => e.Key == "location").Value);
        Assert.Equal(model.Graph.Initializer[0].RawData, loaded.Graph.Initializer[0].RawData);
        Assert.Equal(TensorProto.Types.DataLocation.Default, model.Graph.Initializer[0].DataLocation);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));

        var input = Ort.Random(7, 4096);
        var expected = Ort.Run(OnnxModelIO.ToBytes(model), Inputs(input));
        var actual = Ort.Run(OnnxModelIO.ToBytes(loaded), Inputs(input));
        Assert.Equal(expected["y"].Data, actual["y"].Data);
    }

    [Fact]
    public void Save_ExternalData_PassesReferenceCheckerAndOrtLoadsFile()
    {
        var path = _folder.File("ext.onnx");
        OnnxModelIO.Save(SmallModel(weights: 512), path, new ModelSaveOptions { ExternalDataThreshold = 0 });

        OnnxChecker.AssertValid(path);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        Assert.Equal("y", session.OutputNames.Single());
    }

    [Fact]
    public void Save_OverInlineLimit_RequiresExternalData()
    {
        var model = SmallModel(weights: 1024);
        var path = _folder.File("limit.onnx");

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Save(model, path, null, inlineLimitBytes: 1000));
        OnnxModelIO.Save(model, path, new ModelSaveOptions { ExternalDataThreshold = 100 }, inlineLimitBytes: 1000);

        Assert.Contains("ExternalDataThreshold", ex.Message);
        Assert.Equal(4096, OnnxModelIO.Load(path).Graph.Initializer[0].RawData.Length);
    }

    [Fact]
    public void Load_MissingExternalFile_NamesTensorAndFile()
    {
        var path = _folder.File("m.onnx");
        OnnxModelIO.Save(SmallModel(weights: 256), path, new ModelSaveOptions { ExternalDataThreshold = 0 });
        File.Delete(path + ".data");

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("Tensor 'w'", ex.Message);
        Assert.Contains("'m.onnx.data', which does not exist", ex.Message);
    }

    [Fact]
    public void Load_ShortExternalFile_SaysShort()
    {
        var path = _folder.File("m.onnx");
        OnnxModelIO.Save(SmallModel(weights: 256), path, new ModelSaveOptions { ExternalDataThreshold = 0 });
        var data = File.ReadAllBytes(path + ".data");
        File.WriteAllBytes(path + ".data", data[..100]);

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("holds 100 bytes, but tensor 'w' needs bytes 0 to 1024; the file is short", ex.Message);
    }

    [Theory]
    [InlineData("../outside.bin", "outside the model's folder")]
    [InlineData("sub/../../outside.bin", "outside the model's folder")]
    [InlineData("/etc/passwd", "absolute external data path")]
    [InlineData("C:/data.bin", "absolute external data path")]
    public void Load_UnsafeExternalLocation_Refused(string location, string expected)
    {
        var model = SmallModel(weights: 4);
        var w = model.Graph.Initializer[0];
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        var path = _folder.File("unsafe.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Load_ExternalLengthDisagreesWithShape_NamesBoth()
    {
        var path = _folder.File("m.onnx");
        OnnxModelIO.Save(SmallModel(weights: 8), path, new ModelSaveOptions { ExternalDataThreshold = 0 });
        var model = OnnxModelIO.Load(path, new ModelLoadOptions { LoadExternalData = false });
        model.Graph.Initializer[0].ExternalData.Single(e => e.Key == "length").Value = "12";
        File.WriteAllBytes(path, model.ToByteArray());

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("declares an external data length of 12 bytes", ex.Message);
        Assert.Contains("needs 32 bytes", ex.Message);
    }

    [Fact]
    public void Save_OverExistingFile_ReplacesItAtomically()
    {
        var path = _folder.File("m.onnx");
        File.WriteAllText(path, "old");

        OnnxModelIO.Save(SmallModel(), path);

        Assert.Equal(OnnxModelIO.ToBytes(SmallModel()), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Save_UnloadedExternalData_Refused()
    {
        var path = _folder.File("m.onnx");
        OnnxModelIO.Save(SmallModel(weights: 8), path, new ModelSaveOptions { ExternalDataThreshold = 0 });
        var model = OnnxModelIO.Load(path, new ModelLoadOptions { LoadExternalData = false });

        var ex = Assert.Throws<ModelFormatException>(() => OnnxModelIO.Save(model, _folder.File("copy.onnx")));

        Assert.Contains("Tensor 'w' still refers to external data", ex.Message);
        Assert.False(File.Exists(_folder.File("copy.onnx")));
    }

    private static Dictionary<string, Ort.Tensor> Inputs(Ort.Tensor x) => new() { ["x"] = x };

    internal static ModelProto SmallModel(int weights = 4)
    {
        var b = new GraphBuilder("small");
        var x = b.AddInput("x", ElementType.Float, weights);
        var w = b.AddInitializer("w", [weights], Enumerable.Range(0, weights).Select(i => i * 0.25f).ToArray());
        var y = b.Add(x, w);
        b.NewNode("Identity", [y.Name], ["y"]);
        b.AddOutput(new GraphValue("y"), ElementType.Float, [weights]);
        return b.ToModel();
    }
}
