using System.CommandLine;
using MtlOnnx.Cli.Commands;

namespace MtlOnnx.Cli;

/// <summary>The entry point of the <c>mtlonnx</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The exit code: zero on success.</returns>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given output streams, as tests do.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Where normal output goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <returns>The exit code: zero on success.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return CreateRootCommand().Parse(args).Invoke(configuration);
    }

    /// <summary>Creates the root command with every subcommand.</summary>
    /// <returns>The root command.</returns>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("mtlonnx: build, train, export, inspect and serve multi-task ONNX models.");

        // One line per command; each command lives in Commands/<Name>Command.cs.
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        return root;
    }
}
