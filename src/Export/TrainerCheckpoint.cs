using System.Globalization;
using System.Security.Cryptography;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;
using CardInputKind = MtlOnnx.ModelCards.InputKind;
using CardTaskKind = MtlOnnx.ModelCards.TaskKind;
using JobInputKind = MtlOnnx.Training.Jobs.InputKind;
using JobTaskKind = MtlOnnx.Training.Jobs.TaskKind;

namespace MtlOnnx.Export;

/// <summary>
/// Builds an <see cref="ExportSource"/> from a checkpoint that <c>mtlonnx train</c> wrote (<c>best.ckpt</c>,
/// <c>last.ckpt</c>) and the job it was trained with: the eval graph and trained values, one export task per job
/// task, a complete model card (inputs with their preprocessing, tasks with labels and units, provenance with the
/// job hash, the dataset and the checkpoint's metrics), the tokenizer files of text jobs, and a validation set
/// drawn from the job's data.
/// </summary>
public static class TrainerCheckpoint
{
    private const string JobNameProperty = "job.name";
    private const int LoaderBatchSize = 256;

    /// <summary>Computes the hash the model card records for a job file: SHA-256 of its UTF-8 text, lower-case hex.
    /// </summary>
    /// <param name="jobText">The job file's text.</param>
    /// <returns>64 hexadecimal digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="jobText"/> is null.</exception>
    public static string HashJob(string jobText)
    {
        ArgumentNullException.ThrowIfNull(jobText);
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(jobText)));
    }

    /// <summary>Reads a trainer checkpoint with its job.</summary>
    /// <param name="job">The job the checkpoint was trained with.</param>
    /// <param name="checkpoint">The checkpoint file.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The export source; its default model name is the job's name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="checkpoint"/> is empty, or
    /// <see cref="TrainerCheckpointOptions.ValidationSamples"/> is negative.</exception>
    /// <exception cref="ParameterMismatchException">The checkpoint was trained by another job, or its tensors do not
    /// fit the job's model.</exception>
    /// <exception cref="ExportException">The checkpoint is missing or unreadable, or the job's data cannot be read.
    /// </exception>
    public static ExportSource Load(JobSpec job, string checkpoint, TrainerCheckpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrEmpty(checkpoint);
        options ??= new TrainerCheckpointOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.ValidationSamples, nameof(options));
        var path = Path.GetFullPath(checkpoint);
        if (!File.Exists(path))
        {
            throw new ExportException(
                $"Checkpoint '{path}' does not exist; pass a checkpoint that mtlonnx train wrote, such as " +
                $"'{Path.Combine(job.OutputDirectory, MultiTaskTrainer.BestCheckpointName)}'.");
        }

        try
        {
            CheckJobName(job, path);
            using var evaluator = new CheckpointEvaluator(job, path, options.Threads);
            return Build(job, path, evaluator, options);
        }
        catch (CheckpointMismatchException ex)
        {
            throw new ParameterMismatchException(
                $"Checkpoint '{path}' does not fit the model of job '{job.Name}': {ex.Message}", ex);
        }
        catch (CheckpointException ex)
        {
            throw new ExportException($"Checkpoint '{path}' cannot be read: {ex.Message}", ex);
        }
        catch (DataSourceException ex)
        {
            throw new ExportException(
                $"The data of job '{job.Name}', which the export of '{path}' evaluates, cannot be read: {ex.Message}",
                ex);
        }
    }

    /// <summary>Maps a job's task kind to the model card's.</summary>
    /// <param name="kind">The job's task kind.</param>
    /// <returns>The card's task kind.</returns>
    internal static CardTaskKind CardKind(JobTaskKind kind) => kind switch
    {
        JobTaskKind.Multiclass => CardTaskKind.Multiclass,
        JobTaskKind.Multilabel => CardTaskKind.Multilabel,
        JobTaskKind.Binary => CardTaskKind.Binary,
        _ => CardTaskKind.Regression,
    };

    private static void CheckJobName(JobSpec job, string path)
    {
        var saved = TrainingCheckpoint.Load(path);
        if (saved.Properties.TryGetProperty(JobNameProperty, out var name) && name is string trainedBy
            && trainedBy != job.Name)
        {
            throw new ParameterMismatchException(
                $"Checkpoint '{path}' was trained by job '{trainedBy}', but the job given is '{job.Name}'; pass the " +
                "job file the checkpoint was trained with.");
        }
    }

    private static ExportSource Build(JobSpec job, string path, CheckpointEvaluator evaluator,
        TrainerCheckpointOptions options)
    {
        var model = evaluator.Model;
        var (evalModel, parameters) = evaluator.ExportParts();
        var tasks = new List<ExportTask>();
        var cardTasks = new List<ModelCardTask>();
        foreach (var outputs in model.Tasks)
        {
            var task = outputs.Task;
            var kind = CardKind(task.Kind);
            var labels = kind == CardTaskKind.Regression ? task.Columns : Labels(task);
            var sourceOutput = outputs.PredictionName ?? outputs.OutputName;
            tasks.Add(new ExportTask(task.Name, kind, sourceOutput) { Labels = labels });

            // The exported regression output is already in the target's units (the graph de-standardises), so the
            // card records no regression mean or standard deviation that a reader would apply a second time.
            cardTasks.Add(new ModelCardTask
            {
                Name = task.Name,
                Kind = kind,
                Labels = [.. labels],
                Outputs = [sourceOutput],
                Units = task.Units,
            });
        }

        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var card = new ModelCard
        {
            Inputs = Inputs(job, model, files),
            Tasks = cardTasks,
            Provenance = Provenance(path, evaluator, options),
        };

        return new ExportSource(evalModel, parameters, tasks)
        {
            InputNames = [.. model.Inputs.Select(i => i.Name)],
            DefaultName = job.Name,
            Card = card,
            Files = files,
            Validation = options.ValidationSamples == 0
                ? null
                : Validation(job, evaluator, options.ValidationSplit, options.ValidationSamples),
        };
    }

    private static List<ModelCardInput> Inputs(JobSpec job, MultiTaskModel model,
        SortedDictionary<string, byte[]> files)
    {
        var inputs = new List<ModelCardInput>();
        switch (job.Input.Kind)
        {
            case JobInputKind.Image:
                inputs.Add(ModelCardInput.ForImage(model.Inputs[0].Name, ManifestDataset.ImageSpecOf(job)));
                break;

            case JobInputKind.Text:
                var text = ManifestDataset.TextSpecOf(job);
                var ids = model.Inputs.First(i => i.Name != ModelInput.AttentionMaskName);
                if (!model.Inputs.Any(i => i.Name == ModelInput.AttentionMaskName))
                {
                    text.AttentionMaskInput = null;
                }

                inputs.Add(ModelCardInput.ForText(ids.Name, text));
                foreach (var file in job.Input.Text.Vocabulary)
                {
                    var resolved = job.ResolvePath(file);
                    files[Path.GetFileName(resolved)] = File.ReadAllBytes(resolved);
                }

                break;

            default:
                foreach (var input in model.Inputs)
                {
                    inputs.Add(new ModelCardInput
                    {
                        Name = input.Name,
                        Kind = CardInputKind.Tensor,
                        ElementType = input.Type,
                        Shape = [Dim.Symbol(ModelInput.BatchDim), .. input.Shape.Select(d => (Dim)d)],
                    });
                }

                break;
        }

        return inputs;
    }

    private static ModelCardProvenance Provenance(string path, CheckpointEvaluator evaluator,
        TrainerCheckpointOptions options)
    {
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var result = evaluator.Evaluate(options.ValidationSplit);
        foreach (var (task, values) in result.Metrics)
        {
            foreach (var (metric, value) in values)
            {
                if (double.IsFinite(value))
                {
                    metrics[$"{task}.{metric}"] = value;
                }
            }
        }

        // The checkpoint's write time, not the clock: exporting the same checkpoint twice gives identical bytes.
        var written = File.GetLastWriteTimeUtc(path);
        return new ModelCardProvenance
        {
            JobHash = options.JobHash ?? "",
            Dataset = evaluator.Splits.Train.Description,
            Metrics = metrics,
            CreatedUtc = new DateTimeOffset(written.Ticks - (written.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
        };
    }

    /// <summary>
    /// Reads the first samples of a split, with targets in the units of the exported outputs (class indices,
    /// 0 or 1, values in the target's units); samples that miss a task's label are left out.
    /// </summary>
    private static ValidationSet? Validation(JobSpec job, CheckpointEvaluator evaluator, string split, int limit)
    {
        var dataset = split switch
        {
            "validation" => evaluator.Splits.Validation,
            "test" => evaluator.Splits.Test
                ?? throw new ExportException($"Job '{job.Name}' has no test split to validate the export on."),
            _ => throw new ExportException($"'{split}' is not a validation split; use validation or test."),
        };

        // No target statistics: the loader then leaves regression targets in their units, as the export outputs them.
        var loader = new BatchLoader(dataset, new BatchLoaderOptions
        {
            BatchSize = LoaderBatchSize,
            Seed = job.Seed,
            Prefetch = 0,
        });
        var model = evaluator.Model;
        var isText = job.Input.Kind == JobInputKind.Text;
        var floats = new List<float>();
        var ids = new List<long>();
        var masks = new List<long>();
        var targets = model.Tasks.Select(_ => new List<float>()).ToArray();
        var count = 0;
        foreach (var batch in loader.Epoch(0))
        {
            for (var row = 0; row < batch.Count && count < limit; row++)
            {
                if (batch.Tasks.Any(t => t.Mask[row] == 0))
                {
                    continue;
                }

                if (isText)
                {
                    ids.AddRange(batch.TokenRow(row));
                    masks.AddRange(batch.MaskRow(row));
                }
                else
                {
                    floats.AddRange(batch.InputRow(row));
                }

                for (var t = 0; t < model.Tasks.Count; t++)
                {
                    var labels = batch.Tasks[t];
                    if (labels.Classes.Length > 0)
                    {
                        targets[t].Add(labels.Classes[row]);
                    }
                    else
                    {
                        targets[t].AddRange(labels.Values.AsSpan(row * labels.Width, labels.Width));
                    }
                }

                count++;
            }

            if (count >= limit)
            {
                break;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var set = new ValidationSet(count);
        foreach (var input in model.Inputs)
        {
            long[] shape = [count, .. input.Shape];
            if (!isText)
            {
                set.AddInput(input.Name, shape, floats.ToArray());
            }
            else
            {
                set.AddInput(input.Name, shape, (input.Name == ModelInput.AttentionMaskName ? masks : ids).ToArray());
            }
        }

        for (var t = 0; t < model.Tasks.Count; t++)
        {
            set.AddTargets(model.Tasks[t].Task.Name, targets[t].ToArray());
        }

        return set;
    }

    private static IReadOnlyList<string> Labels(TaskSpec task)
    {
        if (task.Labels.Count > 0 || task.Kind == JobTaskKind.Binary)
        {
            return task.Labels;
        }

        // A job may leave classes unnamed; the card needs names, so they are the class indices.
        return [.. Enumerable.Range(0, task.OutputCount).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    }
}
