using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Shape arithmetic with fixed, symbolic and unknown dimensions.</summary>
internal static class ShapeMath
{
    public static Dim BroadcastDim(Dim a, Dim b)
    {
        if (a.Value == 1)
        {
            return b;
        }

        if (b.Value == 1)
        {
            return a;
        }

        if (a.IsFixed)
        {
            return a;
        }

        if (b.IsFixed)
        {
            return b;
        }

        return a.Param is not null && a.Param == b.Param ? a : Dim.Unknown;
    }

    /// <summary>Gets the multidirectional broadcast of shapes, or null when a rank is unknown.</summary>
    public static Dim[]? Broadcast(IReadOnlyList<Dim[]?> shapes)
    {
        if (shapes.Count == 0 || shapes.Any(s => s is null))
        {
            return null;
        }

        var rank = shapes.Max(s => s!.Length);
        var result = new Dim[rank];
        for (var i = 0; i < rank; i++)
        {
            var dim = Dim.Fixed(1);
            foreach (var shape in shapes)
            {
                var j = i - (rank - shape!.Length);
                if (j >= 0)
                {
                    dim = BroadcastDim(dim, shape[j]);
                }
            }

            result[i] = dim;
        }

        return result;
    }

    public static int NormalizeAxis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    public static Dim Multiply(Dim a, Dim b)
    {
        if (a.Value == 1)
        {
            return b;
        }

        if (b.Value == 1)
        {
            return a;
        }

        return a.IsFixed && b.IsFixed ? Dim.Fixed(a.Value!.Value * b.Value!.Value) : Dim.Unknown;
    }

    public static Dim Product(IEnumerable<Dim> dims) => dims.Aggregate(Dim.Fixed(1), Multiply);

    public static Dim Add(Dim a, long b) => a.IsFixed ? Dim.Fixed(Math.Max(0, a.Value!.Value + b)) : Dim.Unknown;

    /// <summary>Resolves a <c>Reshape</c> target against the input shape, including 0 and -1 entries.</summary>
    public static Dim[] Reshape(Dim[]? input, SymInt[] target, bool allowZero)
    {
        var result = new Dim[target.Length];
        var inferred = -1;
        for (var i = 0; i < target.Length; i++)
        {
            var t = target[i];
            if (t.Value == 0 && !allowZero)
            {
                result[i] = input is not null && i < input.Length ? input[i] : Dim.Unknown;
            }
            else if (t.Value == -1)
            {
                inferred = i;
                result[i] = Dim.Unknown;
            }
            else
            {
                result[i] = t.ToDim();
            }
        }

        if (inferred >= 0 && input is not null)
        {
            result[inferred] = Divide(input, result.Where((_, i) => i != inferred));
        }

        return result;
    }

    /// <summary>
    /// Divides the element count of <paramref name="total"/> by that of <paramref name="known"/>, tracking
    /// symbolic dimensions as factors, so that <c>[batch, 20, 5, 5]</c> reshaped to <c>[-1, 500]</c> gives
    /// <c>batch</c>.
    /// </summary>
    public static Dim Divide(IEnumerable<Dim> total, IEnumerable<Dim> known)
    {
        if (!TryFactor(total, out var coefficient, out var symbols) ||
            !TryFactor(known, out var divisor, out var divisorSymbols))
        {
            return Dim.Unknown;
        }

        foreach (var symbol in divisorSymbols)
        {
            if (!symbols.Remove(symbol))
            {
                return Dim.Unknown;
            }
        }

        if (divisor == 0 || coefficient % divisor != 0)
        {
            return Dim.Unknown;
        }

        coefficient /= divisor;
        return symbols.Count switch
        {
            0 => Dim.Fixed(coefficient),
            1 when coefficient == 1 => Dim.Symbol(symbols[0]),
            _ => Dim.Unknown,
        };
    }

    /// <summary>Computes the output size of a convolution or pooling window along one axis.</summary>
    public static long WindowOutput(long input, long kernel, long stride, long dilation, long padBegin, long padEnd,
        bool ceilMode)
    {
        var span = ((kernel - 1) * dilation) + 1;
        var numerator = input + padBegin + padEnd - span;
        var output = ceilMode ? CeilDiv(numerator, stride) + 1 : FloorDiv(numerator, stride) + 1;

        // In ceil mode the last window must start inside the input or its begin padding.
        if (ceilMode && (output - 1) * stride >= input + padBegin)
        {
            output--;
        }

        return output;
    }

    public static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    public static long FloorDiv(long a, long b) => (long)Math.Floor((double)a / b);

    /// <summary>
    /// Gets the explicit begin and end pads of a convolution or pooling node, resolving <c>auto_pad</c> when the
    /// spatial input sizes are known; null when they are needed and unknown.
    /// </summary>
    public static long[]? ResolvePads(
        NodeProto node,
        IReadOnlyList<Dim> spatial,
        IReadOnlyList<long> kernel,
        IReadOnlyList<long> strides,
        IReadOnlyList<long> dilations)
    {
        var n = kernel.Count;
        var autoPad = NodeAttributes.GetString(node, "auto_pad", "NOTSET");
        if (autoPad is "NOTSET" or "")
        {
            return NodeAttributes.GetInts(node, "pads") ?? new long[2 * n];
        }

        var pads = new long[2 * n];
        if (autoPad == "VALID")
        {
            return pads;
        }

        for (var i = 0; i < n; i++)
        {
            if (spatial[i].Value is not { } input)
            {
                return null;
            }

            var output = CeilDiv(input, strides[i]);
            var total = Math.Max(0, ((output - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1 - input);
            var small = total / 2;
            pads[i] = autoPad == "SAME_LOWER" ? total - small : small;
            pads[i + n] = total - pads[i];
        }

        return pads;
    }

    private static bool TryFactor(IEnumerable<Dim> dims, out long coefficient, out List<string> symbols)
    {
        coefficient = 1;
        symbols = [];
        foreach (var dim in dims)
        {
            if (dim.Value is { } v)
            {
                coefficient *= v;
            }
            else if (dim.Param is { } p)
            {
                symbols.Add(p);
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
