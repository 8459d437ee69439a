using System.Numerics.Tensors;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Applies an <see cref="OptimizerPlan"/> on the CPU, in place, over flat float buffers laid out by the plan's
/// <see cref="OptimizerPlan.Layout"/>. Each step runs vectorised <see cref="TensorPrimitives"/> kernels and
/// allocates nothing; its two scratch buffers are sized once, for the largest parameter.
/// </summary>
/// <remarks>
/// The arithmetic follows <c>torch.optim</c> (PyTorch 1.13, single-tensor path) operation by operation, and uses
/// the same operations in the same order as <see cref="OptimizerGraph"/>, so that both paths agree. Scalars that
/// PyTorch computes in Python floats (bias corrections, <c>lr · weight_decay</c>) are computed in double here.
/// An instance is not thread-safe.
/// </remarks>
public sealed class CpuOptimizer
{
    private readonly float[] _scratch;
    private readonly float[] _square;

    /// <summary>Initializes an optimizer for a plan.</summary>
    /// <param name="plan">The plan.</param>
    public CpuOptimizer(OptimizerPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        _scratch = new float[plan.Layout.MaxElementCount];
        _square = new float[plan.Layout.MaxElementCount];
    }

    /// <summary>Gets the plan.</summary>
    public OptimizerPlan Plan { get; }

    /// <summary>
    /// Gets the global L2 norm of the gradients seen by the last <see cref="Step"/>, before clipping, or
    /// <see cref="double.NaN"/> when clipping is off (the norm is then not computed).
    /// </summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>Applies one update to every trainable parameter.</summary>
    /// <param name="parameters">The flat parameters, updated in place.</param>
    /// <param name="gradients">The flat gradients; not changed (clipping scales a copy).</param>
    /// <param name="firstState">
    /// The flat first state slot (<c>momentum_buffer</c> or <c>exp_avg</c>), updated in place; empty when the plan
    /// keeps no state.
    /// </param>
    /// <param name="secondState">The flat second slot (<c>exp_avg_sq</c>); empty unless the rule is Adam or AdamW.</param>
    /// <param name="learningRate">The learning rate the session sets; each group multiplies it by its factor.</param>
    /// <param name="step">The 1-based number of this update.</param>
    /// <exception cref="ArgumentException">A buffer's length does not match the layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than one.</exception>
    public void Step(
        Span<float> parameters,
        ReadOnlySpan<float> gradients,
        Span<float> firstState,
        Span<float> secondState,
        float learningRate,
        long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        var layout = Plan.Layout;
        var slots = Plan.StateSlots.Count;
        CheckLength(parameters.Length, layout.TotalElementCount, nameof(parameters));
        CheckLength(gradients.Length, layout.TotalElementCount, nameof(gradients));
        CheckLength(firstState.Length, slots >= 1 ? layout.TotalElementCount : 0, nameof(firstState));
        CheckLength(secondState.Length, slots >= 2 ? layout.TotalElementCount : 0, nameof(secondState));

        var clip = ClipCoefficient(gradients);
        // Indexed loops: foreach over the read-only list interfaces would box an enumerator on every step.
        for (var groupIndex = 0; groupIndex < Plan.Groups.Count; groupIndex++)
        {
            var group = Plan.Groups[groupIndex];
            var scalars = OptimizerScalars.Compute(Plan.Spec, group, learningRate, step);
            for (var j = 0; j < group.ParameterIndices.Count; j++)
            {
                var index = group.ParameterIndices[j];
                var p = layout.Slice(parameters, index);
                var g = layout.Slice(gradients, index);
                var n = p.Length;
                var scratch = _scratch.AsSpan(0, n);
                if (clip is { } coefficient)
                {
                    TensorPrimitives.Multiply(g, coefficient, scratch);
                    g = scratch;
                }

                if (Plan.Spec.Kind == OptimizerKind.Sgd)
                {
                    var buffer = slots > 0 ? layout.Slice(firstState, index) : [];
                    StepSgd(p, g, buffer, scratch, scalars);
                }
                else
                {
                    StepAdam(p, g, layout.Slice(firstState, index), layout.Slice(secondState, index), scratch, scalars);
                }
            }
        }
    }

    private void StepSgd(Span<float> p, ReadOnlySpan<float> g, Span<float> buffer, Span<float> scratch, OptimizerScalars s)
    {
        // d = g + wd·p, written into the scratch (g may already be the scratch; equal starts may alias).
        ReadOnlySpan<float> d = g;
        if (s.WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(p, s.WeightDecay, d, scratch);
            d = scratch;
        }

        if (!buffer.IsEmpty)
        {
            // torch clones d into the buffer on the first step; momentum 0 and factor 1 give the same values.
            TensorPrimitives.Multiply(buffer, s.MomentumFactor, buffer);
            TensorPrimitives.MultiplyAdd(d, s.GradientFactor, buffer, buffer);
            if (Plan.Spec.Nesterov)
            {
                TensorPrimitives.MultiplyAdd(buffer, s.Momentum, d, scratch);
                d = scratch;
            }
            else
            {
                d = buffer;
            }
        }

        TensorPrimitives.MultiplyAdd(d, s.NegativeLearningRate, p, p);
    }

    private void StepAdam(
        Span<float> p,
        ReadOnlySpan<float> g,
        Span<float> expAvg,
        Span<float> expAvgSq,
        Span<float> scratch,
        OptimizerScalars s)
    {
        var square = _square.AsSpan(0, p.Length);
        if (Plan.Spec.Kind == OptimizerKind.Adam && s.WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(p, s.WeightDecay, g, scratch);
            g = scratch;
        }
        else if (Plan.Spec.Kind == OptimizerKind.AdamW && s.WeightDecay != 0)
        {
            TensorPrimitives.Multiply(p, s.DecoupledDecayFactor, p);
        }

        TensorPrimitives.Multiply(expAvg, s.Beta1, expAvg);
        TensorPrimitives.MultiplyAdd(g, s.OneMinusBeta1, expAvg, expAvg);
        TensorPrimitives.Multiply(g, g, square);
        TensorPrimitives.Multiply(expAvgSq, s.Beta2, expAvgSq);
        TensorPrimitives.MultiplyAdd(square, s.OneMinusBeta2, expAvgSq, expAvgSq);

        // denom = sqrt(v) / sqrt(1 - beta2^t) + eps, then p += (m / denom) · (-lr / (1 - beta1^t)).
        TensorPrimitives.Sqrt(expAvgSq, square);
        TensorPrimitives.Divide(square, s.BiasCorrection2Sqrt, square);
        TensorPrimitives.Add(square, s.Epsilon, square);
        TensorPrimitives.Divide(expAvg, square, square);
        TensorPrimitives.MultiplyAdd(square, s.NegativeStepSize, p, p);
    }

    private float? ClipCoefficient(ReadOnlySpan<float> gradients)
    {
        if (Plan.Spec.MaxGradientNorm is not { } maxNorm)
        {
            LastGradientNorm = double.NaN;
            return null;
        }

        // The total is accumulated in float, tensor by tensor, as clip_grad_norm_ and the graph's ReduceSumSquare do.
        var layout = Plan.Layout;
        var total = 0f;
        for (var i = 0; i < layout.Count; i++)
        {
            total += TensorPrimitives.SumOfSquares(layout.Slice(gradients, i));
        }

        var norm = MathF.Sqrt(total);
        LastGradientNorm = norm;
        return MathF.Min(maxNorm / (norm + OptimizerScalars.ClipEpsilon), 1f);
    }

    private static void CheckLength(int actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"The buffer has {actual} elements, but the layout needs {expected}.", name);
        }
    }
}
