using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// The <see cref="OrtValue"/>s over one batch's buffers (model inputs, labels and label masks), keyed by graph input
/// name. The values alias the batch's arrays, so a loader that refills the same batch needs no new values. They cover
/// the whole batch, or one range of its rows for a shard of a data-parallel step.
/// </summary>
internal sealed class BatchValues : IDisposable
{
    private readonly Dictionary<string, OrtValue> _values = new(StringComparer.Ordinal);

    public BatchValues(MultiTaskModel model, Batch batch, int start = 0, int rows = -1)
    {
        rows = rows < 0 ? batch.Count - start : rows;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + rows, batch.Count, nameof(rows));
        Batch = batch;
        Start = start;
        Rows = rows;
        var memory = OrtMemoryInfo.DefaultInstance;
        foreach (var input in model.Inputs)
        {
            var shape = new long[input.Shape.Count + 1];
            shape[0] = rows;
            for (var i = 0; i < input.Shape.Count; i++)
            {
                shape[i + 1] = input.Shape[i];
            }

            var size = batch.Layout.SampleSize * rows;
            var offset = batch.Layout.SampleSize * start;
            _values[input.Name] = input.Name switch
            {
                ModelInput.TokenIdsName => OrtValue.CreateTensorValueFromMemory(memory,
                    batch.TokenIds.AsMemory(offset, size), shape),
                ModelInput.AttentionMaskName => OrtValue.CreateTensorValueFromMemory(memory,
                    batch.AttentionMask.AsMemory(offset, size), shape),
                _ => OrtValue.CreateTensorValueFromMemory(memory, batch.Inputs.AsMemory(offset, size), shape),
            };
        }

        for (var t = 0; t < model.Tasks.Count; t++)
        {
            var task = model.Tasks[t];
            var labels = batch.Tasks[t];
            _values[task.MaskName] = OrtValue.CreateTensorValueFromMemory(memory, labels.Mask.AsMemory(start, rows),
                [rows]);
            long[] shape = task.LabelShape.Count == 0 ? [rows] : [rows, task.LabelShape[0]];
            _values[task.LabelName] = labels.Classes.Length > 0
                ? OrtValue.CreateTensorValueFromMemory(memory, labels.Classes.AsMemory(start, rows), shape)
                : OrtValue.CreateTensorValueFromMemory(memory,
                    labels.Values.AsMemory(start * labels.Width, rows * labels.Width), shape);
        }
    }

    /// <summary>Gets the batch the values alias.</summary>
    public Batch Batch { get; }

    /// <summary>Gets the first row of the batch the values cover.</summary>
    public int Start { get; }

    /// <summary>Gets the row count the values were made for; a batch refilled with another count needs new ones.</summary>
    public int Rows { get; }

    /// <summary>Gets the value of a graph input, if it is one of the batch's.</summary>
    public bool TryGet(string name, out OrtValue value) => _values.TryGetValue(name, out value!);

    public void Dispose()
    {
        foreach (var value in _values.Values)
        {
            value.Dispose();
        }
    }
}
