using System.Buffers;
using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Batching;

/// <summary>Stacks requests' tensors along the batch dimension and slices a batch's outputs back per request.</summary>
internal static class TensorBatching
{
    /// <summary>Returns whether two requests can share a batch: every input has the same shape past dimension 0.</summary>
    /// <param name="a">One request's inputs.</param>
    /// <param name="b">The other's, in the same order.</param>
    /// <returns><see langword="true"/> when they can be stacked.</returns>
    public static bool Compatible(InferTensor[] a, InferTensor[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var x = a[i].Shape;
            var y = b[i].Shape;
            if (x.Length != y.Length)
            {
                return false;
            }

            for (var d = 1; d < x.Length; d++)
            {
                if (x[d] != y[d])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Stacks the inputs of several requests into buffers rented from the shared pool.</summary>
    /// <param name="batch">The requests, all <see cref="Compatible"/>.</param>
    /// <param name="rows">Their total size along dimension 0.</param>
    /// <param name="rented">Receives the rented buffers; return them with <see cref="Return"/> once the run is over.</param>
    /// <returns>One tensor per model input.</returns>
    /// <remarks>
    /// A batch of images is hundreds of kilobytes: allocated per batch, it would land on the large object heap and
    /// bring on full collections; rented, it is reused.
    /// </remarks>
    public static InferTensor[] Stack(IReadOnlyList<InferenceWork> batch, long rows, List<byte[]> rented)
    {
        var first = batch[0].Inputs;
        var stacked = new InferTensor[first.Length];
        for (var i = 0; i < first.Length; i++)
        {
            var shape = (long[])first[i].Shape.Clone();
            shape[0] = rows;
            if (first[i].Strings is not null)
            {
                var elements = new List<ReadOnlyMemory<byte>>();
                foreach (var work in batch)
                {
                    elements.AddRange(work.Inputs[i].Strings!);
                }

                stacked[i] = InferTensor.FromStrings(first[i].Name, shape, [.. elements]);
                continue;
            }

            var length = 0;
            foreach (var work in batch)
            {
                length += work.Inputs[i].Data.Length;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(length);
            rented.Add(buffer);
            var offset = 0;
            foreach (var work in batch)
            {
                var data = work.Inputs[i].Data.Span;
                data.CopyTo(buffer.AsSpan(offset));
                offset += data.Length;
            }

            stacked[i] = InferTensor.Numeric(first[i].Name, first[i].ElementType, shape, buffer.AsMemory(0, length));
        }

        return stacked;
    }

    /// <summary>Returns the buffers that <see cref="Stack"/> rented.</summary>
    /// <param name="rented">The buffers; the list is cleared.</param>
    public static void Return(List<byte[]> rented)
    {
        foreach (var buffer in rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        rented.Clear();
    }

    /// <summary>Returns rows <c>[start, start + count)</c> of a batch output, without copying numeric data.</summary>
    /// <param name="output">The batch output.</param>
    /// <param name="rows">Its size along dimension 0.</param>
    /// <param name="start">The first row.</param>
    /// <param name="count">The number of rows.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ServingException">The output does not have the batch's rows.</exception>
    public static InferTensor Slice(InferTensor output, long rows, long start, long count)
    {
        if (output.Shape.Length == 0 || output.Shape[0] != rows)
        {
            throw new ServingException(Grpc.Core.StatusCode.Internal,
                $"Model output '{output.Name}' has shape {TensorSpec.Format(output.Shape)}, but a batch of {rows} " +
                $"rows was run; the model does not keep its batch dimension.");
        }

        if (start == 0 && count == rows)
        {
            return output;
        }

        var shape = (long[])output.Shape.Clone();
        shape[0] = count;
        if (output.Strings is { } strings)
        {
            var perRow = strings.Length / rows;
            return InferTensor.FromStrings(output.Name, shape, strings.AsSpan((int)(start * perRow), (int)(count * perRow)).ToArray());
        }

        var rowBytes = output.Data.Length / rows;
        var slice = output.Data.Slice((int)(start * rowBytes), (int)(count * rowBytes));
        return InferTensor.Numeric(output.Name, output.ElementType, shape, slice);
    }
}
