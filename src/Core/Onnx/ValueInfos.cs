namespace MtlOnnx.Onnx;

/// <summary>
/// Creates and reads <see cref="ValueInfoProto"/> values for tensors.
/// </summary>
public static class ValueInfos
{
    /// <summary>Creates the value info of a tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="type">The element type.</param>
    /// <param name="shape">The shape, or <see langword="null"/> when the rank is not known.</param>
    /// <returns>The value info.</returns>
    public static ValueInfoProto Tensor(string name, ElementType type, IReadOnlyList<Dim>? shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape is not null)
        {
            tensorType.Shape = ToShape(shape);
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>Converts dimensions to a <see cref="TensorShapeProto"/>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The shape.</returns>
    public static TensorShapeProto ToShape(IReadOnlyList<Dim> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var proto = new TensorShapeProto();
        foreach (var dim in shape)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (dim.Value is { } value)
            {
                d.DimValue = value;
            }
            else if (dim.Param is { } param)
            {
                d.DimParam = param;
            }

            proto.Dim.Add(d);
        }

        return proto;
    }

    /// <summary>Reads the dimensions of a tensor value info.</summary>
    /// <param name="info">The value info.</param>
    /// <returns>The dimensions, or <see langword="null"/> when the value is not a tensor of known rank.</returns>
    public static Dim[]? GetShape(ValueInfoProto info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var shape = info.Type?.TensorType?.Shape;
        if (shape is null)
        {
            return null;
        }

        return shape.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Fixed(d.DimValue),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Symbol(d.DimParam),
            _ => Dim.Unknown,
        }).ToArray();
    }

    /// <summary>Reads the element type of a tensor value info.</summary>
    /// <param name="info">The value info.</param>
    /// <returns>The element type; <see cref="ElementType.Undefined"/> when it is not a tensor.</returns>
    public static ElementType GetElementType(ValueInfoProto info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return (ElementType)(info.Type?.TensorType?.ElemType ?? 0);
    }
}
