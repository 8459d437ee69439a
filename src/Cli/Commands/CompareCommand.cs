using System.CommandLine;
using System.Globalization;
using MtlOnnx.Training.Compare;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Trainer;
using Spectre.Console;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx compare JOB.yaml --methods ew,uw,pcgrad --seeds 3 [--epochs N] [--output DIR] [--threads N]</c>:
/// trains the single-task baselines and the job with each method for each seed, then writes the comparison table
/// (Markdown and CSV) and the plot of the methods in the plane of the two tasks' metrics.
/// </summary>
public static class CompareCommand
{
    /// <summary>The methods compared when <c>--methods</c> is not given.</summary>
    public const string DefaultMethods = "ew,uw,pcgrad,cagrad,mgda,nashmtl,upgrad";

    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var job = new Argument<FileInfo>("job") { Description = "The job file (YAML)." };
        var methods = new Option<string>("--methods")
        {
            Description = "Comma-separated method names as the registry knows them (ew, uw, pcgrad, cagrad, ...).",
            DefaultValueFactory = _ => DefaultMethods,
        };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method.", DefaultValueFactory = _ => 3 };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of every run, instead of the job's." };
        var folder = new Option<DirectoryInfo?>("--output")
        {
            Description = "Where runs and tables go (default: runs/NAME-compare next to the job file).",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime threads per run (0: the runtime decides).",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("compare", "Compare multi-task methods against single-task baselines over seeds.")
        {
            job, methods, seeds, epochs, folder, threads,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return TrainCommand.Guard("compare", error, () =>
            {
                try
                {
                    var spec = JobFile.Load(parseResult.GetRequiredValue(job).FullName);
                    var names = (parseResult.GetValue(methods) ?? string.Empty)
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var options = new ComparisonOptions
                    {
                        Methods = names,
                        Seeds = parseResult.GetValue(seeds),
                        Epochs = parseResult.GetValue(epochs),
                        OutputDirectory = parseResult.GetValue(folder)?.FullName,
                        Threads = parseResult.GetValue(threads),
                    };
                    return Compare(spec, options, output).Interrupted ? TrainCommand.Interrupted : 0;
                }
                catch (MultitaskConfigurationException ex)
                {
                    error.WriteLine($"mtlonnx compare: {ex.Message.ReplaceLineEndings(" ")}");
                    return CommandErrors.InputError;
                }
            });
        });
        return command;
    }

    /// <summary>Runs a comparison with progress output; Ctrl+C stops it after the current step.</summary>
    /// <param name="job">The job.</param>
    /// <param name="options">The comparison's options; its observer is replaced by the progress display.</param>
    /// <param name="output">Where progress and the table go.</param>
    /// <returns>The result.</returns>
    /// <exception cref="MultitaskConfigurationException">A method is unknown or cannot be created.</exception>
    public static ComparisonResult Compare(JobSpec job, ComparisonOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!console.Profile.Capabilities.Interactive)
        {
            console.Profile.Width = 400;
        }

        var progress = new CompareProgress(console);
        var comparison = new MethodComparison(job, new ComparisonOptions
        {
            Methods = options.Methods,
            Seeds = options.Seeds,
            Epochs = options.Epochs,
            OutputDirectory = options.OutputDirectory,
            Threads = options.Threads,
            Observer = progress,
        });
        console.MarkupLineInterpolated(
            $"[bold]Comparing {string.Join(", ", options.Methods)} on {job.Name}: {comparison.Plan.Count} runs.[/]");

        using var stop = new CtrlCStop();
        var result = CtrlCStop.WithProgress(
            console, context => progress.Context = context, () => comparison.Run(stop.Token));
        output.WriteLine();
        output.Write(result.Table.ToMarkdown());
        output.WriteLine();
        output.WriteLine($"Table: {result.Files.Markdown} and {result.Files.Csv}");
        if (result.Files.Plot is not null)
        {
            output.WriteLine($"Plot: {result.Files.Plot}");
        }

        if (result.Interrupted)
        {
            output.WriteLine($"Stopped by Ctrl+C after {result.Runs.Count} of {comparison.Plan.Count} runs.");
        }

        return result;
    }

    /// <summary>A bar over the runs and one over the current run's steps; a plain line per finished run.</summary>
    private sealed class CompareProgress : IComparisonObserver
    {
        private readonly IAnsiConsole _console;
        private ProgressTask? _runs;
        private ProgressTask? _steps;
        private string _label = string.Empty;
        private int _index;
        private int _count;
        private int _batches;

        public CompareProgress(IAnsiConsole console)
        {
            _console = console;
        }

        public ProgressContext? Context { get; set; }

        public void OnRunStarting(ComparisonRunPlan plan, int index, int count)
        {
            (_label, _index, _count) = ($"{plan.Label} seed {plan.Seed}", index, count);
            if (Context is null)
            {
                return;
            }

            _runs ??= Context.AddTask("runs", maxValue: count);
            _runs.Value = index;
            _runs.Description = Markup.Escape($"run {index + 1}/{count}: {_label}");
            _steps ??= Context.AddTask("steps");
        }

        public void OnRunFinished(ComparisonRun run)
        {
            if (_runs is not null)
            {
                _runs.Value = _index + 1;
            }

            var metrics = string.Join(", ", run.Metrics
                .Where(t => run.BaselineTask is null || t.Key == run.BaselineTask)
                .SelectMany(t => t.Value.Select(m => string.Create(CultureInfo.InvariantCulture,
                    $"{t.Key} {m.Key} {m.Value:0.0000}"))));
            _console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {_index + 1}/{_count} {_label}: {metrics}; step {run.MedianStepSeconds * 1000:0.0} ms " +
                $"({run.TotalSeconds:0} s)"));
        }

        public void OnStart(TrainingPlan plan)
        {
            _batches = plan.BatchesPerEpoch;
            if (_steps is not null)
            {
                _steps.MaxValue = Math.Max(1, plan.Epochs * plan.BatchesPerEpoch);
                _steps.Value = 0;
            }
        }

        public void OnStep(StepProgress progress)
        {
            if (_steps is not null)
            {
                _steps.Value = (progress.Epoch * _batches) + progress.Batch;
                _steps.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {progress.Epoch + 1}, {progress.SamplesPerSecond:0} samples/s"));
            }
        }

        public void OnEpoch(EpochRecord record)
        {
        }

        public void OnMessage(string message) => _console.MarkupLineInterpolated($"[yellow]{message}[/]");
    }
}
