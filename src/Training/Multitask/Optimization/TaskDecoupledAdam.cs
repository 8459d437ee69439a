using System.Numerics.Tensors;

namespace MtlOnnx.Training.Multitask.Optimization;

/// <summary>
/// Adam or AdamW with optimizer state per task, in the spirit of DualOptim+: a shared base state follows the
/// aggregated update, and decoupled per-task residual states follow what each task's gradient adds beyond it; the
/// residual steps are blended in by the measured gradient conflict.
/// </summary>
/// <remarks>
/// <para>
/// Each step, with the aggregated update u (from any multi-task method) and the task gradients g_t, the residual
/// <c>r_t = g_t − (g_t·u / |u|²) u</c> is the part of g_t that the common direction does not carry. The base moments
/// are fed with u, the residual moments of task t with r_t, and the parameters move by
/// <c>−lr (a(u) + γ ρ / T · Σ_t a_t(r_t))</c>, where a(·) is the bias-corrected Adam step
/// <c>m̂ / (√v̂ + ε)</c>, γ ∈ [0, 1] the conflict measure the caller passes (for example the share of conflicting
/// pairs, <see cref="ConflictShare"/>) and ρ <see cref="TaskDecoupledAdamOptions.ResidualScale"/>.
/// </para>
/// <para>
/// Without conflict (γ = 0) the optimizer is exactly Adam on u. With conflict, each task's residual is normalized by
/// its own second moment, so a task with small but consistent residual gradients is not drowned by another task's
/// large ones in a shared second-moment estimate. The residual states are updated every step, so they are warm when
/// conflict appears. Memory: 2 (T + 1) floats per parameter. This is our design; it is not a published algorithm.
/// </para>
/// </remarks>
public sealed class TaskDecoupledAdam
{
    private readonly TaskDecoupledAdamOptions _options;
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float[][] _taskM;
    private readonly float[][] _taskV;
    private readonly float[] _residual;
    private readonly float[] _step;
    private readonly float[] _scratch;
    private long _count;

    /// <summary>Initializes a new <see cref="TaskDecoupledAdam"/>.</summary>
    /// <param name="parameterCount">The number of parameters P.</param>
    /// <param name="taskCount">The number of tasks T.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">An option is out of range.</exception>
    public TaskDecoupledAdam(int parameterCount, int taskCount, TaskDecoupledAdamOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new TaskDecoupledAdamOptions();
        if (!(_options.Beta1 >= 0 && _options.Beta1 < 1) || !(_options.Beta2 >= 0 && _options.Beta2 < 1)
            || !(_options.Epsilon > 0) || !(_options.WeightDecay >= 0) || !(_options.ResidualScale >= 0))
        {
            throw new MultitaskConfigurationException(
                "The task-decoupled Adam needs beta1 and beta2 in [0, 1), epsilon > 0, weight_decay ≥ 0 and " +
                $"residual_scale ≥ 0; got {_options.Beta1}, {_options.Beta2}, {_options.Epsilon}, " +
                $"{_options.WeightDecay} and {_options.ResidualScale}.");
        }

        ParameterCount = parameterCount;
        TaskCount = taskCount;
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        _taskM = Enumerable.Range(0, taskCount).Select(_ => new float[parameterCount]).ToArray();
        _taskV = Enumerable.Range(0, taskCount).Select(_ => new float[parameterCount]).ToArray();
        _residual = new float[parameterCount];
        _step = new float[parameterCount];
        _scratch = new float[parameterCount];
    }

    /// <summary>Gets the number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>Gets the number of tasks.</summary>
    public int TaskCount { get; }

    /// <summary>Gets the number of steps taken.</summary>
    public long StepCount => _count;

