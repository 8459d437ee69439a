namespace MtlOnnx.Training.Data;

/// <summary>
/// A finite, indexable data set that writes samples straight into a batch's buffers. Implementations must allow
/// concurrent calls for different rows, and give the same sample for the same index and context.
/// </summary>
public interface IDataset
{
    /// <summary>Gets the number of samples.</summary>
    int Count { get; }

    /// <summary>Gets the shapes of the samples and the tasks they label.</summary>
    BatchLayout Layout { get; }

    /// <summary>Gets a short description for logs, for example <c>shapes/train (12000 samples)</c>.</summary>
    string Description { get; }

    /// <summary>Writes one sample's inputs and labels into a row of a batch.</summary>
    /// <param name="index">The sample index, in [0, <see cref="Count"/>).</param>
    /// <param name="batch">The batch.</param>
    /// <param name="row">The row to write.</param>
    /// <param name="context">The epoch and augmentation setting.</param>
    /// <exception cref="DataSourceException">The sample cannot be read.</exception>
    void Read(int index, Batch batch, int row, SampleContext context);

    /// <summary>Writes one sample's labels only (cheap: no decoding), for example to measure target statistics.</summary>
    /// <param name="index">The sample index.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="row">The row to write.</param>
    void ReadLabels(int index, Batch batch, int row);
}
