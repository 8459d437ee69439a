using System.CommandLine;
using System.Globalization;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Cli.Commands;

/// <summary><c>mtlonnx eval CHECKPOINT --job JOB.yaml [--split test]</c>: prints the per-task metrics of a checkpoint on a split.</summary>
public static class EvalCommand
{
    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var checkpoint = new Argument<FileInfo>("checkpoint") { Description = "The checkpoint (for example runs/NAME/best.ckpt)." };
        var job = new Option<FileInfo>("--job") { Description = "The job file the checkpoint was trained with.", Required = true };
        var split = new Option<string>("--split") { Description = "train, validation or test.", DefaultValueFactory = _ => "test" };
        var command = new Command("eval", "Print the per-task metrics of a trained checkpoint on a data split.") { checkpoint, job, split };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return TrainCommand.Guard("eval", error, () =>
            {
                var spec = JobFile.Load(parseResult.GetRequiredValue(job).FullName);
                using var evaluator = new CheckpointEvaluator(spec, parseResult.GetRequiredValue(checkpoint).FullName);
                var name = parseResult.GetValue(split) ?? "test";
                var result = evaluator.Evaluate(name);
                output.WriteLine($"{spec.Name}, {name} split ({result.Samples} samples):");
                WriteTable(result, output);
                return 0;
            });
        });
        return command;
    }

    /// <summary>Writes a metrics table: one row per task with its loss and metrics.</summary>
    /// <param name="result">The evaluation.</param>
    /// <param name="output">Where to write.</param>
    public static void WriteTable(EvaluationResult result, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var (task, metrics) in result.Metrics)
        {
            var values = string.Join("  ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}")));
            var loss = result.Losses.TryGetValue(task, out var l) ? string.Create(CultureInfo.InvariantCulture,
                $"loss {l:0.0000}  ") : string.Empty;
            output.WriteLine($"  {task,-16} {loss}{values}");
        }

        foreach (var (name, value) in result.Losses.Where(l => l.Key.StartsWith("reg:", StringComparison.Ordinal)))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-16} loss {value:0.0000}"));
        }
    }
}
