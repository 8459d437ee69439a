using System.Globalization;
using System.Text.Json;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Training.Trainer;

/// <summary>
/// Loads a trained checkpoint with its job and evaluates it: per-task metrics on a split, predictions beside true
/// labels, and the inference-mode graph with the trained values for export.
/// </summary>
public sealed class CheckpointEvaluator : IDisposable
{
    private readonly JobSpec _job;
    private readonly DataSplits _splits;
    private readonly StepEngine _engine;
    private readonly TrainingDevice _device;

    /// <summary>Loads a checkpoint written by <see cref="MultiTaskTrainer"/> for a job.</summary>
    /// <param name="job">The job the checkpoint was trained with.</param>
    /// <param name="checkpoint">The checkpoint file.</param>
    /// <param name="threads">The ONNX Runtime threads; 0 lets the runtime choose.</param>
    /// <exception cref="CheckpointException">The checkpoint is missing, corrupt or does not fit the job's model.</exception>
    /// <exception cref="DataSourceException">The job's data cannot be read.</exception>
    public CheckpointEvaluator(JobSpec job, string checkpoint, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrEmpty(checkpoint);
        _job = job;
        var saved = TrainingCheckpoint.Load(checkpoint);
        _splits = DatasetFactory.Create(job);
        var statistics = saved.Properties.TryGetProperty("model.target_statistics", out var json)
            ? JsonSerializer.Deserialize<Dictionary<string, TargetStatistics>>((string)json) ?? []
            : new Dictionary<string, TargetStatistics>(_splits.TargetStatistics);
        Model = ModelFactory.Build(job, new ModelBuildOptions { TargetStatistics = statistics, VocabularySize = _splits.VocabularySize });
        TargetStatistics = statistics;
        _device = TrainingDevice.Resolve(job.Device);
        _engine = new StepEngine(Model, MultitaskMethods.Create("ew", job.Tasks.Count), job.Optimizer,
            _device, threads, job.Seed, shards: 1);
        _engine.Load(saved, parametersOnly: true);
    }

    /// <summary>Gets the model the checkpoint belongs to.</summary>
    public MultiTaskModel Model { get; }

    /// <summary>Gets the regression statistics the model was trained with.</summary>
    public IReadOnlyDictionary<string, TargetStatistics> TargetStatistics { get; }

    /// <summary>Gets the job's data splits.</summary>
    public DataSplits Splits => _splits;

    /// <summary>Evaluates on a split.</summary>
    /// <param name="split"><c>train</c>, <c>validation</c> or <c>test</c>.</param>
    /// <returns>The losses and metrics.</returns>
    /// <exception cref="ArgumentException">The split is unknown, or the job has no test split.</exception>
    public EvaluationResult Evaluate(string split) => Evaluator.Evaluate(_engine, Model, Loader(split), CancellationToken.None);

