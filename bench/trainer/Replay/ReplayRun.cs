using System.Text.Json;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Bench.TrainerReplay;

/// <summary>
/// Trains a job with MtlOnnx's full trainer and writes what bench/trainer/torch_replay.py needs to replay the run in
/// PyTorch from the same start: <c>initial/</c> (the parameters the trainer starts from), <c>train.bin</c> (every
/// training batch of every epoch as the trainer's loader yields it), <c>test.bin</c> (the validation split),
/// <c>final/</c> (the parameters after the last epoch) and <c>mtlonnx.json</c> (every step's losses and each
/// epoch's validation accuracy).
/// </summary>
internal static class ReplayRun
{
    /// <summary>Writes only the initial parameters of a job's model.</summary>
    /// <param name="job">The job.</param>
    /// <param name="folder">The output folder.</param>
    /// <returns>The job's data splits.</returns>
    public static DataSplits WriteInitial(JobSpec job, string folder)
    {
        // The same construction the trainer makes: splits, then the model from the job's seed.
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        var initializers = model.Forward.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        ReplayFiles.WriteParameters(Path.Combine(folder, "initial"), model.TrainableNames.Select(n =>
            (n, initializers[n].Dims.ToArray(), TensorProtos.ToArray<float>(initializers[n]))));
        return splits;
    }

    /// <summary>Writes the initial parameters and the batches, trains the job, and writes the results.</summary>
    /// <param name="job">The job; its output folder receives the trainer's checkpoints.</param>
    /// <param name="folder">The output folder of the replay files.</param>
    /// <param name="threads">The ONNX Runtime threads of the trainer.</param>
    /// <returns>The trainer's result.</returns>
    public static TrainingResult Write(JobSpec job, string folder, int threads)
    {
        var splits = WriteInitial(job, folder);

        // A loader with the trainer's options (prefetch included) yields the batches the trainer will get.
        var loader = splits.TrainingLoader(job);
        ReplayFiles.WriteEpochs(Path.Combine(folder, "train.bin"), loader, job.Epochs);
        var evaluation = splits.EvaluationLoader(job, splits.Validation);
        ReplayFiles.WriteEpochs(Path.Combine(folder, "test.bin"), evaluation, 1);

        var recorder = new StepRecorder();
        var result = new MultiTaskTrainer(job, new TrainerOptions
        {
            Threads = threads, Observer = recorder, WriteReport = false,
        }).Run();
        var last = TrainingCheckpoint.Load(result.LastCheckpoint);
        ReplayFiles.WriteParameters(Path.Combine(folder, "final"), last.Tensors
            .Where(t => t.Role == CheckpointTensorRole.Trainable)
            .Select(t => (t.Name, t.Shape.ToArray(), t.Data)));
        File.WriteAllText(Path.Combine(folder, "mtlonnx.json"), JsonSerializer.Serialize(new
        {
            batch_size = job.Data.BatchSize,
            batches_per_epoch = loader.BatchCount,
            epochs = job.Epochs,
            side = splits.Train.Layout.SampleSize,
            steps = recorder.Losses,
            epoch_metrics = result.History.Select(h =>
                h.ValidationMetrics.ToDictionary(m => m.Key, m => m.Value["accuracy"])),
        }));
        return result;
    }
}
