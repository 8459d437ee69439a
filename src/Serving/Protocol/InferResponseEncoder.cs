using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Protocol;

/// <summary>
/// Writes a model's outputs into a <c>ModelInferResponse</c>. Raw outputs wrap the run's own buffers without a copy;
/// a request sent with typed contents gets typed contents back, unless an output (FP16, BF16) has no typed field.
/// </summary>
internal static class InferResponseEncoder
{
    /// <summary>Encodes a response.</summary>
    /// <param name="request">The request, for its id and form.</param>
    /// <param name="model">The model version that ran.</param>
    /// <param name="outputs">The outputs to return, in order.</param>
    /// <param name="result">The run's result.</param>
    /// <returns>The response.</returns>
    public static ModelInferResponse Encode(ModelInferRequest request, ModelVersion model, string[] outputs,
        InferResult result)
    {
        var response = new ModelInferResponse
        {
            ModelName = model.Name,
            ModelVersion = model.VersionText,
            Id = request.Id,
        };

        var tensors = new InferTensor[outputs.Length];
        var typed = request.RawInputContents.Count == 0;
        for (var i = 0; i < outputs.Length; i++)
        {
            tensors[i] = result.Find(outputs[i]) ?? throw new ServingException(Grpc.Core.StatusCode.Internal,
                $"{model.Label} did not compute output '{outputs[i]}'.");
            typed &= tensors[i].ElementType is not (TensorElementType.Float16 or TensorElementType.BFloat16);
        }

        foreach (var tensor in tensors)
        {
            var output = new ModelInferResponse.Types.InferOutputTensor
            {
                Name = tensor.Name,
                Datatype = Datatypes.ToDatatype(tensor.ElementType) ?? tensor.ElementType.ToString(),
                Shape = { model.HasReshapedOutputs ? ClientShape(model, tensor) : tensor.Shape },
            };

            if (typed)
            {
                output.Contents = Typed(tensor);
            }
            else
            {
                response.RawOutputContents.Add(Raw(tensor));
            }

            response.Outputs.Add(output);
        }

        return response;
    }

    /// <summary>The shape a client sees of an output the configuration reshapes: its dims, after the batch rows.</summary>
    private static long[] ClientShape(ModelVersion model, InferTensor tensor)
    {
        foreach (var spec in model.Outputs)
        {
            if (string.Equals(spec.Name, tensor.Name, StringComparison.Ordinal))
            {
                return model.MaxBatchSize > 0 ? [tensor.Shape[0], .. spec.Dims[1..]] : spec.Dims;
            }
        }

        return tensor.Shape;
    }

    private static ByteString Raw(InferTensor tensor)
    {
        if (tensor.Strings is not { } strings)
        {
            // The buffer was allocated for this run and is never written again: safe to wrap.
            return UnsafeByteOperations.UnsafeWrap(tensor.Data);
        }

        var length = 0;
        foreach (var s in strings)
        {
            length += 4 + s.Length;
        }

        var bytes = new byte[length];
        var offset = 0;
        foreach (var s in strings)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)s.Length);
            s.Span.CopyTo(bytes.AsSpan(offset + 4));
            offset += 4 + s.Length;
        }

        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static InferTensorContents Typed(InferTensor tensor)
    {
        var c = new InferTensorContents();
        var span = tensor.Data.Span;
        switch (tensor.ElementType)
        {
            case TensorElementType.String:
                foreach (var s in tensor.Strings!)
                {
                    c.BytesContents.Add(ByteString.CopyFrom(s.Span));
                }

                break;
            case TensorElementType.Bool: Add<byte, bool>(span, c.BoolContents); break;
            case TensorElementType.Int8: Add<sbyte, int>(span, c.IntContents); break;
            case TensorElementType.Int16: Add<short, int>(span, c.IntContents); break;
            case TensorElementType.Int32: Add<int, int>(span, c.IntContents); break;
            case TensorElementType.Int64: Add<long, long>(span, c.Int64Contents); break;
            case TensorElementType.UInt8: Add<byte, uint>(span, c.UintContents); break;
            case TensorElementType.UInt16: Add<ushort, uint>(span, c.UintContents); break;
            case TensorElementType.UInt32: Add<uint, uint>(span, c.UintContents); break;
            case TensorElementType.UInt64: Add<ulong, ulong>(span, c.Uint64Contents); break;
            case TensorElementType.Float: Add<float, float>(span, c.Fp32Contents); break;
            case TensorElementType.Double: Add<double, double>(span, c.Fp64Contents); break;
            default:
                throw new ServingException(Grpc.Core.StatusCode.Internal,
                    $"Output '{tensor.Name}' has element type {tensor.ElementType}, which has no typed contents field.");
        }

        return c;
    }

    /// <summary>
    /// Appends little-endian elements to the typed contents field that carries them, widening narrow types to the
    /// field's type (the inverse of the decoder's checked narrowing); a field of the element's own type is one copy.
    /// </summary>
    private static void Add<TElement, TField>(ReadOnlySpan<byte> bytes, RepeatedField<TField> field)
        where TElement : unmanaged
        where TField : unmanaged
    {
        if (typeof(TElement) == typeof(TField))
        {
            field.AddRange(MemoryMarshal.Cast<byte, TField>(bytes).ToArray());
            return;
        }

        var elements = MemoryMarshal.Cast<byte, TElement>(bytes);
        field.Capacity = elements.Length;
        foreach (var element in elements)
        {
            field.Add(Widen<TElement, TField>(element));
        }
    }

    private static TField Widen<TElement, TField>(TElement element)
        where TElement : unmanaged
        where TField : unmanaged
    {
        // typeof comparisons of value types are constants to the JIT: each instantiation keeps one branch.
        if (typeof(TField) == typeof(bool))
        {
            var flag = Unsafe.As<TElement, byte>(ref element) != 0;
            return Unsafe.As<bool, TField>(ref flag);
        }

        if (typeof(TField) == typeof(int))
        {
            int wide = typeof(TElement) == typeof(sbyte)
                ? Unsafe.As<TElement, sbyte>(ref element)
                : Unsafe.As<TElement, short>(ref element);
            return Unsafe.As<int, TField>(ref wide);
        }

        uint unsigned = typeof(TElement) == typeof(byte)
            ? Unsafe.As<TElement, byte>(ref element)
            : Unsafe.As<TElement, ushort>(ref element);
        return Unsafe.As<uint, TField>(ref unsigned);
    }
}
