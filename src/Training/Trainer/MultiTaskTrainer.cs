using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Reports;
using MtlOnnx.Training.Schedulers;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Training.Trainer;

/// <summary>
/// Trains a job: loads its data, builds its model, and runs epochs of training steps with the job's multi-task
/// method, optimizer and schedule; validates after each epoch, keeps the best checkpoint, stops early, resumes
/// from the last checkpoint, and writes a report. Cancelling the token (Ctrl+C) saves a checkpoint at the current
/// step and returns; resuming then continues the same trajectory.
/// </summary>
/// <remarks>
/// The output folder holds <c>last.ckpt</c> (what <c>--resume</c> reads), <c>best.ckpt</c>, <c>history.json</c>,
/// <c>metrics.json</c> and <c>report/index.html</c>. Dropout masks are drawn from the job's seed and the step, and
/// the checkpoint keeps the multi-task method's own state (<see cref="Multitask.IMultitaskMethod.SaveState"/>: learned
/// weights, moving averages, warm starts, random streams), so a resumed run draws the same masks and takes the same
/// steps as a run that went through.
/// </remarks>
public sealed class MultiTaskTrainer
{
    /// <summary>The file name of the checkpoint <c>--resume</c> continues from.</summary>
    public const string LastCheckpointName = "last.ckpt";

    /// <summary>The file name of the best checkpoint.</summary>
    public const string BestCheckpointName = "best.ckpt";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
    private readonly JobSpec _job;
    private readonly TrainerOptions _options;

    /// <summary>Initializes a trainer for a job.</summary>
    /// <param name="job">The job.</param>
    /// <param name="options">The run options, or <see langword="null"/> for defaults.</param>
    public MultiTaskTrainer(JobSpec job, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        _job = job;
        _options = options ?? new TrainerOptions();
    }

    /// <summary>Runs the job to its last epoch, to early stopping, or until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Cancelled by Ctrl+C: the trainer saves a checkpoint after the current step and returns.</param>
    /// <returns>The result.</returns>
    /// <exception cref="JobFileException">The job cannot be run as written.</exception>
    /// <exception cref="DataSourceException">The data cannot be read.</exception>
    /// <exception cref="FileNotFoundException">Resuming, but the output folder has no last checkpoint.</exception>
    /// <exception cref="CheckpointException">Resuming found a checkpoint that does not fit the job.</exception>
    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var output = _job.OutputDirectory;
        Directory.CreateDirectory(output);
        var logger = _options.Logger;
        var observer = _options.Observer;

        var splits = DatasetFactory.Create(_job);
        foreach (var warning in splits.Warnings)
        {
            observer?.OnMessage($"warning: skipped {warning}");
        }

        if (splits.Warnings.Count > 0)
        {
            observer?.OnMessage($"{splits.Warnings.Count} bad rows were skipped.");
        }

        var model = ModelFactory.Build(_job, splits.BuildOptions());
        var method = Components.Method(_job);
        using var device = TrainingDevice.Resolve(_job.Device, logger);
        using var engine = new StepEngine(model, method, _job.Optimizer, device, _options.Threads,
            _job.Seed, _options.BatchShards, _job.Data.BatchSize);
        if (logger is not null)
        {
            TrainerLog.StepShards(logger, engine.Shards);
        }

        var train = splits.TrainingLoader(_job);
        var validation = splits.EvaluationLoader(_job, splits.Validation);

        var batches = train.BatchCount;
        var totalSteps = (long)batches * _job.Epochs;
        var scheduler = Components.Scheduler(_job, totalSteps, batches);
        var state = new RunState().WithLosses(engine.LossNames.Count);
        var history = new List<EpochRecord>();
        var lastPath = Path.Combine(output, LastCheckpointName);
        var bestPath = Path.Combine(output, BestCheckpointName);
        var historyPath = Path.Combine(output, "history.json");
        if (_options.Resume)
        {
            if (!File.Exists(lastPath))
            {
                throw new FileNotFoundException(
                    $"Cannot resume job '{_job.Name}': its last checkpoint '{lastPath}' does not exist. Train once without --resume first.",
                    lastPath);
            }

            var checkpoint = TrainingCheckpoint.Load(lastPath);
            engine.Load(checkpoint, parametersOnly: false);
            state = RunState.From(checkpoint.Properties, engine.LossNames.Count);
            if (checkpoint.Scheduler is { } saved)
            {
                scheduler = LearningRateScheduler.FromState(saved);
            }

            if (File.Exists(historyPath))
            {
                history = JsonSerializer.Deserialize<List<EpochRecord>>(File.ReadAllText(historyPath)) ?? [];
                history.RemoveAll(h => h.Epoch >= state.Epoch);
            }

            TrainerLog.Resumed(logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, lastPath, state.Epoch, state.Batch);
        }

