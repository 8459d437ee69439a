using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Inference;

/// <summary>The name, element type and shape of a model input or output; -1 marks a dimension of variable size.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="ElementType">The element type.</param>
/// <param name="Dims">The full shape, batch dimension included.</param>
internal sealed record TensorSpec(string Name, TensorElementType ElementType, long[] Dims)
{
    /// <summary>Gets the protocol datatype string ("FP32", "BYTES", ...).</summary>
    public string Datatype => Datatypes.ToDatatype(ElementType) ?? ElementType.ToString();

    /// <summary>Gets the size of one element in bytes, 0 for strings.</summary>
    public int ElementSize => Datatypes.ElementSize(ElementType);

    /// <summary>Gets whether the elements are byte strings.</summary>
    public bool IsString => ElementType == TensorElementType.String;

    /// <summary>Formats a shape as <c>[a,b,c]</c> for messages.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The text.</returns>
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";
}
