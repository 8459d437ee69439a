using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Export.Tests;

/// <summary>
/// A tiny shapes job (grey 16x16 images, a shape class and an x/y position) trained once for the tests that export
/// what <c>mtlonnx train</c> writes: a job file and its run folder with <c>best.ckpt</c>.
/// </summary>
public sealed class TrainedShapesRun : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>Trains the job.</summary>
    public TrainedShapesRun()
    {
        JobPath = _temp.Combine("shapes.yaml");
        File.WriteAllText(JobPath, JobText("tiny-shapes", features: 16));
        Job = JobFile.Load(JobPath);
        var result = new MultiTaskTrainer(Job, new TrainerOptions { WriteReport = false }).Run();
        Checkpoint = result.BestCheckpoint!;
    }

    /// <summary>Gets the job file.</summary>
    public string JobPath { get; }

    /// <summary>Gets the parsed job.</summary>
    public JobSpec Job { get; }

    /// <summary>Gets the trained checkpoint, <c>best.ckpt</c> of the run folder.</summary>
    public string Checkpoint { get; }

    /// <summary>Gets a folder for one test's files, removed with the run.</summary>
    /// <param name="name">The folder's name.</param>
    /// <returns>The folder's path.</returns>
    public string Folder(string name) => _temp.Combine(name);

    /// <summary>Writes the job text; another name or trunk width makes a job the checkpoint does not fit.</summary>
    /// <param name="name">The job's name.</param>
    /// <param name="features">The trunk's feature width.</param>
    /// <returns>The YAML text.</returns>
    public static string JobText(string name, int features) => $$"""
        name: {{name}}
        seed: 11
        epochs: 2
        output: run
        input: { kind: image, width: 16, height: 16, channels: 1 }
        trunk: { kind: lenet, channels: [8, 16], kernels: [3, 3], features: {{features}} }
        tasks:
          - { name: shape, kind: multiclass, labels: [square, ellipse, heart] }
          - { name: position, kind: regression, columns: [x, y], units: canvas }
        data:
          source: shapes
          batch_size: 32
          shapes: { image_size: 16, train_size: 2048, validation_size: 256, test_size: 128 }
        optimizer: { kind: adam, learning_rate: 0.003 }

        """;

    /// <inheritdoc />
    public void Dispose() => _temp.Dispose();
}
