using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
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
        var contents = new InferTensorContents();
        var span = tensor.Data.Span;
        switch (tensor.ElementType)
        {
            case TensorElementType.String:
                foreach (var s in tensor.Strings!)
                {
                    contents.BytesContents.Add(ByteString.CopyFrom(s.Span));
                }

                break;
            case TensorElementType.Bool:
                foreach (var b in span)
                {
                    contents.BoolContents.Add(b != 0);
                }

                break;
            case TensorElementType.Int8:
                foreach (var v in MemoryMarshal.Cast<byte, sbyte>(span))
                {
                    contents.IntContents.Add(v);
                }

                break;
            case TensorElementType.Int16:
                foreach (var v in MemoryMarshal.Cast<byte, short>(span))
                {
                    contents.IntContents.Add(v);
                }

                break;
            case TensorElementType.Int32:
                contents.IntContents.AddRange(MemoryMarshal.Cast<byte, int>(span).ToArray());
                break;
            case TensorElementType.Int64:
                contents.Int64Contents.AddRange(MemoryMarshal.Cast<byte, long>(span).ToArray());
                break;
            case TensorElementType.UInt8:
                foreach (var v in span)
                {
                    contents.UintContents.Add(v);
                }

                break;
            case TensorElementType.UInt16:
                foreach (var v in MemoryMarshal.Cast<byte, ushort>(span))
                {
                    contents.UintContents.Add(v);
                }

                break;
            case TensorElementType.UInt32:
                contents.UintContents.AddRange(MemoryMarshal.Cast<byte, uint>(span).ToArray());
                break;
            case TensorElementType.UInt64:
                contents.Uint64Contents.AddRange(MemoryMarshal.Cast<byte, ulong>(span).ToArray());
                break;
            case TensorElementType.Float:
                contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(span).ToArray());
                break;
            case TensorElementType.Double:
                contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(span).ToArray());
                break;
            default:
                throw new ServingException(Grpc.Core.StatusCode.Internal,
                    $"Output '{tensor.Name}' has element type {tensor.ElementType}, which has no typed contents field.");
        }

        return contents;
    }
}
