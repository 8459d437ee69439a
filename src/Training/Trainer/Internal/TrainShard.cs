using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Session.Internal;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// One shard of a data-parallel training step: a range of a batch's rows, run through the shared training session on
/// its own IO binding, with its own loss weights and its own loss and gradient buffers (the first shard writes into
/// the engine's). With representation gradients, the shard also runs the trunk's backward pass of its rows, on a
/// second binding that reads the activations its first run left in ONNX Runtime's memory.
/// </summary>
/// <remarks>
/// The shards of a step run at the same time, each on one thread of its own. A task's loss is a weighted mean over
/// the batch, <c>L = Σ wᵢ·ℓᵢ / Σ wᵢ</c> (<see cref="Layers.LossLayers.WeightedMean"/>), so a shard that weights its
/// task losses by its share <c>Σ_shard wᵢ / Σ wᵢ</c> of each denominator returns gradients and losses whose sums over
/// the shards are the whole batch's. Per-loss gradients are unweighted, so the step scales them by the shares itself.
/// <see cref="LossShares"/> computes the shares.
/// </remarks>
internal sealed class TrainShard : IDisposable
{
    private readonly BatchValuesCache _values;
    private readonly List<OrtValue> _owned = [];

    // Per dropout mask: the value over this shard's rows of the engine's buffer, and the buffer and rows it covers.
    private readonly (float[] Buffer, int Start, int Rows, OrtValue Value)?[] _masks;

    public TrainShard(
        MultiTaskModel model,
        InferenceSession session,
        IReadOnlyList<string> inputNames,
        IReadOnlyList<string> outputNames,
        Func<TrainShard, OrtValue?[]> outputs,
        float[] losses,
        float[] gradients,
        float[][] sideRows,
        float[][] taskRows,
        int maskCount)
    {
        _values = new BatchValuesCache(model);
        InputNames = [.. inputNames];
        OutputNames = [.. outputNames];
        InputValues = new OrtValue[InputNames.Length];
        Losses = losses;
        Gradients = gradients;
        LossWeights = new float[losses.Length];
        LossWeightsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, LossWeights.AsMemory(),
            [LossWeights.Length]);
        _owned.Add(LossWeightsValue);
        SideRows = sideRows;
        TaskRows = taskRows;
        OutputValues = outputs(this);
        _owned.AddRange(OutputValues.OfType<OrtValue>());
        _masks = new (float[], int, int, OrtValue)?[maskCount];
        Binding = new SessionBinding(session, InputNames.Length, OutputNames.Length);
    }

    public string[] InputNames { get; }

    public OrtValue[] InputValues { get; }

    public string[] OutputNames { get; }

    /// <summary>Gets the values the run writes, in the order of <see cref="OutputNames"/>; null until bound.</summary>
    public OrtValue?[] OutputValues { get; }

    public SessionBinding Binding { get; }

    /// <summary>Gets the shard's losses as its run wrote them (weighted means over its own rows).</summary>
    public float[] Losses { get; }

    /// <summary>Gets the buffer the shard's run writes its gradients into.</summary>
    public float[] Gradients { get; }

    /// <summary>Gets the loss weights the shard's run reads: the step's weights times the shard's shares.</summary>
    public float[] LossWeights { get; }

    public OrtValue LossWeightsValue { get; }

    /// <summary>Gets each loss's own gradients of the parameters above the representation (representation mode).</summary>
    public float[][] SideRows { get; }

    /// <summary>Gets each task's own gradients of the shared parameters (exact mode).</summary>
    public float[][] TaskRows { get; }

    /// <summary>Gets or sets the binding of the trunk's backward pass (representation mode).</summary>
    public SessionBinding? BackwardBinding { get; set; }

    /// <summary>Gets or sets the inputs of the trunk's backward pass, in the order of its input names.</summary>
    public OrtValue[] BackwardInputValues { get; set; } = [];

    /// <summary>Gets or sets the gradient outputs of the trunk's backward pass, over <see cref="Gradients"/>.</summary>
    public OrtValue[] BackwardOutputValues { get; set; } = [];

    /// <summary>Gets or sets, per backward input, its slot among the first run's outputs, or -1.</summary>
    public int[] CarriedSlots { get; set; } = [];

    /// <summary>Gets or sets the value over the shard's rows of the representation update.</summary>
    public OrtValue? UpdateValue { get; set; }

    /// <summary>Replaces the value of one output, disposing the one it replaces.</summary>
    public void SetOutput(int slot, OrtValue value)
    {
        if (OutputValues[slot] is { } previous)
        {
            _owned.Remove(previous);
            previous.Dispose();
        }

        OutputValues[slot] = value;
        _owned.Add(value);
    }

    /// <summary>Gets the first row of the batch the shard runs.</summary>
    public int Start { get; private set; }

    /// <summary>Gets the number of rows the shard runs.</summary>
    public int Rows { get; private set; }

    /// <summary>Sets the rows the shard runs next.</summary>
    public void Assign(int start, int rows)
    {
        Start = start;
        Rows = rows;
    }

    /// <summary>Gets the values over the shard's rows of a batch, reusing those made for the same batch and rows.</summary>
    public BatchValues ValuesOf(Batch batch) => _values.Get(batch, Start, Rows);

    /// <summary>Gets the value over the shard's rows of a dropout mask, [rows, sample shape...].</summary>
    /// <param name="index">The mask's index.</param>
    /// <param name="mask">The mask.</param>
    /// <param name="buffer">The whole batch's mask buffer, which the engine redraws in place each step.</param>
    public OrtValue MaskOf(int index, DropoutMask mask, float[] buffer)
    {
        if (_masks[index] is { } made && ReferenceEquals(made.Buffer, buffer) && made.Start == Start &&
            made.Rows == Rows)
        {
            return made.Value;
        }

        _masks[index]?.Value.Dispose();
        var size = (int)mask.SampleSize;
        var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            buffer.AsMemory(Start * size, Rows * size), [Rows, .. mask.SampleShape]);
        _masks[index] = (buffer, Start, Rows, value);
        return value;
    }

    public void Dispose()
    {
        Binding.Dispose();
        BackwardBinding?.Dispose();
        UpdateValue?.Dispose();
        foreach (var value in BackwardOutputValues)
        {
            value.Dispose();
        }

        foreach (var value in _owned)
        {
            value.Dispose();
        }

        _values.Dispose();
        foreach (var mask in _masks)
        {
            mask?.Value.Dispose();
        }
    }
}
