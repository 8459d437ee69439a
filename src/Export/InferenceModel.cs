using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// An inference model built by <see cref="InferenceModelBuilder"/>: the model, its inputs and outputs, and a report.
/// </summary>
public sealed class InferenceModel
{
    internal InferenceModel(
        ModelProto model,
        IReadOnlyList<string> inputNames,
        IReadOnlyList<TaskOutputNames> outputs,
        InferenceModelReport report)
    {
        Model = model;
        InputNames = inputNames;
        Outputs = outputs;
        Report = report;
    }

    /// <summary>Gets the model: opset 17, IR version 8, parameters as initializers, a symbolic batch dimension.</summary>
    public ModelProto Model { get; }

    /// <summary>Gets the names of the data inputs, in graph order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Gets the output names of each task, in task order.</summary>
    public IReadOnlyList<TaskOutputNames> Outputs { get; }

    /// <summary>Gets what the passes changed.</summary>
    public InferenceModelReport Report { get; }
}