    /// <summary>Returns the share of task pairs with conflicting gradients, a ready-made conflict measure γ.</summary>
    /// <param name="gram">The Gram matrix of the task gradients.</param>
    /// <returns>A value in [0, 1].</returns>
    /// <exception cref="ArgumentNullException"><paramref name="gram"/> is <see langword="null"/>.</exception>
    public static double ConflictShare(GramMatrix gram)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int t = gram.TaskCount;
        int conflicts = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = i + 1; j < t; j++)
            {
                conflicts += gram[i, j] < 0 ? 1 : 0;
            }
        }

        return t > 1 ? conflicts / (t * (t - 1) / 2.0) : 0;
    }

    /// <summary>Applies one update in place.</summary>
    /// <param name="parameters">The P parameters, updated in place.</param>
    /// <param name="update">The aggregated update u of the multi-task method.</param>
    /// <param name="taskGradients">The T task gradients the update was computed from.</param>
    /// <param name="conflict">The conflict measure γ in [0, 1].</param>
    /// <param name="learningRate">The learning rate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="taskGradients"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A size disagrees with the optimizer's.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="conflict"/> is outside [0, 1].</exception>
    public void Step(
        Span<float> parameters,
        ReadOnlySpan<float> update,
        GradientMatrix taskGradients,
        double conflict,
        float learningRate)
    {
        ArgumentNullException.ThrowIfNull(taskGradients);
        if (parameters.Length != ParameterCount || update.Length != ParameterCount
            || taskGradients.Length != ParameterCount || taskGradients.TaskCount != TaskCount)
        {
            throw new ArgumentException(
                $"The optimizer holds {TaskCount} tasks × {ParameterCount} parameters, but got {parameters.Length} " +
                $"parameters, an update of {update.Length} and {taskGradients.TaskCount} task gradients of " +
                $"{taskGradients.Length}.");
        }

        if (!(conflict >= 0 && conflict <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(conflict), conflict, "The conflict measure must lie in [0, 1].");
        }

        _count++;
        float lr = learningRate;
        float weightDecay = (float)_options.WeightDecay;
        if (_options.DecoupledWeightDecay && weightDecay > 0)
        {
            TensorPrimitives.Multiply(parameters, 1 - (lr * weightDecay), parameters);
        }

        // Base state on u (plus the L2 term for coupled Adam).
        ReadOnlySpan<float> baseGradient = update;
        if (!_options.DecoupledWeightDecay && weightDecay > 0)
        {
            TensorPrimitives.MultiplyAdd(parameters, weightDecay, update, _residual);
            baseGradient = _residual;
        }

        AdamDirection(baseGradient, _m, _v, _step);

        double uSquared = GradientMatrix.DotDouble(update, update);
        float blend = (float)(conflict * _options.ResidualScale / TaskCount);
        for (int t = 0; t < TaskCount; t++)
        {
            // r_t = g_t − (g_t · u / |u|²) u, the part of g_t the common direction does not carry.
            double coefficient = uSquared > 0 ? taskGradients.Dot(t, update) / uSquared : 0;
            TensorPrimitives.MultiplyAdd(update, (float)-coefficient, taskGradients.Row(t), _residual);
            AdamDirection(_residual, _taskM[t], _taskV[t], _scratch);
            if (blend > 0)
            {
                TensorPrimitives.MultiplyAdd(_scratch, blend, _step, _step);
            }
        }

        TensorPrimitives.MultiplyAdd(_step, -lr, parameters, parameters);
    }

    /// <summary>Clears all moments and the step counter.</summary>
    public void Reset()
    {
        _count = 0;
        Array.Clear(_m);
        Array.Clear(_v);
        foreach (float[] m in _taskM)
        {
            Array.Clear(m);
        }

        foreach (float[] v in _taskV)
        {
            Array.Clear(v);
        }
    }

    /// <summary>Computes the residual of a task gradient against the update; exposed for tests.</summary>
    /// <summary>Writes the base and per-task moments and the step count, each field name starting with a prefix.
    /// </summary>
    /// <param name="state">The state to add the fields to.</param>
    /// <param name="prefix">The prefix of the field names, such as <c>optimizer</c>.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="state"/> or <paramref name="prefix"/> is <see langword="null"/>.
    /// </exception>
    public void SaveState(MethodState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(prefix);
        state.SetInt64(prefix + ".step", _count);
        state.SetFloats(prefix + ".m", _m);
        state.SetFloats(prefix + ".v", _v);
        for (int t = 0; t < TaskCount; t++)
        {
            string task = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
            state.SetFloats($"{prefix}.task{task}.m", _taskM[t]);
            state.SetFloats($"{prefix}.task{task}.v", _taskV[t]);
        }
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote under the same prefix.</summary>
    /// <param name="state">The saved state.</param>
    /// <param name="prefix">The prefix <see cref="SaveState"/> was given.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="state"/> or <paramref name="prefix"/> is <see langword="null"/>.
    /// </exception>
    /// <exception cref="MethodStateException">A field is missing or sized for another parameter count.</exception>
    public void LoadState(MethodState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(prefix);
        _count = state.ReadInt64(prefix + ".step");
        state.ReadFloats(prefix + ".m", _m);
        state.ReadFloats(prefix + ".v", _v);
        for (int t = 0; t < TaskCount; t++)
        {
            string task = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
            state.ReadFloats($"{prefix}.task{task}.m", _taskM[t]);
            state.ReadFloats($"{prefix}.task{task}.v", _taskV[t]);
        }
    }

    internal static void Residual(ReadOnlySpan<float> gradient, ReadOnlySpan<float> update, Span<float> destination)
    {
        double uSquared = GradientMatrix.DotDouble(update, update);
        double coefficient = uSquared > 0 ? GradientMatrix.DotDouble(gradient, update) / uSquared : 0;
        TensorPrimitives.MultiplyAdd(update, (float)-coefficient, gradient, destination);
    }

    private void AdamDirection(ReadOnlySpan<float> gradient, float[] m, float[] v, Span<float> direction)
    {
        // 1 − β is formed in double and rounded once, as PyTorch does with its Python-float hyper-parameters;
        // 1 − (float)β2 would be off by 1.3e-5 relative and shift every step by as much.
        float beta1 = (float)_options.Beta1;
        float beta2 = (float)_options.Beta2;
        float oneMinusBeta1 = (float)(1 - _options.Beta1);
        float oneMinusBeta2 = (float)(1 - _options.Beta2);
        double correction1 = 1 - Math.Pow(_options.Beta1, _count);
        double correction2 = 1 - Math.Pow(_options.Beta2, _count);

        // m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  direction = (m / c1) / (√(v / c2) + ε).
        TensorPrimitives.Multiply(m, beta1, m);
        TensorPrimitives.MultiplyAdd(gradient, oneMinusBeta1, m, m);
        TensorPrimitives.Multiply(gradient, gradient, direction);
        TensorPrimitives.Multiply(direction, oneMinusBeta2, direction);
        TensorPrimitives.MultiplyAdd(v, beta2, direction, v);
        TensorPrimitives.Multiply(v, (float)(1 / correction2), direction);
        TensorPrimitives.Sqrt(direction, direction);
        TensorPrimitives.Add(direction, (float)_options.Epsilon, direction);
        TensorPrimitives.Divide(m, direction, direction);
        TensorPrimitives.Multiply(direction, (float)(1 / correction1), direction);
    }
}
