using System.CommandLine;
using MtlOnnx.Cli.Inspection;
using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx inspect MODEL.onnx [--json]</c>: prints a model's inputs and outputs, opsets, operator histogram,
/// parameter count and size, and metadata (a model card is pretty-printed).
/// </summary>
public static class InspectCommand
{
    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model file." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON, for scripts." };
        var command = new Command("inspect", "Show what an ONNX model takes, computes and contains.")
        {
            model,
            json,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return CommandErrors.Run("inspect", error, () =>
            {
                var file = parseResult.GetRequiredValue(model);
                var summary = ModelSummary.From(OnnxModelIO.Load(file.FullName), file.Name);
                if (parseResult.GetValue(json))
                {
                    ModelSummaryWriter.WriteJson(summary, output);
                }
                else
                {
                    ModelSummaryWriter.WriteText(summary, output);
                }

                return 0;
            });
        });
        return command;
    }
}