    /// <summary>Predicts the first samples of a split and returns them beside their true labels.</summary>
    /// <param name="split">The split.</param>
    /// <param name="count">The number of samples.</param>
    /// <returns>The predictions.</returns>
    public IReadOnlyList<SamplePrediction> Predict(string split, int count)
    {
        var loader = Loader(split);
        var outputs = Model.Tasks.Select(t => new float[loader.BatchSize * t.Task.OutputCount]).ToArray();
        var result = new List<SamplePrediction>();
        foreach (var batch in loader.Epoch(0))
        {
            _engine.EvalStep(batch, outputs);
            for (var r = 0; r < batch.Count && result.Count < count; r++)
            {
                var predicted = new Dictionary<string, string>(StringComparer.Ordinal);
                var actual = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var t = 0; t < Model.Tasks.Count; t++)
                {
                    var task = Model.Tasks[t];
                    var width = task.Task.OutputCount;
                    var row = outputs[t].AsSpan(r * width, width);
                    predicted[task.Task.Name] = Describe(task, row, isLabel: false);
                    var labels = batch.Tasks[t];
                    actual[task.Task.Name] = labels.Mask[r] == 0
                        ? "-"
                        : task.Task.Kind == TaskKind.Multiclass
                            ? task.Task.Labels[(int)labels.Classes[r]]
                            : Describe(task, labels.Values.AsSpan(r * labels.Width, labels.Width), isLabel: true);
                }

                result.Add(new SamplePrediction(batch.Indices[r], predicted, actual));
            }

            if (result.Count >= count)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// Runs the eval step on the first samples of a split, in order, and returns each task's head output as the
    /// trainer computes it: logits for classification, standardised values for regression.
    /// </summary>
    /// <param name="split">The split.</param>
    /// <param name="count">The number of samples; fewer when the split is smaller.</param>
    /// <returns>Per task, in the model's task order, the outputs of the samples one row after another.</returns>
    /// <exception cref="ArgumentException">The split is unknown, or the job has no test split.</exception>
    public IReadOnlyList<float[]> Outputs(string split, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var loader = Loader(split);
        var outputs = Model.Tasks.Select(t => new float[loader.BatchSize * t.Task.OutputCount]).ToArray();
        var result = Model.Tasks.Select(_ => new List<float>()).ToArray();
        var taken = 0;
        foreach (var batch in loader.Epoch(0))
        {
            _engine.EvalStep(batch, outputs);
            var rows = Math.Min(batch.Count, count - taken);
            for (var t = 0; t < Model.Tasks.Count; t++)
            {
                result[t].AddRange(outputs[t].AsSpan(0, rows * Model.Tasks[t].Task.OutputCount));
            }

            taken += rows;
            if (taken >= count)
            {
                break;
            }
        }

        return [.. result.Select(r => r.ToArray())];
    }

    /// <summary>Gets the inference-mode graph (parameters as graph inputs) and the trained values, for export.</summary>
    /// <returns>The graph and the values keyed by parameter name.</returns>
    public (ModelProto EvalModel, IReadOnlyDictionary<string, TensorProto> Parameters) ExportParts()
    {
        var (forward, _) = TrainingGraphs.ParametersAsInputs(Model);
        var evaluation = TrainingGraphs.ToEvaluation(forward);
        var shapes = TrainingGraphs.Shapes(Model);
        var values = _engine.Snapshot().ToDictionary(p => p.Key, p => TensorProtos.FromFloats(p.Key, shapes[p.Key],
            p.Value), StringComparer.Ordinal);
        return (evaluation, values);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _engine.Dispose();
        _device.Dispose();
    }

    private static string Describe(TaskOutputs task, ReadOnlySpan<float> values, bool isLabel)
    {
        switch (task.Task.Kind)
        {
            case TaskKind.Multiclass:
                var best = 0;
                for (var k = 1; k < values.Length; k++)
                {
                    if (values[k] > values[best])
                    {
                        best = k;
                    }
                }

                return task.Task.Labels[best];
            case TaskKind.Binary:
                var positive = isLabel ? values[0] > 0.5f : values[0] > 0;
                return task.Task.Labels.Count == 2 ? task.Task.Labels[positive ? 1 : 0] : positive ? "yes" : "no";
            case TaskKind.Multilabel:
                var on = new List<string>();
                for (var k = 0; k < values.Length; k++)
                {
                    if (isLabel ? values[k] > 0.5f : values[k] > 0)
                    {
                        on.Add(task.Task.Labels[k]);
                    }
                }

                return on.Count == 0 ? "(none)" : string.Join('|', on);
            default:
                var parts = new string[values.Length];
                for (var d = 0; d < values.Length; d++)
                {
                    var original = (values[d] * task.TargetStd[d]) + task.TargetMean[d];
                    parts[d] = original.ToString("0.000", CultureInfo.InvariantCulture);
                }

                return string.Join(", ", parts);
        }
    }

    private BatchLoader Loader(string split)
    {
        var dataset = split switch
        {
            "train" => _splits.Train,
            "validation" => _splits.Validation,
            "test" => _splits.Test ?? throw new ArgumentException($"Job '{_job.Name}' has no test split.", nameof(split)),
            _ => throw new ArgumentException($"'{split}' is not a split; use train, validation or test.", nameof(split)),
        };
        return new BatchLoader(dataset, new BatchLoaderOptions
        {
            BatchSize = Math.Max(64, _job.Data.BatchSize),
            Seed = _job.Seed,
            Prefetch = _job.Data.Prefetch,
            TargetStatistics = TargetStatistics,
        });
    }
}
