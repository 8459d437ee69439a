using System.CommandLine;
using System.Globalization;
using MtlOnnx.Export;
using MtlOnnx.ModelCards;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx quickstart [--output DIR]</c>: trains the built-in shapes model (no files needed), evaluates it on its
/// held-out split, exports it to a model repository, and prints a few predictions beside their true labels.
/// </summary>
public static class QuickstartCommand
{
    /// <summary>The quickstart job; <c>models/shapes-quickstart.yaml</c> holds the same text.</summary>
    public const string Job = """
        # The quickstart: a small CNN learns the shape class and the position of procedurally drawn shapes.
        # Needs no files. `mtlonnx quickstart` trains this job; `mtlonnx train models/shapes-quickstart.yaml` does the same.
        name: shapes-quickstart
        seed: 7
        device: cpu
        epochs: 8
        input:
          kind: image
          width: 32
          height: 32
          channels: 1
        trunk:
          kind: lenet
          channels: [16, 32]
          kernels: [3, 3]
          features: 64
        architecture:
          kind: hard-sharing
        tasks:
          - name: shape
            kind: multiclass
            labels: [square, ellipse, heart]
          - name: position
            kind: regression
            columns: [x, y]
            head: [32]
        data:
          source: shapes
          batch_size: 64
          shapes:
            image_size: 32
            train_size: 10000
            validation_size: 1000
            test_size: 2000
        optimizer:
          kind: adam
          learning_rate: 0.003
        schedule:
          kind: cosine
          warmup_steps: 50
        weighting: ew
        early_stopping:
          metric: loss

        """;

    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo>("--output") { Description = "Where the run goes.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("runs", "quickstart")) };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads (0: the runtime decides).",
            DefaultValueFactory = _ => 0 };
        var command = new Command("quickstart",
            "Train, evaluate and export the built-in shapes model, then show some predictions.") { folder, threads };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return TrainCommand.Guard("quickstart", error, () =>
                Run(parseResult.GetRequiredValue(folder).FullName, parseResult.GetValue(threads), output, error));
        });
        return command;
    }

    /// <summary>Runs the quickstart.</summary>
    /// <param name="folder">The run's output folder.</param>
    /// <param name="threads">The ONNX Runtime threads.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where export problems go.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string folder, int threads, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var jobText = Job + $"output: '{folder.Replace("'", "''", StringComparison.Ordinal)}'\n";
        var job = JobFile.Parse(jobText, "quickstart.yaml", Directory.GetCurrentDirectory());
        var result = TrainCommand.Train(job, resume: false, threads, output);
        if (result.Interrupted)
        {
            return TrainCommand.Interrupted;
        }

        using var evaluator = new CheckpointEvaluator(job, result.BestCheckpoint!, threads);
        var test = evaluator.Evaluate("test");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Held-out test split ({test.Samples} images): shape accuracy " +
            $"{test.Metrics["shape"]["accuracy"] * 100:0.0} %, position R² {test.Metrics["position"]["r2"]:0.000}, " +
            $"position MAE {test.Metrics["position"]["mae"]:0.000}."));

        Export(job, jobText, result.BestCheckpoint!, threads, folder, output, error);
        output.WriteLine("Predictions beside the true labels (test split):");
        foreach (var sample in evaluator.Predict("test", 8))
        {
            var parts = sample.Predicted.Keys.Select(task =>
                $"{task}: {sample.Predicted[task]} (true {sample.Actual[task]})");
            output.WriteLine($"  #{sample.Index,-5} {string.Join("   ", parts)}");
        }

        return 0;
    }

    private static void Export(JobSpec job, string jobText, string checkpoint, int threads, string folder,
        TextWriter output, TextWriter error)
    {
        try
        {
            // The same path as `mtlonnx export RUN/best.ckpt --job FILE`: a full model card, verified in the runtime.
            var source = TrainerCheckpoint.Load(job, checkpoint, new TrainerCheckpointOptions
            {
                JobHash = TrainerCheckpoint.HashJob(jobText),
                ValidationSamples = 0,
                Threads = threads,
            });
            var exported = ModelExporter.Export(source, new ExportOptions
            {
                Repository = Path.Combine(folder, "repository"),
                Force = true,
            });
            output.WriteLine($"Exported: {exported.ModelPath}");
        }
        catch (Exception ex) when (ex is ExportException or ModelCardException or ArgumentException
            or InvalidOperationException or IOException)
        {
            error.WriteLine($"mtlonnx quickstart: the model trained but could not be exported: {ex.Message}");
        }
    }
}
