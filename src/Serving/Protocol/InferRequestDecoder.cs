using System.Buffers.Binary;
using System.Runtime.CompilerServices;
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
        var c = input.Contents ?? throw ServingException.Invalid(
            $"Input '{input.Name}' has no data: set its contents or send raw_input_contents.");

        // One generic copy per protocol field; narrower types are range-checked against the field's wider type.
        var bytes = new byte[count * Datatypes.ElementSize(type)];
        void Fill<TField, TElement>(RepeatedField<TField> values, string field)
            where TField : unmanaged
            where TElement : unmanaged => CopyField<TField, TElement>(input, c, values, field, count, bytes);

        switch (type)
        {
            case TensorElementType.Bool: Fill<bool, byte>(c.BoolContents, "bool_contents"); break;
            case TensorElementType.Int8: Fill<int, sbyte>(c.IntContents, "int_contents"); break;
            case TensorElementType.Int16: Fill<int, short>(c.IntContents, "int_contents"); break;
            case TensorElementType.Int32: Fill<int, int>(c.IntContents, "int_contents"); break;
            case TensorElementType.Int64: Fill<long, long>(c.Int64Contents, "int64_contents"); break;
            case TensorElementType.UInt8: Fill<uint, byte>(c.UintContents, "uint_contents"); break;
            case TensorElementType.UInt16: Fill<uint, ushort>(c.UintContents, "uint_contents"); break;
            case TensorElementType.UInt32: Fill<uint, uint>(c.UintContents, "uint_contents"); break;
            case TensorElementType.UInt64: Fill<ulong, ulong>(c.Uint64Contents, "uint64_contents"); break;
            case TensorElementType.Float: Fill<float, float>(c.Fp32Contents, "fp32_contents"); break;
            case TensorElementType.Double: Fill<double, double>(c.Fp64Contents, "fp64_contents"); break;
            default:
                throw ServingException.Invalid(
                    $"Input '{input.Name}' is {input.Datatype}, which has no typed contents field; send it in " +
                    "raw_input_contents.");
        }

        return bytes;
    }

    /// <summary>
    /// Copies a typed contents field into little-endian element bytes, converting from the field's type to the
    /// tensor's; a value that does not survive the conversion unchanged is refused. For a field of the tensor's own
    /// type the check is an identity the JIT folds away, so the loop is a plain copy.
    /// </summary>
    private static void CopyField<TField, TElement>(ModelInferRequest.Types.InferInputTensor input,
        InferTensorContents contents, RepeatedField<TField> values, string field, long count, byte[] bytes)
        where TField : unmanaged
        where TElement : unmanaged
    {
        Expect(input, field, values.Count, count, contents);
        var target = MemoryMarshal.Cast<byte, TElement>(bytes.AsSpan());
        for (var i = 0; i < target.Length; i++)
        {
            var value = values[i];
            target[i] = Convert<TField, TElement>(value, out var exact);
            if (!exact)
            {
                throw ServingException.Invalid(
                    $"Input '{input.Name}' is {input.Datatype}, but element {i} of {field} is {value}, outside " +
                    $"[{Range<TElement>()}].");
            }
        }
    }

    private static TElement Convert<TField, TElement>(TField value, out bool exact)
        where TField : unmanaged
        where TElement : unmanaged
    {
        // typeof comparisons of value types are constants to the JIT: each instantiation keeps one branch.
        if (typeof(TField) == typeof(TElement))
        {
            exact = true;
            return Unsafe.As<TField, TElement>(ref value);
        }

        if (typeof(TField) == typeof(bool))
        {
            exact = true;
            var flag = (byte)(Unsafe.As<TField, bool>(ref value) ? 1 : 0);
            return Unsafe.As<byte, TElement>(ref flag);
        }

        if (typeof(TField) == typeof(int))
        {
            var wide = Unsafe.As<TField, int>(ref value);
            if (typeof(TElement) == typeof(sbyte))
            {
                var narrow = (sbyte)wide;
                exact = narrow == wide;
                return Unsafe.As<sbyte, TElement>(ref narrow);
            }

            var half = (short)wide;
            exact = half == wide;
            return Unsafe.As<short, TElement>(ref half);
        }

        var unsigned = Unsafe.As<TField, uint>(ref value);
        if (typeof(TElement) == typeof(byte))
        {
            var narrow = (byte)unsigned;
            exact = narrow == unsigned;
            return Unsafe.As<byte, TElement>(ref narrow);
        }

        var word = (ushort)unsigned;
        exact = word == unsigned;
        return Unsafe.As<ushort, TElement>(ref word);
    }

    private static string Range<TElement>() =>
        typeof(TElement) == typeof(sbyte) ? $"{sbyte.MinValue}, {sbyte.MaxValue}"
        : typeof(TElement) == typeof(short) ? $"{short.MinValue}, {short.MaxValue}"
        : typeof(TElement) == typeof(byte) ? $"0, {byte.MaxValue}"
        : $"0, {ushort.MaxValue}";

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
