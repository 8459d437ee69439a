using System.Diagnostics;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Tests.Session;

namespace MtlOnnx.Training.Tests.Checkpoints;

public sealed class CheckpointCrashTests : IDisposable
{
    public const string WorkerVariable = "MTLONNX_TEST_SAVE_FOREVER";

    // 32 MB of tensor data: large enough that a save (hash, write, flush) takes many milliseconds.
    private const int Elements = 8 << 20;

    private readonly TempFolder _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void KillDuringSave_LeavesThePreviousCheckpointLoadable()
    {
        var path = _directory.File("ckpt.safetensors");
        var killedMidSave = 0;
        var temporary = path + ".tmp";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // A killed save leaves its temporary file behind; remove it so that a new one marks a save in progress.
            File.Delete(temporary);
            using var child = StartWorker(path);
            var completed = WaitForLine(child, "saved");
            Assert.True(completed >= 0, "The save worker did not report a completed save.");

            // Wait until the worker is inside its next save, with the temporary file being written, then kill it.
            var deadline = Stopwatch.StartNew();
            while (!(File.Exists(temporary) && new FileInfo(temporary).Length > 0)
                && deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(1);
            }

            var inside = File.Exists(temporary);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            killedMidSave += inside ? 1 : 0;

            var checkpoint = TrainingCheckpoint.Load(path);
            var tensor = Assert.Single(checkpoint.Tensors);
            Assert.True(checkpoint.Step >= 1, $"The surviving checkpoint has step {checkpoint.Step}.");
            Assert.True(
                tensor.Data.All(v => v == checkpoint.Step),
                $"The surviving checkpoint mixes saves: step {checkpoint.Step}, values {tensor.Data[0]} to " +
                $"{tensor.Data[^1]}.");
        }

        Assert.True(killedMidSave > 0, "No kill landed while a temporary checkpoint file existed.");
    }

    internal static void SaveForever(string path)
    {
        var data = new float[Elements];
        for (long step = 1; ; step++)
        {
            Array.Fill(data, step);
            var checkpoint = new TrainingCheckpoint { Step = step };
            checkpoint.Tensors.Add(new CheckpointTensor("w", CheckpointTensorRole.Trainable, [Elements], data));
            checkpoint.Save(path);
            Console.Out.WriteLine("saved " + step);
            Console.Out.Flush();
        }
    }

    private static Process StartWorker(string path)
    {
        var assembly = typeof(CheckpointCrashTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[WorkerVariable] = path;
        return Process.Start(start) ?? throw new InvalidOperationException("The save worker did not start.");
    }

    private static int WaitForLine(Process child, string prefix)
    {
        var read = child.StandardOutput.ReadLineAsync();
        if (!read.Wait(TimeSpan.FromSeconds(60))
            || read.Result is not { } line
            || !line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return -1;
        }

        return int.Parse(line.AsSpan(prefix.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
    }
}
