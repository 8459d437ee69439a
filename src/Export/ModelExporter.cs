using System.Text;
using MtlOnnx.Export.Internal;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// Exports a trained model into a model repository: builds the inference graph, optionally reduces its precision
/// (refusing when a task's metric drops too far), verifies it in ONNX Runtime, and writes
/// <c>DIR/name/version/model.onnx</c> with the tokenizer files and <c>DIR/name/config.pbtxt</c> atomically.
/// </summary>
public static class ModelExporter
{
    /// <summary>The file name of the model in a version folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The file name of the explanation model in a version folder.</summary>
    public const string ExplainFileName = "explain.onnx";

    /// <summary>The suffix of each task's saliency output in the explanation model.</summary>
    public const string SaliencySuffix = ExplanationBuilder.SaliencySuffix;

    /// <summary>The metadata key that records the precision.</summary>
    public const string PrecisionKey = "mtlonnx.precision";

    private const int SampleBatchSize = 4;
    private const int SampleSeed = 20240611;

    /// <summary>Exports the model of a training checkpoint directory (<see cref="ExportOptions.Checkpoint"/>).</summary>
    /// <param name="options">The checkpoint directory, and where and how to export.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ArgumentException">The checkpoint directory or the repository is not given.</exception>
    /// <exception cref="ExportException">The directory cannot be read or the model cannot be exported; the
    /// subclasses name the reason as for <see cref="Export(ExportSource, ExportOptions)"/>.</exception>
    public static ExportResult Export(ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Checkpoint, nameof(options));
        return Export(CheckpointDirectory.Load(options.Checkpoint), options);
    }

    /// <summary>Exports a model.</summary>
    /// <param name="source">The eval graph, parameters, tasks and companions.</param>
    /// <param name="options">Where and how to export.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ArgumentException">The repository is not given.</exception>
    /// <exception cref="ParameterMismatchException">The parameters do not fit the graph.</exception>
    /// <exception cref="ExportVerificationException">The export does not compute what the eval graph computes.</exception>
    /// <exception cref="PrecisionRejectedException">A reduced precision changed a metric beyond the limit.</exception>
    /// <exception cref="ModelRepositoryException">The version exists, or the repository cannot be written.</exception>
    /// <exception cref="ExportException">The graph cannot be exported (see the message).</exception>
    public static ExportResult Export(ExportSource source, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Repository, nameof(options));

        // Everything that can be refused is refused before the graph work starts.
        var name = options.Name ?? source.DefaultName ?? source.EvalModel.Graph?.Name ?? "model";
        ModelRepositoryWriter.CheckName(name);
        var version = options.Version ?? ModelRepositoryWriter.NextVersion(options.Repository, name);
        ModelRepositoryWriter.CheckVersion(version);
        var versionDirectory = Path.Combine(Path.GetFullPath(options.Repository), name, version);
        if (Directory.Exists(versionDirectory) && !options.Force)
        {
            throw new ModelRepositoryException(
                $"Version {version} of model '{name}' already exists at '{versionDirectory}'; choose another " +
                "version, or pass force (--force) to replace it.");
        }

        var inference = InferenceModelBuilder.Build(source.EvalModel, source.Parameters, new InferenceModelOptions
        {
            Tasks = source.Tasks,
            InputNames = source.InputNames,
            PostProcessing = options.PostProcessing,
            Logger = options.Logger,
        });
        var card = CompleteCard(source, inference);
        var float32 = inference.Model;
        Stamp(float32, card, ExportPrecision.Float32);
        var float32Bytes = OnnxModelIO.ToBytes(float32);
        var sample = ExportChecks.SampleBatch(float32, SampleBatchSize, SampleSeed);

        double? verified = null;
        if (options.Verify)
        {
            verified = ExportChecks.Verify(
                source.EvalModel, source.Parameters, float32Bytes, source.Tasks, sample, options.VerifyTolerance);
            ExportLog.Verified(options.Logger, name, verified.Value, source.Tasks.Count);
        }

        var bytes = float32Bytes;
        PrecisionReport? precision = null;
        if (options.Precision != ExportPrecision.Float32)
        {
            var reduced = float32.Clone();
            _ = options.Precision == ExportPrecision.Float16
                ? Float16Conversion.Apply(reduced)
                : Int8Quantization.Apply(reduced, options.PerChannel, options.QuantizeConvolutions);
            Stamp(reduced, card, options.Precision);
            bytes = OnnxModelIO.ToBytes(reduced);
            precision = Evaluate(source, options, float32Bytes, bytes, sample, name);
        }

        var versionFiles = new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { [ModelFileName] = bytes };
        if (options.Explain)
        {
            var explanation = ExplanationBuilder.Build(float32, source.Tasks);
            Stamp(explanation, null, ExportPrecision.Float32);
            var explanationBytes = OnnxModelIO.ToBytes(explanation);
            using (var runner = new ModelRunner(explanationBytes, "the explanation model"))
            {
                // One run proves that the runtime accepts every gradient node before anything is written.
                runner.Run(sample, runner.OutputNames);
            }

            versionFiles[ExplainFileName] = explanationBytes;
        }

        foreach (var (file, content) in source.Files)
        {
            versionFiles[file] = content;
        }

        var modelFiles = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var labelFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (task, outputs) in source.Tasks.Zip(inference.Outputs))
        {
            if (task.Labels.Count == 0 || task.Kind is not (TaskKind.Multiclass or TaskKind.Multilabel))
            {
                continue;
            }

            var file = $"{task.Name}_labels.txt";
            modelFiles[file] = Encoding.UTF8.GetBytes(string.Join('\n', task.Labels) + "\n");
            labelFiles[outputs.Raw] = file;
            if (outputs.Probabilities is not null)
            {
                labelFiles[outputs.Probabilities] = file;
            }
        }

        var config = TritonConfig.Create(name, float32, options.MaxBatchSize, labelFiles);
        modelFiles["config.pbtxt"] = Encoding.UTF8.GetBytes(config);
        if (options.Force && Directory.Exists(versionDirectory))
        {
            ExportLog.Replacing(options.Logger, name, version);
        }

        var written = ModelRepositoryWriter.Write(
            options.Repository, name, version, versionFiles, modelFiles, options.Force);
        ExportLog.Exported(options.Logger, name, version, written);
        return new ExportResult(name, version, written, inference, verified, precision);
    }

    private static PrecisionReport Evaluate(
        ExportSource source,
        ExportOptions options,
        byte[] float32,
        byte[] reduced,
        Dictionary<string, TensorData> sample,
        string name)
    {
        var difference = ExportChecks.MaxDifference(float32, reduced, source.Tasks, sample);
        var metrics = new List<TaskMetricChange>();
        if (source.Validation is { } validation)
        {
            var reference = ExportChecks.Metrics(float32, source.Tasks, validation);
            var actual = ExportChecks.Metrics(reduced, source.Tasks, validation);
            foreach (var task in source.Tasks)
            {
                var (metric, value) = actual[task.Name];
                metrics.Add(new TaskMetricChange(task.Name, metric, reference[task.Name].Value, value));
            }
        }

        var report = new PrecisionReport(options.Precision, float32.Length, reduced.Length, difference, metrics);
        foreach (var change in metrics)
        {
            ExportLog.PrecisionMetric(options.Logger, options.Precision, report.Bytes, report.SizeRatio,
                change.Task, change.Metric, change.Float32, change.Value);
        }

        var rejected = metrics
            .Where(m => m.Degradation > (m.HigherIsBetter ? options.MaxAccuracyDrop : options.MaxErrorIncrease))
            .ToList();
        if (rejected.Count > 0)
        {
            throw new PrecisionRejectedException(
                $"The {options.Precision} export of model '{name}' was refused: {string.Join("; ", rejected)}, " +
                $"beyond the limits of {options.MaxAccuracyDrop} accuracy points and {options.MaxErrorIncrease:P0} " +
                $"error increase. {report}",
                report);
        }

        return report;
    }

    /// <summary>
    /// Copies the card with each task's output names filled in, and checks that the card's tasks and tokenizer
    /// files match what is exported.
    /// </summary>
    private static ModelCard? CompleteCard(ExportSource source, InferenceModel inference)
    {
        if (source.Card is null)
        {
            return null;
        }

        var card = ModelCard.FromJson(source.Card.ToJson(), "the source's model card");
        foreach (var outputs in inference.Outputs)
        {
            var task = card.FindTask(outputs.Task) ?? throw new ExportException(
                $"The model card has no task '{outputs.Task}'; its tasks are " +
                $"{string.Join(", ", card.Tasks.Select(t => $"'{t.Name}'"))}.");
            task.Outputs = outputs.All.ToList();
        }

        foreach (var input in card.Inputs)
        {
            foreach (var file in input.Text?.Files ?? [])
            {
                if (!source.Files.TryGetValue(file.Name, out var bytes))
                {
                    throw new ExportException(
                        $"The model card names tokenizer file '{file.Name}' for input '{input.Name}', but the export " +
                        "was not given that file.");
                }

                var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
                if (hash != file.Sha256)
                {
                    throw new ExportException(
                        $"Tokenizer file '{file.Name}' has SHA-256 {hash}, but the model card records {file.Sha256}; " +
                        "the vocabulary is not the one the model was trained with.");
                }
            }
        }

        return card;
    }

    private static void Stamp(ModelProto model, ModelCard? card, ExportPrecision precision)
    {
        model.ProducerName = "MtlOnnx";
        model.ProducerVersion = typeof(ModelExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        model.MetadataProps.Clear();
        card?.WriteTo(model);

        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = PrecisionKey,
            Value = precision switch
            {
                ExportPrecision.Float16 => "float16",
                ExportPrecision.Int8 => "int8",
                _ => "float32",
            },
        });
    }
}
