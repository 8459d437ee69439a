namespace MtlOnnx.Training.Jobs;

/// <summary>A multi-task method chosen by name, with its options passed on to the methods registry as given.</summary>
public sealed class MethodSpec
{
    /// <summary>Gets the method name, for example <c>ew</c>, <c>uw</c> or <c>pcgrad</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the method's options, as strings; the method parses and checks them.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets how per-task gradients are obtained, for gradient methods. The default is exact.</summary>
    public GradientMode Mode { get; init; } = GradientMode.Exact;
}
