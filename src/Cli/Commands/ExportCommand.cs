using System.CommandLine;
using System.Globalization;
using MtlOnnx.Export;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx export CHECKPOINT_DIR --repository DIR [--name N] [--version V] [--fp16|--int8] [--explain] [--force]
/// [--no-verify]</c>: writes the checkpoint's inference model into a Triton-style model repository.
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var checkpoint = new Argument<DirectoryInfo>("checkpoint")
        {
            Description = "The training checkpoint directory (eval_model.onnx, checkpoint.safetensors, model_card.json).",
        };
        var repository = new Option<DirectoryInfo>("--repository")
        {
            Description = "The model repository; the model goes to DIR/<name>/<version>/model.onnx.",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "The model name. Default: the checkpoint directory's name." };
        var version = new Option<string?>("--version") { Description = "The version, a positive integer. Default: the next one." };
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
        var maxDrop = new Option<double>("--max-accuracy-drop")
        {
            Description = "Refuse --fp16/--int8 when a task's accuracy drops by more points than this.",
            DefaultValueFactory = _ => 1.0,
        };
        var command = new Command("export", "Export a trained checkpoint as a checked inference model into a model repository.")
        {
            checkpoint, repository, name, version, fp16, int8, explain, force, noVerify, maxBatch, maxDrop,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(fp16) && result.GetValue(int8))
            {
                result.AddError("--fp16 and --int8 cannot be combined; choose one precision.");
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
                    Checkpoint = parseResult.GetRequiredValue(checkpoint).FullName,
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
                };
                try
                {
                    Report(ModelExporter.Export(options), output);
                    return 0;
                }
                catch (ExportException ex)
                {
                    // Export errors are the user's input (checkpoint, repository, thresholds): one line, no trace.
                    error.WriteLine($"mtlonnx export: {string.Join(' ', ex.Message.Split('\n', StringSplitOptions.TrimEntries))}");
                    return CommandErrors.InputError;
                }
            });
        });
        return command;
    }

    private static void Report(ExportResult result, TextWriter output)
    {
        var report = result.Inference.Report;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exported '{result.Name}' version {result.Version} to {result.VersionDirectory}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  graph: {report.NodesBefore} -> {report.NodesAfter} nodes; {report.ParametersBound} parameters as initializers, " +
            $"{report.BatchNormsFolded} batch norms folded, {report.DropoutsRemoved} dropouts removed, " +
            $"{report.ConstantsFolded} constants folded"));
        output.WriteLine("  outputs: " + string.Join(", ", result.Inference.Outputs.SelectMany(o => o.All)));
        if (result.VerifiedDifference is { } difference)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  verified against the eval graph: largest difference {difference:E2}"));
        }

        if (result.Precision is { } precision)
        {
            output.WriteLine("  " + precision);
        }
    }
}
