using System.Numerics;
using System.Runtime.InteropServices;

namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Accumulates the lower triangle of the Gram matrix of T double rows of one block into a partial sum, two rows
/// against four rows at a time.
/// </summary>
/// <remarks>
/// A plain dot product per pair reads two vectors for every multiply-add, which makes the Gram bound by cache
/// bandwidth: for T = 40 that is 820 passes over the block. The 2×4 tile keeps eight accumulators in registers and
/// reads six vectors for eight multiply-adds, cutting the traffic by 2.7×; 14 vector registers fit the 16 of AVX2.
/// </remarks>
internal static class GramKernel
{
    public static void Accumulate(double[] scratch, int stride, int taskCount, int n, double[] partial)
    {
        int t = taskCount;
        int i = 0;
        for (; i + 1 < t; i += 2)
        {
            // Columns 0..i+1 are needed for rows i and i+1; the tiles cover them four at a time.
            int j = 0;
            for (; j + 3 <= i + 1; j += 4)
            {
                Tile2x4(scratch, stride, i, j, n, partial, t);
            }

            for (; j <= i + 1; j++)
            {
                ReadOnlySpan<double> b = scratch.AsSpan(j * stride, n);
                if (j <= i)
                {
                    partial[(i * t) + j] += Dot(scratch.AsSpan(i * stride, n), b);
                }

                partial[((i + 1) * t) + j] += Dot(scratch.AsSpan((i + 1) * stride, n), b);
            }
        }

        if (i < t)
        {
            ReadOnlySpan<double> a = scratch.AsSpan(i * stride, n);
            for (int j = 0; j <= i; j++)
            {
                partial[(i * t) + j] += Dot(a, scratch.AsSpan(j * stride, n));
            }
        }
    }

    private static void Tile2x4(double[] scratch, int stride, int i, int j, int n, double[] partial, int t)
    {
        ReadOnlySpan<double> a0 = scratch.AsSpan(i * stride, n);
        ReadOnlySpan<double> a1 = scratch.AsSpan((i + 1) * stride, n);
        ReadOnlySpan<double> b0 = scratch.AsSpan(j * stride, n);
        ReadOnlySpan<double> b1 = scratch.AsSpan((j + 1) * stride, n);
        ReadOnlySpan<double> b2 = scratch.AsSpan((j + 2) * stride, n);
        ReadOnlySpan<double> b3 = scratch.AsSpan((j + 3) * stride, n);
        ReadOnlySpan<Vector<double>> va0 = MemoryMarshal.Cast<double, Vector<double>>(a0);
        ReadOnlySpan<Vector<double>> va1 = MemoryMarshal.Cast<double, Vector<double>>(a1);
        ReadOnlySpan<Vector<double>> vb0 = MemoryMarshal.Cast<double, Vector<double>>(b0);
        ReadOnlySpan<Vector<double>> vb1 = MemoryMarshal.Cast<double, Vector<double>>(b1);
        ReadOnlySpan<Vector<double>> vb2 = MemoryMarshal.Cast<double, Vector<double>>(b2);
        ReadOnlySpan<Vector<double>> vb3 = MemoryMarshal.Cast<double, Vector<double>>(b3);
        Vector<double> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<double> s10 = default, s11 = default, s12 = default, s13 = default;
        int count = va0.Length;
        for (int k = 0; k < count; k++)
        {
            Vector<double> x0 = va0[k];
            Vector<double> x1 = va1[k];
            Vector<double> y = vb0[k];
            s00 = Vector.FusedMultiplyAdd(x0, y, s00);
            s10 = Vector.FusedMultiplyAdd(x1, y, s10);
            y = vb1[k];
            s01 = Vector.FusedMultiplyAdd(x0, y, s01);
            s11 = Vector.FusedMultiplyAdd(x1, y, s11);
            y = vb2[k];
            s02 = Vector.FusedMultiplyAdd(x0, y, s02);
            s12 = Vector.FusedMultiplyAdd(x1, y, s12);
            y = vb3[k];
            s03 = Vector.FusedMultiplyAdd(x0, y, s03);
            s13 = Vector.FusedMultiplyAdd(x1, y, s13);
        }

        Span<double> sums = stackalloc double[8];
        sums[0] = Vector.Sum(s00);
        sums[1] = Vector.Sum(s01);
        sums[2] = Vector.Sum(s02);
        sums[3] = Vector.Sum(s03);
        sums[4] = Vector.Sum(s10);
        sums[5] = Vector.Sum(s11);
        sums[6] = Vector.Sum(s12);
        sums[7] = Vector.Sum(s13);
        for (int k = count * Vector<double>.Count; k < n; k++)
        {
            sums[0] += a0[k] * b0[k];
            sums[1] += a0[k] * b1[k];
            sums[2] += a0[k] * b2[k];
            sums[3] += a0[k] * b3[k];
            sums[4] += a1[k] * b0[k];
            sums[5] += a1[k] * b1[k];
            sums[6] += a1[k] * b2[k];
            sums[7] += a1[k] * b3[k];
        }

        // Only the lower triangle is kept; the tile may reach one column past row i.
        for (int c = 0; c < 4; c++)
        {
            if (j + c <= i)
            {
                partial[(i * t) + j + c] += sums[c];
            }

            partial[((i + 1) * t) + j + c] += sums[4 + c];
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);
}
