namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// Reads what shape inference needs from a constant tensor: type, shape, and the values of small numeric tensors.
/// </summary>
internal static class ConstantFacts
{
    /// <summary>Gets the facts of a tensor.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The facts; values only for small tensors held in the file.</returns>
    public static TensorFacts FromTensor(TensorProto tensor)
    {
        var type = (ElementType)tensor.DataType;
        var shape = tensor.Dims.Select(d => d >= 0 ? Dim.Fixed(d) : Dim.Unknown).ToArray();
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.Dims.Count > 1)
        {
            return new TensorFacts(type, shape);
        }

        try
        {
            var count = TensorProtos.ElementCount(tensor.Dims.ToArray());
            if (count > TensorFacts.MaxTrackedValues)
            {
                return new TensorFacts(type, shape);
            }

            return type switch
            {
                ElementType.Int64 => new TensorFacts(
                    type, shape, TensorProtos.ToArray<long>(tensor).Select(SymInt.Of).ToArray()),
                ElementType.Int32 => new TensorFacts(
                    type, shape, TensorProtos.ToArray<int>(tensor).Select(v => SymInt.Of(v)).ToArray()),
                ElementType.Float => new TensorFacts(
                    type, shape, Floats: TensorProtos.ToArray<float>(tensor).Select(v => (double)v).ToArray()),
                ElementType.Double => new TensorFacts(type, shape, Floats: TensorProtos.ToArray<double>(tensor)),
                _ => new TensorFacts(type, shape),
            };
        }
        catch (ModelFormatException)
        {
            // Data that does not match its shape is the validator's business; here it only means "value unknown".
            return new TensorFacts(type, shape);
        }
        catch (ArgumentException)
        {
            return new TensorFacts(type, shape);
        }
    }
}
