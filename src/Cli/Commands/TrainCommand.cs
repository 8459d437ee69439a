using System.CommandLine;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;
using Spectre.Console;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx train JOB.yaml [--resume] [--threads N] [--batch-shards N]</c>: trains a job with progress bars, validates each epoch,
/// keeps the best checkpoint and writes the report. Ctrl+C saves a checkpoint and exits with code 130.
/// </summary>
public static class TrainCommand
{
    /// <summary>The exit code of a run stopped by Ctrl+C after saving its checkpoint.</summary>
    public const int Interrupted = 130;

    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var job = new Argument<FileInfo>("job") { Description = "The job file (YAML)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the output folder's last checkpoint." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads (0: the runtime decides).",
            DefaultValueFactory = _ => 0 };
        var shards = new Option<int>("--batch-shards")
        {
            Description = "Split each CPU training step's batch among this many single-threaded runs at once " +
                "(0: one per thread; 1: never split).",
            DefaultValueFactory = _ => 0,
        };
        shards.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value and < 0)
            {
                result.AddError($"--batch-shards must be 0 (one per thread) or more, but got {value}.");
            }
        });
        var command = new Command("train", "Train a multi-task model from a job file.") { job, resume, threads, shards };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return Guard("train", error, () =>
            {
                var spec = JobFile.Load(parseResult.GetRequiredValue(job).FullName);
                var result = Train(spec, parseResult.GetValue(resume), parseResult.GetValue(threads), output,
                    parseResult.GetValue(shards));
                return result.Interrupted ? Interrupted : 0;
            });
        });
        return command;
    }

    /// <summary>Trains a job with progress output; Ctrl+C (SIGINT) stops it after the current step with a checkpoint.</summary>
    /// <param name="job">The job.</param>
    /// <param name="resume">Whether to resume from the last checkpoint.</param>
    /// <param name="threads">The ONNX Runtime threads.</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="batchShards">The batch shards of a CPU step (0: one per thread; 1: none).</param>
    /// <returns>The training result.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchShards"/> is negative.</exception>
    public static TrainingResult Train(JobSpec job, bool resume, int threads, TextWriter output, int batchShards = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchShards);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(output);
        using var stop = new CtrlCStop();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!console.Profile.Capabilities.Interactive)
        {
            // Logs and pipes: keep one epoch per line instead of wrapping at 80 columns.
            console.Profile.Width = 400;
        }

        var progress = new TrainingProgress(console);
        var options = new TrainerOptions
        {
            Resume = resume, Threads = threads, BatchShards = batchShards, Observer = progress,
        };
        var result = CtrlCStop.WithProgress(
            console, context => progress.Context = context, () => new MultiTaskTrainer(job, options).Run(stop.Token));
        Summarize(result, output);
        return result;
    }

    /// <summary>Runs a command body and reports a user's mistake (bad job, data or checkpoint) as one line with exit code 1.</summary>
    /// <param name="command">The command name.</param>
    /// <param name="error">Where the message goes.</param>
    /// <param name="body">The body.</param>
    /// <returns>The exit code.</returns>
    internal static int Guard(string command, TextWriter error, Func<int> body) =>
        CommandErrors.Run(command, error, () =>
        {
            try
            {
                return body();
            }
            catch (Exception ex) when (ex is JobFileException or DataSourceException or CheckpointException or ArgumentException)
            {
                error.WriteLine($"mtlonnx {command}: {ex.Message.ReplaceLineEndings(" ")}");
                return CommandErrors.InputError;
            }
        });

    private static void Summarize(TrainingResult result, TextWriter output)
    {
        if (result.Interrupted)
        {
            output.WriteLine($"Stopped early by Ctrl+C. Resume with: mtlonnx train JOB --resume (checkpoint {result.LastCheckpoint}).");
            return;
        }

        output.WriteLine($"Best epoch: {result.BestEpoch + 1}; checkpoint {result.BestCheckpoint}.");
        var final = result.Test ?? result.Validation;
        if (final is not null)
        {
            output.WriteLine(result.Test is null ? "Validation metrics:" : "Test metrics:");
            EvalCommand.WriteTable(final, output);
        }

        if (result.ReportPath is not null)
        {
            output.WriteLine($"Report: {result.ReportPath}");
        }
    }
}
