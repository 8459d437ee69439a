using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Protocol;

/// <summary>
/// Checks a <c>ModelInferRequest</c> against a model version and turns it into tensors, before anything is
/// allocated in proportion to what the request claims: names, datatypes, shapes (overflow-checked), byte counts,
/// raw and typed contents not mixed, batch sizes, BYTES length prefixes. Every refusal is <c>InvalidArgument</c>
/// with a message that names the input, what was expected and what was sent.
/// </summary>
internal static class InferRequestDecoder
{
    /// <summary>Decodes a request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="model">The model version it is for.</param>
    /// <param name="limits">The server's limits.</param>
    /// <param name="cancellationToken">Cancels preprocessing.</param>
    /// <returns>The inputs in the model's order, the batch size and the requested outputs.</returns>
    /// <exception cref="ServingException">The request does not fit the model.</exception>
    public static DecodedRequest Decode(ModelInferRequest request, ModelVersion model, LimitsOptions limits,
        CancellationToken cancellationToken)
    {
        var specs = model.Inputs;
        if (request.Inputs.Count == 0)
        {
            throw ServingException.Invalid(
                $"The request has no inputs; {model.Label} expects {List(specs.Select(s => s.Name))}.");
        }

        var raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw ServingException.Invalid(
                $"The request has {request.RawInputContents.Count} raw_input_contents entries for " +
                $"{request.Inputs.Count} inputs; there must be one per input, in the order of inputs.");
        }

        var tensors = new InferTensor?[specs.Count];
        long batch = -1;
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            var index = IndexOf(specs, input.Name);
            if (index < 0)
            {
                throw ServingException.Invalid(
                    $"{Capitalized(model.Label)} has no input '{ModelNames.Shorten(input.Name)}'; its inputs are " +
                    $"{List(specs.Select(s => s.Name))}.");
            }

            if (tensors[index] is not null)
            {
                throw ServingException.Invalid($"Input '{input.Name}' appears twice in the request.");
            }

