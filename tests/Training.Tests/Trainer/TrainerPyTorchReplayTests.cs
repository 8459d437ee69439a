using System.Text.Json.Nodes;
using MtlOnnx.Bench.TrainerReplay;
using MtlOnnx.Testing;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Trainer;

/// <summary>
/// The whole trainer path (Multi-Fashion loading with prefetch, the LeNet graph and its gradients, the per-task mean
/// cross-entropies, equal weighting, Adam on the flat buffers, evaluation) against PyTorch's loop run from the same
/// initial parameters on the same batches (bench/trainer/torch_replay.py).
/// </summary>
public sealed class TrainerPyTorchReplayTests
{
    [Fact]
    public void Train_MultiFashionLeNet_TracksPyTorchFromTheSameStartOnTheSameBatches()
    {
        Assert.True(File.Exists(Path.Combine(MultiFashionDataset.DefaultFolder, "train-images-idx3-ubyte.gz")),
            "Fashion-MNIST is missing: install Debian's dataset-fashion-mnist package (.ci/run does).");
        using var temp = new TempFolder();
        var job = TestJobs.Parse($$"""
            name: replay
            seed: 5
            epochs: 2
            input: { kind: image, width: 36, height: 36, channels: 1 }
            trunk: { kind: lenet, channels: [10, 20], kernels: [9, 5], features: 50 }
            tasks:
              - { name: left, kind: multiclass, head: [50] }
              - { name: right, kind: multiclass, head: [50] }
            data: { source: multi-fashion, batch_size: 128, validation_fraction: 0, train_limit: 1024, test_limit: 256 }
            optimizer: { kind: adam, learning_rate: 0.001 }
            weighting: ew
            output: {{temp.File("run")}}
            """);

        var result = ReplayRun.Write(job, temp.Path, threads: 1);
        var comparison = RunReplay(temp.Path, temp.File("comparison.json"));

        // Float32 rounding differs (other kernels, other summation orders), and Adam's normalised steps let it grow:
        // the first steps agree to float precision, later ones drift slowly; a wrong gradient, loss reduction or
        // optimizer step would be off by far more from the second step on.
        var lossDifferences = comparison["loss_abs_diff"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(16, lossDifferences.Length);
        Assert.All(lossDifferences[..4], d => Assert.InRange(d, 0, 2e-5));
        Assert.All(lossDifferences, d => Assert.InRange(d, 0, 1e-3));
        var relative = comparison["parameter_relative_diff"]!.AsObject();
        Assert.Equal(14, relative.Count);
        Assert.All(relative, p => Assert.InRange(p.Value!.GetValue<double>(), 0, 1e-2));

        // The trained network also ends in the same accuracy on the same test pairs, within one sample of 256.
        var torchTest = comparison["torch_test"]!.AsArray()[^1]!.AsArray();
        var ours = result.History[^1].ValidationMetrics;
        Assert.InRange(Math.Abs(ours["left"]["accuracy"] - torchTest[0]!.GetValue<double>()), 0, 1.5 / 256);
        Assert.InRange(Math.Abs(ours["right"]["accuracy"] - torchTest[1]!.GetValue<double>()), 0, 1.5 / 256);
    }

    private static JsonObject RunReplay(string folder, string output)
    {
        PythonTool.Run([RepositoryPaths.File("bench", "trainer", "torch_replay.py"), folder, "--threads", "1", "--json",
            output], timeoutSeconds: 300);
        return JsonNode.Parse(File.ReadAllText(output))!.AsObject();
    }
}
