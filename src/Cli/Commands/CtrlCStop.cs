using Spectre.Console;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// Turns the first Ctrl+C (SIGINT) into a cancellation request for long work, which stops cleanly (after the current
/// step, with a checkpoint) instead of the process dying; and runs that work under Spectre.Console progress bars when
/// the console is interactive.
/// </summary>
internal sealed class CtrlCStop : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public CtrlCStop()
    {
        Console.CancelKeyPress += OnCancel;
    }

    /// <summary>Gets the token that Ctrl+C cancels.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>
    /// Runs work with the standard bars (description, bar, percentage, time left) on an interactive console, handing
    /// the progress context to <paramref name="attach"/> first; on a pipe or a log it runs the work as it is.
    /// </summary>
    public static T WithProgress<T>(IAnsiConsole console, Action<ProgressContext> attach, Func<T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return work();
        }

        return console.Progress()
            .Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                attach(context);
                return work();
            });
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _stop.Dispose();
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        // The process stays alive until the work has stopped and written what it must.
        e.Cancel = true;
        _stop.Cancel();
    }
}
