using System.Globalization;
using MtlOnnx.Training.Trainer;
using Spectre.Console;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// Shows a training run in the terminal: an epoch bar and a step bar whose description carries the per-task
/// losses and the throughput (Spectre.Console), and one plain line per epoch with the validation metrics.
/// </summary>
internal sealed class TrainingProgress : ITrainingObserver
{
    private readonly IAnsiConsole _console;
    private ProgressTask? _epochs;
    private ProgressTask? _steps;
    private TrainingPlan? _plan;

    public TrainingProgress(IAnsiConsole console)
    {
        _console = console;
    }

    public ProgressContext? Context { get; set; }

    public void OnStart(TrainingPlan plan)
    {
        _plan = plan;
        _console.MarkupLineInterpolated($"[bold]{plan.Description}[/]");
        if (Context is not null)
        {
            _epochs = Context.AddTask("epochs", maxValue: plan.Epochs);
            _epochs.Value = plan.StartEpoch;
            _steps = Context.AddTask("steps", maxValue: plan.BatchesPerEpoch);
            _steps.Value = plan.StartBatch;
        }
    }

    public void OnStep(StepProgress progress)
    {
        if (_steps is null || _plan is null)
        {
            return;
        }

        _steps.Value = progress.Batch;
        var losses = string.Join(' ', _plan.LossNames.Select((n, i) => $"{n} {progress.Losses[i]:0.000}"));
        _steps.Description = Markup.Escape(
            string.Create(CultureInfo.InvariantCulture, $"epoch {progress.Epoch + 1}: {losses} | {progress.SamplesPerSecond:0}/s"));
    }

    public void OnEpoch(EpochRecord record)
    {
        if (_epochs is not null)
        {
            _epochs.Value = record.Epoch + 1;
        }

        _console.WriteLine(Format(record));
    }

    public void OnMessage(string message) => _console.MarkupLineInterpolated($"[yellow]{message}[/]");

    public static string Format(EpochRecord record)
    {
        var metrics = string.Join(
            "; ",
            record.ValidationMetrics.Select(t => $"{t.Key} " + string.Join(' ',
                t.Value.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}")))));
        var losses = string.Join(' ', record.ValidationLoss.Select(l => string.Create(CultureInfo.InvariantCulture,
            $"{l.Key} {l.Value:0.0000}")));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {record.Epoch + 1}: validation loss {losses}; {metrics} " +
            $"({record.Seconds:0.0} s, {record.SamplesPerSecond:0} samples/s)");
    }
}
