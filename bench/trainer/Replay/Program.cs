using System.Globalization;
using System.Text.Json;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

// Trains a job with MtlOnnx's full trainer and writes what bench/trainer/torch_replay.py needs to replay the run in
// PyTorch from the same start: the initial parameters, every training batch of every epoch as the trainer's loader
// yields it (pixels as bytes, both labels), the test split, the loss of every step and the final parameters.
// With --initial-only it writes the initial parameters and stops.
// Usage: MtlOnnx.Bench.TrainerReplay JOB.yaml OUTPUT_FOLDER [THREADS] [--initial-only]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MtlOnnx.Bench.TrainerReplay JOB.yaml OUTPUT_FOLDER [THREADS] [--initial-only]");
    return 2;
}

var job = JobFile.Load(args[0]);
var folder = args[1];
var threads = args.Length > 2 && args[2] != "--initial-only" ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
Directory.CreateDirectory(folder);

// The same construction the trainer makes: splits, then the model from the job's seed.
var splits = DatasetFactory.Create(job);
var model = ModelFactory.Build(job, splits.BuildOptions());
var initializers = model.Forward.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
WriteParameters(Path.Combine(folder, "initial"), model.TrainableNames.Select(n =>
    (n, initializers[n].Dims.ToArray(), TensorProtos.ToArray<float>(initializers[n]))));
if (args.Contains("--initial-only"))
{
    return 0;
}

// The training batches, from a loader with the trainer's options (prefetch included).
var loader = new BatchLoader(splits.Train, new BatchLoaderOptions
{
    BatchSize = job.Data.BatchSize,
    Shuffle = true,
    DropLast = splits.Train.Count > job.Data.BatchSize,
    Augment = true,
    Seed = job.Seed,
    Prefetch = job.Data.Prefetch,
    TargetStatistics = splits.TargetStatistics,
});
using (var train = File.Create(Path.Combine(folder, "train.bin")))
{
    for (var epoch = 0; epoch < job.Epochs; epoch++)
    {
        foreach (var batch in loader.Epoch(epoch))
        {
            WriteBatch(train, batch);
        }
    }
}

var evaluation = new BatchLoader(splits.Validation, new BatchLoaderOptions
{
    BatchSize = Math.Max(job.Data.BatchSize, 256),
    Seed = job.Seed,
    Prefetch = 0,
    TargetStatistics = splits.TargetStatistics,
});
using (var test = File.Create(Path.Combine(folder, "test.bin")))
{
    foreach (var batch in evaluation.Epoch(0))
    {
        WriteBatch(test, batch);
    }
}

var recorder = new StepRecorder();
var result = new MultiTaskTrainer(job, new TrainerOptions { Threads = threads, Observer = recorder, WriteReport = false })
    .Run();
var last = TrainingCheckpoint.Load(result.LastCheckpoint);
WriteParameters(Path.Combine(folder, "final"), last.Tensors
    .Where(t => t.Role == CheckpointTensorRole.Trainable)
    .Select(t => (t.Name, t.Shape.ToArray(), t.Data)));
File.WriteAllText(Path.Combine(folder, "mtlonnx.json"), JsonSerializer.Serialize(new
{
    batch_size = job.Data.BatchSize,
    batches_per_epoch = loader.BatchCount,
    epochs = job.Epochs,
    side = splits.Train.Layout.SampleSize,
    steps = recorder.Losses,
    epoch_metrics = result.History.Select(h => h.ValidationMetrics.ToDictionary(m => m.Key, m => m.Value["accuracy"])),
}));
Console.WriteLine($"wrote {folder}: {recorder.Losses.Count} steps, {loader.BatchCount} batches per epoch");
return 0;

static void WriteBatch(Stream stream, Batch batch)
{
    // Pixels go out as bytes: the preset's normalisation is v / 255, so v = x * 255 is an integer.
    var count = batch.Count * batch.Layout.SampleSize;
    var pixels = new byte[count];
    for (var i = 0; i < count; i++)
    {
        var v = batch.Inputs[i] * 255f;
        var rounded = MathF.Round(v);
        if (MathF.Abs(v - rounded) > 1e-3f)
        {
            throw new InvalidOperationException($"Pixel {i} is {batch.Inputs[i]}, not a multiple of 1/255.");
        }

        pixels[i] = (byte)rounded;
    }

    var header = new byte[4];
    BitConverter.TryWriteBytes(header, batch.Count);
    stream.Write(header);
    stream.Write(pixels);
    foreach (var task in batch.Tasks)
    {
        var labels = new byte[batch.Count * sizeof(long)];
        Buffer.BlockCopy(task.Classes, 0, labels, 0, labels.Length);
        stream.Write(labels);
    }
}

static void WriteParameters(string folder, IEnumerable<(string Name, long[] Shape, float[] Data)> tensors)
{
    Directory.CreateDirectory(folder);
    var index = new List<object>();
    foreach (var (name, shape, data) in tensors)
    {
        var file = name.Replace('/', '_').Replace(':', '_') + ".f32";
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(Path.Combine(folder, file), bytes);
        index.Add(new { name, shape, file });
    }

    File.WriteAllText(Path.Combine(folder, "index.json"), JsonSerializer.Serialize(index));
}

/// <summary>Keeps the losses of every training step.</summary>
internal sealed class StepRecorder : ITrainingObserver
{
    public List<float[]> Losses { get; } = [];

    public void OnStart(TrainingPlan plan)
    {
    }

    public void OnStep(StepProgress progress) => Losses.Add([.. progress.Losses]);

    public void OnEpoch(EpochRecord record) =>
        Console.WriteLine($"epoch {record.Epoch + 1}: " + string.Join(", ", record.ValidationMetrics.Select(m =>
            $"{m.Key} {m.Value["accuracy"]:F4}")));

    public void OnMessage(string message) => Console.WriteLine(message);
}
