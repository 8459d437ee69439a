using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Tests.Session;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Architectures;

public sealed class OnnxTrunkTests
{
    private const string Export = """
        import sys, torch, numpy as np
        torch.manual_seed(0)
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(1, 4, 3)
                self.bn = torch.nn.BatchNorm2d(4)
                self.fc = torch.nn.Linear(4 * 14 * 14, 12)
                self.head = torch.nn.Linear(12, 5)
            def forward(self, x):
                f = torch.relu(self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1)))
                return f, self.head(f)
        net = Net()
        net.bn.running_mean.uniform_(-0.2, 0.2)
        net.bn.running_var.uniform_(0.5, 1.5)
        net.eval()
        x = torch.from_numpy(np.linspace(-1, 1, 2 * 256, dtype=np.float32).reshape(2, 1, 16, 16))
        torch.onnx.export(net, x, sys.argv[1], input_names=["pixels"], output_names=["features", "logits"],
                          dynamic_axes={"pixels": {0: "n"}, "features": {0: "n"}, "logits": {0: "n"}}, opset_version=13)
        with torch.no_grad():
            print(" ".join(f"{v:.7g}" for v in net(x)[0].flatten().tolist()))
        """;

    [Fact]
    public void ImportedTorchExport_CutAtFeatures_MatchesPyTorchAndTrainsItsWeights()
    {
        using var folder = new TempFolder();
        var expected = PythonTool.RunScriptIn(Export, folder.Path, folder.File("trunk.onnx"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        var job = TestJobs.Parse(
            """
            input: { width: 16, height: 16 }
            trunk: { kind: onnx, path: trunk.onnx, feature_output: features }
            data: { shapes: { image_size: 16 } }
            tasks:
              - { name: shape, kind: multiclass }
            """,
            folder.Path);

        var model = ModelFactory.Build(job);
        var features = Run(model, Enumerable.Range(0, 512).Select(i => -1 + (2f * i / 511)).ToArray());

        Assert.Equal(2 * 12, features.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], features[i], 4);
        }

        // The exporter folds batch norm into the convolution; its kernel and the linear layer become trained shared
        // parameters under the trunk prefix, and the exported model's own head is cut off.
        var trunk = model.Parameters.Where(p => p.IsShared).ToList();
        Assert.Contains(trunk,
            p => p.Role == ParameterRole.Weight && p.Shape.Count == 4 && p.Name.StartsWith("trunk.",
            StringComparison.Ordinal));
        Assert.Contains("trunk.fc.weight", model.SharedTrainableNames);
        Assert.Contains("trunk.fc.bias", model.SharedTrainableNames);
        Assert.DoesNotContain(model.Parameters, p => p.Name == "trunk.head.weight");
        Assert.Equal(4, trunk.Count);
    }

    [Fact]
    public void ImportedTrunk_UnknownFeatureOutput_ListsGraphOutputs()
    {
        using var folder = new TempFolder();
        PythonTool.RunScriptIn(Export, folder.Path, folder.File("trunk.onnx"));
        var job = TestJobs.Parse(
            """
            input: { width: 16, height: 16 }
            trunk: { kind: onnx, path: trunk.onnx, feature_output: embedding }
            data: { shapes: { image_size: 16 } }
            tasks:
              - { name: shape, kind: multiclass }
            """,
            folder.Path);

        var error = Assert.Throws<ModelFormatException>(() => ModelFactory.Build(job));

        Assert.Contains("has no tensor named 'embedding'. Its graph outputs are: features, logits.", error.Message,
            StringComparison.Ordinal);
    }

    private static float[] Run(MultiTaskModel model, float[] pixels) =>
        ForwardRunner.Run(
            model,
            batch: 2,
            seed: 1,
            overrideFloat: (name, data) =>
            {
                if (name == ModelInput.InputName)
                {
                    pixels.CopyTo(data, 0);
                }
            },
            extraOutputs: [model.RepresentationName])[model.RepresentationName];
}
