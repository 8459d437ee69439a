using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>The shapes of a data set's samples: the input kind and size, and the tasks whose labels it gives.</summary>
/// <param name="Kind">The input kind.</param>
/// <param name="SampleShape">The input shape per sample: [C, H, W], [D] or [L].</param>
/// <param name="Tasks">The tasks, in job order.</param>
public sealed record BatchLayout(InputKind Kind, IReadOnlyList<long> SampleShape, IReadOnlyList<TaskSpec> Tasks)
{
    /// <summary>Gets the number of input elements per sample.</summary>
    public int SampleSize => (int)SampleShape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Creates the layout a job's inputs and tasks describe.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The layout.</returns>
    public static BatchLayout ForJob(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        IReadOnlyList<long> shape = job.Input.Kind switch
        {
            InputKind.Text => [job.Input.Text.MaxLength],
            InputKind.Vector => [job.Input.VectorSize],
            _ => [job.Input.Image.Channels, job.Input.Image.Height, job.Input.Image.Width],
        };
        return new BatchLayout(job.Input.Kind, shape, job.Tasks);
    }
}
