using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class TorchFixtureTests
{
    public static TheoryData<string> Fixtures => new(TorchFixtures.Names);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TorchExport_LoadSaveLoad_GivesIdenticalOrtOutputs(string name)
    {
        using var folder = new TempFolder();
        var original = File.ReadAllBytes(TorchFixtures.PathOf(name));
        var model = OnnxModelIO.Load(TorchFixtures.PathOf(name));
        var saved = folder.File(name);

        OnnxModelIO.Save(model, saved);
        var reloaded = OnnxModelIO.Load(saved);

        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain.Length == 0).Version);
        // Field order on disk may differ from torch's writer; the content must not.
        Assert.Equal(model, reloaded);
        Assert.Equal(ModelProto.Parser.ParseFrom(original), reloaded);
        var inputs = SampleInputs(name, batch: 3);
        var expected = Ort.Run(original, inputs);
        var actual = Ort.Run(File.ReadAllBytes(saved), inputs);
        Assert.Equal(expected["y"].Shape, actual["y"].Shape);
        Assert.Equal(expected["y"].Data, actual["y"].Data);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TorchExport_ExternalDataRoundTrip_GivesIdenticalOrtOutputs(string name)
    {
        using var folder = new TempFolder();
        var model = OnnxModelIO.Load(TorchFixtures.PathOf(name));
        var saved = folder.File(name);

        OnnxModelIO.Save(model, saved, new ModelSaveOptions { ExternalDataThreshold = 256 });
        var reloaded = OnnxModelIO.Load(saved);

        Assert.True(File.Exists(saved + ".data"));
        var inputs = SampleInputs(name, batch: 2);
        var expected = Ort.Run(File.ReadAllBytes(TorchFixtures.PathOf(name)), inputs);
        var actual = Ort.Run(OnnxModelIO.ToBytes(reloaded), inputs);
        Assert.Equal(expected["y"].Data, actual["y"].Data);
    }

    internal static Dictionary<string, Ort.Tensor> SampleInputs(string name, int batch) => name switch
    {
        "mlp.onnx" => new() { ["x"] = Ort.Random(31, batch, 8) },
        "convnet_bn.onnx" => new() { ["x"] = Ort.Random(32, batch, 3, 16, 16) },
        "transformer.onnx" => new() { ["x"] = Ort.Random(33, 6, batch, 12) },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown fixture."),
    };
}
