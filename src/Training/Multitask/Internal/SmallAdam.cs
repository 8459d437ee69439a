namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Adam over a handful of scalars (loss-weight logits, log-variances), with PyTorch's conventions: bias-corrected
/// moments, ε added after the square root, and weight decay as an L2 term added to the gradient.
/// </summary>
internal sealed class SmallAdam
{
    private readonly double[] _m;
    private readonly double[] _v;
    private readonly double _learningRate;
    private readonly double _weightDecay;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private int _step;

    public SmallAdam(int count, double learningRate, double weightDecay = 0, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8)
    {
        _m = new double[count];
        _v = new double[count];
        _learningRate = learningRate;
        _weightDecay = weightDecay;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>Moves <paramref name="parameters"/> one step against <paramref name="gradient"/>.</summary>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        _step++;
        double correction1 = 1 - Math.Pow(_beta1, _step);
        double correction2 = 1 - Math.Pow(_beta2, _step);
        for (int i = 0; i < parameters.Length; i++)
        {
            double g = gradient[i] + (_weightDecay * parameters[i]);
            _m[i] = (_beta1 * _m[i]) + ((1 - _beta1) * g);
            _v[i] = (_beta2 * _v[i]) + ((1 - _beta2) * g * g);
            double mHat = _m[i] / correction1;
            double vHat = _v[i] / correction2;
            parameters[i] -= _learningRate * mHat / (Math.Sqrt(vHat) + _epsilon);
        }
    }

    /// <summary>Writes the moments and the step count under <paramref name="prefix"/>.</summary>
    public void Save(MethodState state, string prefix)
    {
        state.SetDoubles(prefix + ".m", _m);
        state.SetDoubles(prefix + ".v", _v);
        state.SetInt64(prefix + ".step", _step);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Load(MethodState state, string prefix)
    {
        state.ReadDoubles(prefix + ".m", _m);
        state.ReadDoubles(prefix + ".v", _v);
        _step = state.ReadCount(prefix + ".step");
    }

    public void Reset()
    {
        _step = 0;
        Array.Clear(_m);
        Array.Clear(_v);
    }
}