        var lossNames = Enumerable.Range(0, engine.LossNames.Count).Select(i => Evaluator.LossKey(model, i)).ToArray();
        observer?.OnStart(new TrainingPlan(
            _job.Epochs,
            batches,
            state.Epoch,
            state.Batch,
            lossNames,
            $"{splits.Train.Description}; {model.TrainableElementCount:N0} trained parameters; method {method.Name}; " +
            $"{device.Name}{(engine.Shards > 1 ? $", {engine.Shards} batch shards" : "")}"));

        var interrupted = false;
        while (state.Epoch < _job.Epochs && !state.Stopped)
        {
            var clock = Stopwatch.StartNew();
            var processorStart = ProcessorSeconds();
            var samples = 0;
            var batchIndex = state.Batch;
            foreach (var batch in train.Epoch(state.Epoch, state.Batch, CancellationToken.None))
            {
                var rate = scheduler?.LearningRate ?? Components.ConstantRate(_job, engine.StepCount);
                var losses = engine.TrainStep(batch, rate);
                scheduler?.Step();
                Evaluator.Accumulate(model, batch, losses, state.LossSums, state.LossWeights);
                samples += batch.Count;
                batchIndex++;
                observer?.OnStep(new StepProgress(state.Epoch, batchIndex, batches, losses, samples / clock.Elapsed.TotalSeconds, rate));
                if (cancellationToken.IsCancellationRequested)
                {
                    interrupted = batchIndex < batches || state.Epoch + 1 < _job.Epochs;
                    break;
                }
            }

            if (interrupted && batchIndex < batches)
            {
                state.Batch = batchIndex;
                Save(lastPath, engine, scheduler, state, splits);
                observer?.OnMessage($"Interrupted: saved {lastPath} at epoch {state.Epoch + 1}, batch {batchIndex}. " +
                    "Run again with --resume to continue.");
                break;
            }

            var trainingSeconds = clock.Elapsed.TotalSeconds;
            var processorPerStep = (ProcessorSeconds() - processorStart) / Math.Max(1, batchIndex - state.Batch);
            var result = Evaluator.Evaluate(engine, model, validation, CancellationToken.None);
            engine.CompleteEpoch();
            var record = new EpochRecord
            {
                Epoch = state.Epoch,
                TrainLoss = lossNames.Select((n, i) => (n, i)).ToDictionary(p => p.n,
                    p => state.LossWeights[p.i] > 0 ? state.LossSums[p.i] / state.LossWeights[p.i] : double.NaN),
                ValidationLoss = new Dictionary<string, double>(result.Losses),
                ValidationMetrics = result.Metrics.ToDictionary(m => m.Key, m => new Dictionary<string, double>(m.Value)),
                TaskWeights = model.Tasks.Select((t, i) => (t.Task.Name, i)).ToDictionary(p => p.Name,
                    p => (double)(method.GradientSource == Multitask.GradientSource.None
                        ? engine.LossWeights[p.i]
                        : engine.HeadWeights[p.i])),
                LearningRate = scheduler?.LearningRate ?? Components.ConstantRate(_job, engine.StepCount),
                SamplesPerSecond = samples / Math.Max(1e-9, trainingSeconds),
                CpuSecondsPerStep = processorPerStep,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            history.Add(record);
            observer?.OnEpoch(record);

            var quantity = Quantity(result, model);
            var delta = _job.EarlyStopping.MinDelta;
            var improved = state.BestEpoch < 0 ||
                (Maximize ? quantity > state.Best + delta : quantity < state.Best - delta);
            state.Epoch++;
            state.Batch = 0;
            Array.Clear(state.LossSums);
            Array.Clear(state.LossWeights);
            if (improved)
            {
                state.Best = quantity;
                state.BestEpoch = record.Epoch;
                state.BadEpochs = 0;
                Save(bestPath, engine, scheduler, state, splits);
            }
            else if (++state.BadEpochs >= _job.EarlyStopping.Patience && _job.EarlyStopping.Patience > 0)
            {
                state.Stopped = true;
                observer?.OnMessage($"Early stopping: {_job.EarlyStopping.Metric} has not improved for {state.BadEpochs} epochs.");
            }

            Save(lastPath, engine, scheduler, state, splits);
            WriteJson(historyPath, history);
            if (interrupted)
            {
                observer?.OnMessage($"Interrupted: saved {lastPath} after epoch {state.Epoch}. Run again with --resume to continue.");
                break;
            }
        }

        string? report = null;
        EvaluationResult? bestValidation = null;
        EvaluationResult? test = null;
        if (!interrupted && File.Exists(bestPath))
        {
            engine.Load(TrainingCheckpoint.Load(bestPath), parametersOnly: true);
            bestValidation = Evaluator.Evaluate(engine, model, validation, CancellationToken.None);
            if (splits.Test is { } testSplit)
            {
                test = Evaluator.Evaluate(engine, model, splits.EvaluationLoader(_job, testSplit), CancellationToken.None);
            }

            WriteJson(Path.Combine(output, "metrics.json"), new Dictionary<string, object?>
            {
                ["best_epoch"] = state.BestEpoch,
                ["validation"] = bestValidation.Metrics,
                ["validation_loss"] = bestValidation.Losses,
                ["test"] = test?.Metrics,
                ["test_loss"] = test?.Losses,
            });
        }

        if (_options.WriteReport && history.Count > 0)
        {
            report = TrainingReport.Write(Path.Combine(output, "report"), _job.Name, history,
                (test ?? bestValidation)?.Metrics, test is null ? "validation" : "test");
        }

        return new TrainingResult
        {
            Interrupted = interrupted,
            History = history,
            BestEpoch = state.BestEpoch,
            BestCheckpoint = File.Exists(bestPath) ? bestPath : null,
            LastCheckpoint = lastPath,
            Validation = bestValidation,
            Test = test,
            ReportPath = report,
            OutputDirectory = output,
        };
    }

