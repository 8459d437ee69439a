namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// The exception that is thrown when a gradient must flow through a node whose operator, operator version or
/// attributes have no gradient rule.
/// </summary>
public sealed class GradientNotDefinedException : Exception
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public GradientNotDefinedException()
        : base("A gradient is not defined for a node of the graph.")
    {
        NodeName = string.Empty;
        OpType = string.Empty;
        SupportedOperators = [];
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GradientNotDefinedException(string message)
        : base(message)
    {
        NodeName = string.Empty;
        OpType = string.Empty;
        SupportedOperators = [];
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GradientNotDefinedException(string message, Exception innerException)
        : base(message, innerException)
    {
        NodeName = string.Empty;
        OpType = string.Empty;
        SupportedOperators = [];
    }

    /// <summary>Initializes a new instance that names the node, its operator and opset.</summary>
    /// <param name="nodeName">The node's name.</param>
    /// <param name="opType">The node's operator.</param>
    /// <param name="domain">The operator's domain; empty for <c>ai.onnx</c>.</param>
    /// <param name="opset">The opset version the model imports for the domain.</param>
    /// <param name="reason">Why no gradient exists, as a sentence; or <see langword="null"/> when no rule exists.</param>
    /// <param name="supportedOperators">The operators that have rules.</param>
    public GradientNotDefinedException(
        string nodeName,
        string opType,
        string domain,
        int opset,
        string? reason,
        IReadOnlyList<string> supportedOperators)
        : base(BuildMessage(nodeName, opType, domain, opset, reason, supportedOperators))
    {
        NodeName = nodeName;
        OpType = opType;
        Opset = opset;
        SupportedOperators = supportedOperators;
    }

    /// <summary>Gets the name of the node that has no gradient.</summary>
    public string NodeName { get; }

    /// <summary>Gets the node's operator.</summary>
    public string OpType { get; }

    /// <summary>Gets the opset version of the node's domain.</summary>
    public int Opset { get; }

    /// <summary>Gets the operators that have gradient rules.</summary>
    public IReadOnlyList<string> SupportedOperators { get; }

    private static string BuildMessage(
        string nodeName,
        string opType,
        string domain,
        int opset,
        string? reason,
        IReadOnlyList<string> supported)
    {
        var qualified = domain.Length == 0 || domain == "ai.onnx" ? opType : $"{domain}.{opType}";
        var why = reason ?? $"no gradient rule is registered for {qualified} at opset {opset}.";
        return $"Node '{nodeName}' ({qualified}, opset {opset}) needs a gradient, but {why} " +
            $"Operators with gradient rules: {string.Join(", ", supported)}.";
    }
}
