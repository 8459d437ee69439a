using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// Turns the errors a user can cause (bad files, missing files) into one line on standard error and exit code 1,
/// so that commands never print a stack trace for a user's mistake.
/// </summary>
public static class CommandErrors
{
    /// <summary>The exit code for a failure caused by the input.</summary>
    public const int InputError = 1;

    /// <summary>Runs a command body and reports expected failures as one line.</summary>
    /// <param name="command">The command's name, for the message prefix.</param>
    /// <param name="error">Where the message goes.</param>
    /// <param name="body">The command body, returning its exit code.</param>
    /// <returns>The body's exit code, or <see cref="InputError"/>.</returns>
    public static int Run(string command, TextWriter error, Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mtlonnx {command}: {OneLine(ex.Message)}");
            return InputError;
        }
    }

    private static string OneLine(string message) =>
        string.Join(
            ' ',
            message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
