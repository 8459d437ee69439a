using System.Text.Json;
using System.Text.Json.Serialization;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// A directory of training artifacts and its manifest: the parameters of the graphs, the losses, and the inputs
/// and outputs that carry running statistics, dropout masks, loss weights and per-loss gradients.
/// </summary>
public sealed class TrainingArtifacts
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Gets the directory.</summary>
    public required string Directory { get; init; }

    /// <summary>Gets the trainable parameters, in the order of the optimizer graph and of flat buffers.</summary>
    public required IReadOnlyList<ParameterDescriptor> Trainable { get; init; }

    /// <summary>Gets the frozen parameters.</summary>
    public required IReadOnlyList<ParameterDescriptor> Frozen { get; init; }

    /// <summary>Gets the names of the scalar loss outputs.</summary>
    public required IReadOnlyList<string> Losses { get; init; }

    /// <summary>Gets the loss-weights input of the training graph, or <see langword="null"/>.</summary>
    public string? LossWeightsInput { get; init; }

    /// <summary>
    /// Gets, for each frozen parameter updated by training, the training-graph output with its new value.
    /// </summary>
    public required IReadOnlyDictionary<string, string> RunningStatistics { get; init; }

    /// <summary>Gets, for each loss and shared tensor, the training-graph output with that loss's gradient.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PerLossGradients { get; init; }

    /// <summary>Gets, for each dropout node whose mask is fed, the training-graph input of the mask.</summary>
    public required IReadOnlyDictionary<string, string> DropoutMaskInputs { get; init; }

    /// <summary>Gets the optimizer.</summary>
    public required OptimizerSpec Optimizer { get; init; }

    /// <summary>Gets the path of the training graph.</summary>
    public string TrainingModelPath => Path.Combine(Directory, ArtifactNames.TrainingModel);

    /// <summary>Gets the path of the evaluation graph.</summary>
    public string EvalModelPath => Path.Combine(Directory, ArtifactNames.EvalModel);

    /// <summary>Gets the path of the optimizer graph.</summary>
    public string OptimizerModelPath => Path.Combine(Directory, ArtifactNames.OptimizerModel);

    /// <summary>Gets the path of the initial checkpoint.</summary>
    public string CheckpointPath => Path.Combine(Directory, ArtifactNames.Checkpoint);

    /// <summary>Reads the manifest of an artifact directory.</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The artifacts.</returns>
    /// <exception cref="FileNotFoundException">The directory has no manifest.</exception>
    /// <exception cref="FormatException">The manifest is not valid.</exception>
    public static TrainingArtifacts Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, ArtifactNames.Manifest);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"'{directory}' has no {ArtifactNames.Manifest}; generate the artifacts with ArtifactGenerator.", path);
        }

        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), s_options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"'{path}' is not a valid artifact manifest: {ex.Message}", ex);
        }

        if (manifest?.Trainable is null || manifest.Losses is null || manifest.Optimizer is null)
        {
            throw new FormatException(
                $"'{path}' is not a valid artifact manifest: it lacks parameters, losses or the optimizer.");
        }

        return new TrainingArtifacts
        {
            Directory = directory,
            Trainable = manifest.Trainable.Select(p => new ParameterDescriptor(p.Name, p.Shape)).ToArray(),
            Frozen = (manifest.Frozen ?? []).Select(p => new ParameterDescriptor(p.Name, p.Shape)).ToArray(),
            Losses = manifest.Losses,
            LossWeightsInput = manifest.LossWeightsInput,
            RunningStatistics = manifest.RunningStatistics ?? [],
            PerLossGradients = (manifest.PerLossGradients ?? []).ToDictionary(
                p => p.Key, p => (IReadOnlyDictionary<string, string>)p.Value, StringComparer.Ordinal),
            DropoutMaskInputs = manifest.DropoutMaskInputs ?? [],
            Optimizer = OptimizerSpecJson.Deserialize(manifest.Optimizer.Value.GetRawText()),
        };
    }

    internal void Save()
    {
        var manifest = new Manifest
        {
            Trainable = Trainable.Select(p => new ParameterEntry { Name = p.Name, Shape = p.Shape }).ToList(),
            Frozen = Frozen.Select(p => new ParameterEntry { Name = p.Name, Shape = p.Shape }).ToList(),
            Losses = [.. Losses],
            LossWeightsInput = LossWeightsInput,
            RunningStatistics = new Dictionary<string, string>(RunningStatistics, StringComparer.Ordinal),
            PerLossGradients = PerLossGradients.ToDictionary(
                p => p.Key, p => new Dictionary<string, string>(p.Value, StringComparer.Ordinal), StringComparer.Ordinal),
            DropoutMaskInputs = new Dictionary<string, string>(DropoutMaskInputs, StringComparer.Ordinal),
            Optimizer = JsonDocument.Parse(OptimizerSpecJson.Serialize(Optimizer)).RootElement.Clone(),
        };

        var path = Path.Combine(Directory, ArtifactNames.Manifest);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(manifest, s_options));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed class Manifest
    {
        public List<ParameterEntry>? Trainable { get; set; }

        public List<ParameterEntry>? Frozen { get; set; }

        public List<string>? Losses { get; set; }

        public string? LossWeightsInput { get; set; }

        public Dictionary<string, string>? RunningStatistics { get; set; }

        public Dictionary<string, Dictionary<string, string>>? PerLossGradients { get; set; }

        public Dictionary<string, string>? DropoutMaskInputs { get; set; }

        public JsonElement? Optimizer { get; set; }
    }

    private sealed class ParameterEntry
    {
        public string Name { get; set; } = string.Empty;

        public long[] Shape { get; set; } = [];
    }
}