            if (raw && input.Contents is not null)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' sets contents while the request uses raw_input_contents; send every " +
                    "input in one form, raw or typed.");
            }

            var decoded = DecodeInput(input, specs[index], model, limits, raw ? request.RawInputContents[i] : null,
                cancellationToken);
            foreach (var tensor in decoded)
            {
                if (model.MaxBatchSize > 0)
                {
                    var rows = tensor.Shape[0];
                    if (batch >= 0 && rows != batch)
                    {
                        throw ServingException.Invalid(
                            $"Input '{input.Name}' has a batch of {rows}, but an earlier input has {batch}; every " +
                            "input must have the same size along the batch dimension.");
                    }

                    batch = rows;
                }

                tensors[IndexOf(specs, tensor.Name)] = tensor;
            }
        }

        for (var i = 0; i < specs.Count; i++)
        {
            if (tensors[i] is null)
            {
                throw ServingException.Invalid($"The request lacks input '{specs[i].Name}' of {model.Label}.");
            }
        }

        if (model.MaxBatchSize > 0 && batch > model.MaxBatchSize)
        {
            throw ServingException.Invalid(
                $"The request has a batch of {batch}, more than the max_batch_size {model.MaxBatchSize} of {model.Label}.");
        }

        return new DecodedRequest(tensors!, model.MaxBatchSize > 0 ? batch : 1, RequestedOutputs(request, model));
    }

    private static IReadOnlyList<InferTensor> DecodeInput(ModelInferRequest.Types.InferInputTensor input,
        TensorSpec spec, ModelVersion model, LimitsOptions limits, ByteString? raw, CancellationToken cancellationToken)
    {
        if (!Datatypes.TryParse(input.Datatype, out var type))
        {
            throw ServingException.Invalid(
                $"Input '{input.Name}' has datatype '{ModelNames.Shorten(input.Datatype)}', which the protocol does not " +
                "define; use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, " +
                "FP64 or BYTES.");
        }

        var shape = input.Shape.ToArray();
        var count = ElementCount(input.Name, shape);

        // Encoded images or texts for an input that takes pixels or token ids: the model card says how to convert.
        if (type == TensorElementType.String && !spec.IsString)
        {
            var elements = DecodeBytes(input, raw, count, limits);
            return model.Extras.PreprocessBytes(spec, elements, cancellationToken) ?? throw ServingException.Invalid(
                $"Input '{input.Name}' is BYTES, but {model.Label} expects {spec.Datatype}; BYTES (encoded images or " +
                "texts) can be sent only to a model with a model card that says how to preprocess them.");
        }

        if (type != spec.ElementType)
        {
            throw ServingException.Invalid(
                $"Input '{input.Name}' has datatype {input.Datatype}; {model.Label} expects {spec.Datatype}.");
        }

        CheckShape(input.Name, shape, spec, model);
        if (type == TensorElementType.String)
        {
            return [InferTensor.FromStrings(spec.Name, shape, DecodeBytes(input, raw, count, limits))];
        }

        var size = Datatypes.ElementSize(type);
        var expected = checked(count * size);
        if (raw is not null)
        {
            if (raw.Length != expected)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' has {raw.Length} bytes of raw contents; shape {TensorSpec.Format(shape)} of " +
                    $"{input.Datatype} needs {expected} bytes.");
            }

            return [InferTensor.Numeric(spec.Name, type, shape, raw.Memory)];
        }

        return [InferTensor.Numeric(spec.Name, type, shape, DecodeTyped(input, type, count))];
    }

    private static long ElementCount(string name, long[] shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim <= 0)
            {
                throw ServingException.Invalid(
                    $"Input '{name}' has shape {TensorSpec.Format(shape)}; every dimension must be positive.");
            }

            count = dim > int.MaxValue / count
                ? throw ServingException.Invalid($"Input '{name}' has shape {TensorSpec.Format(shape)}, too many elements.")
                : count * dim;
        }

        return count;
    }

    private static void CheckShape(string name, long[] shape, TensorSpec spec, ModelVersion model)
    {
        var ok = shape.Length == spec.Dims.Length;
        for (var d = 0; ok && d < shape.Length; d++)
        {
            ok = spec.Dims[d] < 0 || spec.Dims[d] == shape[d];
        }

        if (!ok)
        {
            throw ServingException.Invalid(
                $"Input '{name}' has shape {TensorSpec.Format(shape)}; {model.Label} expects " +
                $"{TensorSpec.Format(spec.Dims)} (-1: any size).");
        }
    }

    private static ReadOnlyMemory<byte>[] DecodeBytes(ModelInferRequest.Types.InferInputTensor input, ByteString? raw,
        long count, LimitsOptions limits)
    {
        if (count > limits.MaxBytesElements)
        {
            throw ServingException.Invalid(
                $"Input '{input.Name}' has {count} BYTES elements; the server accepts at most {limits.MaxBytesElements}.");
        }

        var elements = new ReadOnlyMemory<byte>[count];
        if (raw is null)
        {
            var typed = input.Contents?.BytesContents;
            if (typed is null || typed.Count != count)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' has {typed?.Count ?? 0} elements in bytes_contents; shape " +
                    $"{TensorSpec.Format(input.Shape)} needs {count}.");
            }

            for (var i = 0; i < count; i++)
            {
                elements[i] = typed[i].Memory;
            }

            return elements;
        }

        // Raw BYTES: each element is a 4-byte little-endian length, then that many bytes.
        var memory = raw.Memory;
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            if (memory.Length - offset < 4)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}': raw BYTES contents end before element {i} of {count}; each element is a " +
                    "4-byte little-endian length followed by its bytes.");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(memory.Span[offset..]);
            offset += 4;
            if (length > memory.Length - offset)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}': raw BYTES element {i} claims {length} bytes, but only " +
                    $"{memory.Length - offset} remain.");
            }

            elements[i] = memory.Slice(offset, (int)length);
            offset += (int)length;
        }

        if (offset != memory.Length)
        {
            throw ServingException.Invalid(
                $"Input '{input.Name}': raw BYTES contents have {memory.Length - offset} bytes past the {count} " +
                "elements of its shape.");
        }

        return elements;
    }

    private static byte[] DecodeTyped(ModelInferRequest.Types.InferInputTensor input, TensorElementType type, long count)
    {
        var contents = input.Contents;
        if (contents is null)
        {
            throw ServingException.Invalid(
                $"Input '{input.Name}' has no data: set its contents or send raw_input_contents.");
        }

        var bytes = new byte[count * Datatypes.ElementSize(type)];
        switch (type)
        {
            case TensorElementType.Bool:
                Expect(input, "bool_contents", contents.BoolContents.Count, count, contents);
                for (var i = 0; i < count; i++)
                {
                    bytes[i] = contents.BoolContents[i] ? (byte)1 : (byte)0;
                }

                break;
            case TensorElementType.Int8:
                Narrow(input, contents, count, sbyte.MinValue, sbyte.MaxValue, (i, v) => bytes[i] = (byte)(sbyte)v);
                break;
            case TensorElementType.Int16:
                Narrow(input, contents, count, short.MinValue, short.MaxValue, (i, v) => Write(bytes, i, (short)v));
                break;
            case TensorElementType.Int32:
                Expect(input, "int_contents", contents.IntContents.Count, count, contents);
                Copy(contents.IntContents, bytes);
                break;
            case TensorElementType.Int64:
                Expect(input, "int64_contents", contents.Int64Contents.Count, count, contents);
                Copy(contents.Int64Contents, bytes);
                break;
            case TensorElementType.UInt8:
                NarrowUnsigned(input, contents, count, byte.MaxValue, (i, v) => bytes[i] = (byte)v);
                break;
            case TensorElementType.UInt16:
                NarrowUnsigned(input, contents, count, ushort.MaxValue, (i, v) => Write(bytes, i, (ushort)v));
                break;
            case TensorElementType.UInt32:
                Expect(input, "uint_contents", contents.UintContents.Count, count, contents);
                Copy(contents.UintContents, bytes);
                break;
            case TensorElementType.UInt64:
                Expect(input, "uint64_contents", contents.Uint64Contents.Count, count, contents);
                Copy(contents.Uint64Contents, bytes);
                break;
            case TensorElementType.Float:
                Expect(input, "fp32_contents", contents.Fp32Contents.Count, count, contents);
                Copy(contents.Fp32Contents, bytes);
                break;
            case TensorElementType.Double:
                Expect(input, "fp64_contents", contents.Fp64Contents.Count, count, contents);
                Copy(contents.Fp64Contents, bytes);
                break;
            default:
                throw ServingException.Invalid(
                    $"Input '{input.Name}' is {input.Datatype}, which has no typed contents field; send it in " +
                    "raw_input_contents.");
        }

        return bytes;
    }

    private static void Write<T>(byte[] bytes, int index, T value)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(bytes.AsSpan())[index] = value;

    private static void Copy<T>(RepeatedField<T> values, byte[] bytes)
        where T : unmanaged
    {
        var target = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        for (var i = 0; i < values.Count; i++)
        {
            target[i] = values[i];
        }
    }

    private static void Narrow(ModelInferRequest.Types.InferInputTensor input, InferTensorContents contents, long count,
        int min, int max, Action<int, int> write)
    {
        Expect(input, "int_contents", contents.IntContents.Count, count, contents);
        for (var i = 0; i < count; i++)
        {
            var value = contents.IntContents[i];
            if (value < min || value > max)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' is {input.Datatype}, but element {i} of int_contents is {value}, outside " +
                    $"[{min}, {max}].");
            }

            write(i, value);
        }
    }

    private static void NarrowUnsigned(ModelInferRequest.Types.InferInputTensor input, InferTensorContents contents,
        long count, uint max, Action<int, uint> write)
    {
        Expect(input, "uint_contents", contents.UintContents.Count, count, contents);
        for (var i = 0; i < count; i++)
        {
            var value = contents.UintContents[i];
            if (value > max)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' is {input.Datatype}, but element {i} of uint_contents is {value}, above {max}.");
            }

            write(i, value);
        }
    }

    private static void Expect(ModelInferRequest.Types.InferInputTensor input, string field, int actual, long count,
        InferTensorContents contents)
    {
        if (actual == count)
        {
            return;
        }

        var filled = FilledFields(contents).Where(f => f != field).ToArray();
        var hint = filled.Length > 0
            ? $" (its data is in {string.Join(", ", filled)}; {input.Datatype} goes in {field})"
            : string.Empty;
        throw ServingException.Invalid(
            $"Input '{input.Name}' has {actual} elements in {field}; shape {TensorSpec.Format(input.Shape)} needs " +
            $"{count}{hint}.");
    }

    private static IEnumerable<string> FilledFields(InferTensorContents c)
    {
        if (c.BoolContents.Count > 0)
        {
            yield return "bool_contents";
        }

        if (c.IntContents.Count > 0)
        {
            yield return "int_contents";
        }

        if (c.Int64Contents.Count > 0)
        {
            yield return "int64_contents";
        }

        if (c.UintContents.Count > 0)
        {
            yield return "uint_contents";
        }

        if (c.Uint64Contents.Count > 0)
        {
            yield return "uint64_contents";
        }

        if (c.Fp32Contents.Count > 0)
        {
            yield return "fp32_contents";
        }

        if (c.Fp64Contents.Count > 0)
        {
            yield return "fp64_contents";
        }

        if (c.BytesContents.Count > 0)
        {
            yield return "bytes_contents";
        }
    }

    private static string[] RequestedOutputs(ModelInferRequest request, ModelVersion model)
    {
        if (request.Outputs.Count == 0)
        {
            return [.. model.Outputs.Select(o => o.Name)];
        }

        var names = new string[request.Outputs.Count];
        for (var i = 0; i < names.Length; i++)
        {
            var name = request.Outputs[i].Name;
            if (IndexOf(model.Outputs, name) < 0)
            {
                throw ServingException.Invalid(
                    $"{Capitalized(model.Label)} has no output '{ModelNames.Shorten(name)}'; its outputs are " +
                    $"{List(model.Outputs.Select(o => o.Name))}.");
            }

            names[i] = name;
        }

        return names;
    }

    private static int IndexOf(IReadOnlyList<TensorSpec> specs, string name)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            if (string.Equals(specs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
