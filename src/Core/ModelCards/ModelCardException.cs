using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The exception thrown when a model card is missing, is not valid JSON, has a schema version this MtlOnnx
/// cannot read, or breaks a rule. Each error names the field, the expected and the actual value.
/// </summary>
public sealed class ModelCardException : ModelFormatException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ModelCardException()
    {
        Errors = [];
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ModelCardException(string message)
        : base(message)
    {
        Errors = [message];
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelCardException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Initializes a new instance from the errors that validation found.</summary>
    /// <param name="source">What was validated, for example a file name.</param>
    /// <param name="errors">The errors, each a full sentence that starts with the field's path.</param>
    public ModelCardException(string source, IReadOnlyList<string> errors)
        : base(FormatMessage(source, errors))
    {
        Errors = errors;
    }

    /// <summary>Gets the individual errors, each a full sentence that starts with the field's path.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string FormatMessage(string source, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var noun = errors.Count == 1 ? "error" : "errors";
        return $"The model card of '{source}' has {errors.Count} {noun}: " + string.Join(" ", errors);
    }
}
