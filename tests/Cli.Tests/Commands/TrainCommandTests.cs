using System.Diagnostics;
using MtlOnnx.Cli.Commands;

namespace MtlOnnx.Cli.Tests.Commands;

public sealed class TrainCommandTests
{
    [Fact]
    public void Train_BadJobFile_PrintsOneLineWithLineAndKey()
    {
        var folder = Directory.CreateTempSubdirectory("mtlonnx-train-");
        try
        {
            var job = Path.Combine(folder.FullName, "bad.yaml");
            File.WriteAllText(job, "epochs: 2\noptimiser: { kind: adam }\ntasks:\n  - { name: shape, kind: multiclass }\n");
            using var output = new StringWriter();
            using var error = new StringWriter();

            var code = Program.Run(["train", job], output, error);

            Assert.Equal(1, code);
            Assert.Equal(
                "mtlonnx train: Job file 'bad.yaml', line 2: key 'optimiser' is not allowed at the top level. " +
                "Allowed keys: architecture, data, device, early_stopping, epochs, gradients, input, name, optimizer, " +
                "output, schedule, seed, tasks, trunk, weighting.",
                error.ToString().Trim());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Train_NegativeBatchShards_IsRefusedBeforeTheJobIsRead()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = Program.Run(["train", "missing.yaml", "--batch-shards", "-2"], output, error);

        Assert.NotEqual(0, code);
        Assert.Contains("--batch-shards must be 0 (one per thread) or more, but got -2.", error.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Quickstart_JobText_IsThePresetInModels()
    {
        Assert.Equal(File.ReadAllText(RepositoryPaths.File("models", "shapes-quickstart.yaml")).TrimEnd(),
            QuickstartCommand.Job.TrimEnd());
    }

    [Fact]
    public void Train_Sigint_SavesCheckpointExitsWith130_AndResumeFinishesTheRun()
    {
        var folder = Directory.CreateTempSubdirectory("mtlonnx-sigint-");
        try
        {
            var job = Path.Combine(folder.FullName, "job.yaml");
            File.WriteAllText(job, $$"""
                name: sigint
                seed: 3
                epochs: 3
                output: {{Path.Combine(folder.FullName, "run")}}
                trunk: { kind: mlp, hidden: [64] }
                tasks:
                  - { name: shape, kind: multiclass }
                  - { name: position, kind: regression, columns: [x, y] }
                data: { source: shapes, batch_size: 16, shapes: { train_size: 8000, validation_size: 64, test_size: 64 } }
                """);

            // The first run is stopped by SIGINT once it has started stepping (its first epoch line is not yet out).
            var (code, stdout) = RunCli(["train", job], interruptAfter: "trained parameters");
            Assert.Equal(TrainCommand.Interrupted, code);
            Assert.Contains("Interrupted: saved", stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder.FullName, "run", "last.ckpt")));

            var (resumedCode, resumed) = RunCli(["train", job, "--resume"], interruptAfter: null);
            Assert.Equal(0, resumedCode);
            Assert.Contains("epoch 3: validation loss", resumed, StringComparison.Ordinal);
            Assert.Contains("Test metrics:", resumed, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static (int Code, string Output) RunCli(string[] arguments, string? interruptAfter)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "mtlonnx.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        string? line;
        var signalled = false;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            output.AppendLine(line);
            if (!signalled && interruptAfter is not null && line.Contains(interruptAfter, StringComparison.Ordinal))
            {
                // Send SIGINT as Ctrl+C would, at once: the run is short, and a fast machine could finish it during
                // any wait. The trainer stops at the next step and writes its checkpoint wherever it got to.
                var id = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                using var kill = Process.Start("kill", ["-INT", id]);
                kill.WaitForExit();
                signalled = true;
            }
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The training process did not exit within five minutes.");
        }

        return (process.ExitCode, output + stderr.Result);
    }
}
