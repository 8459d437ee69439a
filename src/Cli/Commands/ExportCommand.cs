using System.CommandLine;
using System.Globalization;
using MtlOnnx.Export;
using MtlOnnx.ModelCards;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx export CHECKPOINT --repository DIR [--job FILE] [--name N] [--version V] [--fp16|--int8]
/// [--explain] [--force] [--no-verify]</c>: writes a trained model into a Triton-style model repository. CHECKPOINT
/// is a checkpoint that <c>mtlonnx train</c> wrote (<c>RUN/best.ckpt</c>, with the job file it was trained with),
/// a run folder (its <c>best.ckpt</c>), or an artifact directory (eval_model.onnx, checkpoint.safetensors,
/// model_card.json).
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint")
        {
            Description = "A checkpoint of mtlonnx train (RUN/best.ckpt; needs --job), a run folder, or an artifact "
                + "directory (eval_model.onnx, checkpoint.safetensors, model_card.json).",
        };
        var job = new Option<FileInfo?>("--job") { Description = "The job file the trainer checkpoint was trained with." };
        var repository = new Option<DirectoryInfo>("--repository")
        {
            Description = "The model repository; the model goes to DIR/<name>/<version>/model.onnx.",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "The model name. Default: the job's or directory's name." };
        var version = new Option<string?>("--version")
        {
            Description = "The version, a positive integer. Default: the next one.",
        };
        var fp16 = new Option<bool>("--fp16") { Description = "Float16 weights and compute; inputs and outputs stay float32." };
        var int8 = new Option<bool>("--int8") { Description = "INT8 weights for MatMul, Gemm and Conv, dynamic quantization." };
        var explain = new Option<bool>("--explain") { Description = "Also write explain.onnx: per-task input saliency." };
        var force = new Option<bool>("--force") { Description = "Replace the version if it exists." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip checking the export against the eval graph." };
        var maxBatch = new Option<int>("--max-batch-size")
        {
            Description = "max_batch_size in config.pbtxt.",
            DefaultValueFactory = _ => 64,
        };
        var maxDrop = new Option<double>("--max-metric-drop", "--max-accuracy-drop")
        {
            Description = "Refuse --fp16/--int8 when a classification task's accuracy drops by more points than this.",
            DefaultValueFactory = _ => 1.0,
        };
        var maxError = new Option<double>("--max-error-increase")
        {
            Description = "Refuse --fp16/--int8 when a regression task's mean absolute error grows by more than this "
                + "fraction (0.05 is five percent).",
            DefaultValueFactory = _ => 0.05,
        };
        var samples = new Option<int>("--validation-samples")
        {
            Description = "How many samples of the job's validation split measure the metric change of --fp16/--int8.",
            DefaultValueFactory = _ => new TrainerCheckpointOptions().ValidationSamples,
        };
        var split = new Option<string>("--validation-split")
        {
            Description = "The job's split that measures the metric change: validation or test.",
            DefaultValueFactory = _ => "validation",
        };
        split.AcceptOnlyFromAmong("validation", "test");
        var command = new Command("export", "Export a trained checkpoint as a checked inference model into a model repository.")
        {
            checkpoint, job, repository, name, version, fp16, int8, explain, force, noVerify, maxBatch, maxDrop, maxError,
            samples, split,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(fp16) && result.GetValue(int8))
            {
                result.AddError("--fp16 and --int8 cannot be combined; choose one precision.");
            }

            if (result.GetValue(samples) < 0)
            {
                result.AddError("--validation-samples must be 0 or more.");
            }
        });
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return CommandErrors.Run("export", error, () =>
            {
                var options = new ExportOptions
                {
                    Repository = parseResult.GetRequiredValue(repository).FullName,
                    Name = parseResult.GetValue(name),
                    Version = parseResult.GetValue(version),
                    Precision = parseResult.GetValue(fp16) ? ExportPrecision.Float16
                        : parseResult.GetValue(int8) ? ExportPrecision.Int8 : ExportPrecision.Float32,
                    Explain = parseResult.GetValue(explain),
                    Force = parseResult.GetValue(force),
                    Verify = !parseResult.GetValue(noVerify),
                    MaxBatchSize = parseResult.GetValue(maxBatch),
                    MaxAccuracyDrop = parseResult.GetValue(maxDrop),
                    MaxErrorIncrease = parseResult.GetValue(maxError),
                };
                var sourceOptions = new TrainerCheckpointOptions
                {
                    ValidationSamples = parseResult.GetValue(samples),
                    ValidationSplit = parseResult.GetRequiredValue(split),
                };
                try
                {
                    var source = Source(
                        parseResult.GetRequiredValue(checkpoint), parseResult.GetValue(job), sourceOptions);
                    Report(ModelExporter.Export(source, options), source, sourceOptions.ValidationSplit, output);
                    return 0;
                }
                catch (Exception ex) when (ex is ExportException or JobFileException or ModelCardException)
                {
                    // Export errors are the user's input (checkpoint, job, repository, thresholds): one line, no trace.
                    var line = string.Join(' ', ex.Message.Split('\n', StringSplitOptions.TrimEntries));
                    error.WriteLine($"mtlonnx export: {line}");
                    return CommandErrors.InputError;
                }
            });
        });
        return command;
    }

    /// <summary>Reads what the export starts from: a trainer checkpoint with its job, or an artifact directory.</summary>
    private static ExportSource Source(string checkpoint, FileInfo? job, TrainerCheckpointOptions options)
    {
        var path = Path.GetFullPath(checkpoint);
        if (Directory.Exists(path))
        {
            var best = Path.Combine(path, MultiTaskTrainer.BestCheckpointName);
            var isRun = File.Exists(best) && !File.Exists(Path.Combine(path, CheckpointDirectory.EvalModelFileName));
            if (!isRun)
            {
                return CheckpointDirectory.Load(path);
            }

            path = best;
        }

        if (job is null)
        {
            throw new ExportException(
                $"'{path}' is a trainer checkpoint, which holds no model description; pass --job FILE, the job file " +
                "it was trained with.");
        }

        if (!job.Exists)
        {
            throw new ExportException($"Job file '{job.FullName}' does not exist.");
        }

        var spec = JobFile.Load(job.FullName);
        options.JobHash = TrainerCheckpoint.HashJob(File.ReadAllText(job.FullName));
        return TrainerCheckpoint.Load(spec, path, options);
    }

    private static void Report(ExportResult result, ExportSource source, string split, TextWriter output)
    {
        var report = result.Inference.Report;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exported '{result.Name}' version {result.Version} to {result.VersionDirectory}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  graph: {report.NodesBefore} -> {report.NodesAfter} nodes; {report.ParametersBound} parameters as " +
            $"initializers, {report.BatchNormsFolded} batch norms folded, {report.DropoutsRemoved} dropouts removed, " +
            $"{report.ConstantsFolded} constants folded"));
        output.WriteLine("  outputs: " + string.Join(", ", result.Inference.Outputs.SelectMany(o => o.All)));
        if (result.VerifiedDifference is { } difference)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  verified against the eval graph: largest difference {difference:E2}"));
        }

        if (result.Precision is not { } precision)
        {
            return;
        }

        output.WriteLine("  " + precision);
        if (precision.Metrics.Count == 0)
        {
            output.WriteLine(source.Validation is null
                ? "  note: no validation data, so the metric change was not measured; export a trainer checkpoint " +
                    "with --job (and --validation-samples above 0) to measure it."
                : "  note: the validation set measured no metric.");
        }
        else
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  metric change measured on {source.Validation!.Count} samples of the {split} split"));
        }
    }
}