    private bool Maximize => _job.EarlyStopping.Metric != "loss" &&
        Metrics.TaskMetricsFactory.HigherIsBetter(_job.EarlyStopping.Metric[(_job.EarlyStopping.Metric.IndexOf('.',
            StringComparison.Ordinal) + 1)..]);

    private double Quantity(EvaluationResult result, MultiTaskModel model)
    {
        var metric = _job.EarlyStopping.Metric;
        if (metric == "loss")
        {
            return model.Tasks.Sum(t => result.Losses.GetValueOrDefault(t.Task.Name));
        }

        return result.Find(metric) ?? double.NaN;
    }

    private void Save(string path, StepEngine engine, LearningRateScheduler? scheduler, RunState state, DataSplits splits)
    {
        var checkpoint = new TrainingCheckpoint();
        engine.Save(checkpoint);
        checkpoint.LearningRate = scheduler?.LearningRate ?? Components.ConstantRate(_job, engine.StepCount);
        checkpoint.LearningRateIsConstant = scheduler is null;
        checkpoint.Scheduler = scheduler?.GetState();
        state.WriteTo(checkpoint.Properties);
        checkpoint.Properties.AddProperty("job.name", _job.Name);
        checkpoint.Properties.AddProperty("model.vocabulary_size", (long)splits.VocabularySize);
        checkpoint.Properties.AddProperty("model.target_statistics", JsonSerializer.Serialize(splits.TargetStatistics));
        checkpoint.Save(path);
    }

    private static double ProcessorSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static void WriteJson<T>(string path, T value)
    {
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(value, s_json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The position and bookkeeping of a run, saved in checkpoints so that a resumed run continues exactly.</summary>
    private sealed class RunState
    {
        public int Epoch { get; set; }

        public int Batch { get; set; }

        public double Best { get; set; } = double.NaN;

        public int BestEpoch { get; set; } = -1;

        public int BadEpochs { get; set; }

        public bool Stopped { get; set; }

        public double[] LossSums { get; private set; } = [];

        public double[] LossWeights { get; private set; } = [];

        public static RunState From(CheckpointProperties properties, int losses)
        {
            string Text(string name) => (string)properties.GetProperty(name);
            double Number(string name) => double.Parse(Text(name), CultureInfo.InvariantCulture);
            var state = new RunState
            {
                Epoch = (int)(long)properties.GetProperty("trainer.epoch"),
                Batch = (int)(long)properties.GetProperty("trainer.batch"),
                Best = Number("trainer.best"),
                BestEpoch = (int)(long)properties.GetProperty("trainer.best_epoch"),
                BadEpochs = (int)(long)properties.GetProperty("trainer.bad_epochs"),
                Stopped = (long)properties.GetProperty("trainer.stopped") != 0,
            };
            state.LossSums = Text("trainer.loss_sums").Split(' ',
                StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v,
                CultureInfo.InvariantCulture)).ToArray();
            state.LossWeights = Text("trainer.loss_weights").Split(' ',
                StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v,
                CultureInfo.InvariantCulture)).ToArray();
            if (state.LossSums.Length != losses || state.LossWeights.Length != losses)
            {
                throw new CheckpointMismatchException(
                    $"The checkpoint tracks {state.LossSums.Length} losses, but the job's model has {losses}.");
            }

            return state;
        }

        public RunState WithLosses(int count)
        {
            LossSums = new double[count];
            LossWeights = new double[count];
            return this;
        }

        public void WriteTo(CheckpointProperties properties)
        {
            properties.AddProperty("trainer.epoch", (long)Epoch);
            properties.AddProperty("trainer.batch", (long)Batch);
            properties.AddProperty("trainer.best", Best.ToString("R", CultureInfo.InvariantCulture));
            properties.AddProperty("trainer.best_epoch", (long)BestEpoch);
            properties.AddProperty("trainer.bad_epochs", (long)BadEpochs);
            properties.AddProperty("trainer.stopped", Stopped ? 1L : 0L);
            properties.AddProperty("trainer.loss_sums", string.Join(' ', LossSums.Select(v => v.ToString("R",
                CultureInfo.InvariantCulture))));
            properties.AddProperty("trainer.loss_weights", string.Join(' ', LossWeights.Select(v => v.ToString("R",
                CultureInfo.InvariantCulture))));
        }
    }
}
