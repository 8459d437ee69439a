using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>
/// One batch in reusable buffers: the inputs (image or vector floats, or token ids and attention mask) and each
/// task's labels. Buffers are sized for <see cref="Capacity"/> rows; the first <see cref="Count"/> are valid.
/// </summary>
public sealed class Batch
{
    /// <summary>Initializes buffers for a batch.</summary>
    /// <param name="layout">The shapes of inputs and tasks.</param>
    /// <param name="capacity">The largest number of rows.</param>
    public Batch(BatchLayout layout, int capacity)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Layout = layout;
        Capacity = capacity;
        Inputs = layout.Kind == InputKind.Text ? [] : new float[capacity * layout.SampleSize];
        TokenIds = layout.Kind == InputKind.Text ? new long[capacity * layout.SampleSize] : [];
        AttentionMask = layout.Kind == InputKind.Text ? new long[capacity * layout.SampleSize] : [];
        Tasks = layout.Tasks.Select(t => new TaskLabels(t, capacity)).ToArray();
        Indices = new int[capacity];
    }

    /// <summary>Gets the layout.</summary>
    public BatchLayout Layout { get; }

    /// <summary>Gets the number of rows the buffers hold.</summary>
    public int Capacity { get; }

    /// <summary>Gets or sets the number of valid rows.</summary>
    public int Count { get; set; }

    /// <summary>Gets the float inputs, <see cref="BatchLayout.SampleSize"/> per row; empty for text.</summary>
    public float[] Inputs { get; }

    /// <summary>Gets the token ids, <see cref="BatchLayout.SampleSize"/> per row; empty unless text.</summary>
    public long[] TokenIds { get; }

    /// <summary>Gets the attention mask, <see cref="BatchLayout.SampleSize"/> per row; empty unless text.</summary>
    public long[] AttentionMask { get; }

    /// <summary>Gets the labels of each task, in job order.</summary>
    public IReadOnlyList<TaskLabels> Tasks { get; }

    /// <summary>Gets the dataset index of each row.</summary>
    public int[] Indices { get; }

    /// <summary>Gets one row's float inputs.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The row's span.</returns>
    public Span<float> InputRow(int row) => Inputs.AsSpan(row * Layout.SampleSize, Layout.SampleSize);

    /// <summary>Gets one row's token ids.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The row's span.</returns>
    public Span<long> TokenRow(int row) => TokenIds.AsSpan(row * Layout.SampleSize, Layout.SampleSize);

    /// <summary>Gets one row's attention mask.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The row's span.</returns>
    public Span<long> MaskRow(int row) => AttentionMask.AsSpan(row * Layout.SampleSize, Layout.SampleSize);
}
