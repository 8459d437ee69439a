using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlOnnx.Training.Checkpoints.Internal;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Schedulers;

namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// The state of a training run: parameters and optimizer state as float32 tensors, plus the optimizer step, the
/// learning rate or scheduler, the random-number state, an opaque state of the multi-task method and user
/// properties.
/// </summary>
/// <remarks>
/// <para>
/// A checkpoint is one safetensors file, readable by any safetensors reader: parameters under their own names,
/// optimizer state under <c>optimizer.&lt;parameter&gt;.&lt;slot&gt;</c>. The rest is a JSON document stored as
/// the string <c>__metadata__["mtlonnx.checkpoint"]</c>, next to <c>__metadata__["data_sha256"]</c>, the SHA-256 of
/// the data section, which loading checks.
/// </para>
/// <para>
/// <see cref="Save"/> writes a temporary file beside the target, flushes it to disk and renames it over the target,
/// so a crash while saving leaves the previous checkpoint intact.
/// </para>
/// </remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>The version of the JSON part that this library writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The prefix of optimizer-state tensor names in the file.</summary>
    public const string OptimizerPrefix = "optimizer.";

    // Tensors of another dtype than float32: kept only to say so when a model expects them.
    private readonly List<SafeTensorsEntry> _foreign = [];

    /// <summary>Gets the tensors: parameters first, then optimizer state, in file order.</summary>
    public IList<CheckpointTensor> Tensors { get; } = [];

    /// <summary>Gets or sets the number of optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Gets or sets the learning rate at the time of saving.</summary>
    public float LearningRate { get; set; }

    /// <summary>Gets or sets whether the learning rate was set as a constant (rather than left at its default).</summary>
    public bool LearningRateIsConstant { get; set; }

    /// <summary>Gets or sets the scheduler's state, or <see langword="null"/> when no scheduler is registered.</summary>
    public SchedulerState? Scheduler { get; set; }

    /// <summary>Gets or sets the state words of the training's random-number generator, if it has one.</summary>
    public IReadOnlyList<ulong>? RandomState { get; set; }

    /// <summary>
    /// Gets or sets the multi-task method's state (the binary form of <c>MtlOnnx.Training.Multitask.MethodState</c>
    /// for the trainer; opaque here, stored as base64).
    /// </summary>
    public byte[]? MethodState { get; set; }

    /// <summary>Gets or sets the optimizer the state belongs to, or <see langword="null"/> when not recorded.</summary>
    public OptimizerSpec? Optimizer { get; set; }

    /// <summary>Gets the user properties.</summary>
    public CheckpointProperties Properties { get; } = new();

    /// <summary>Gets the tensors of one role, in file order.</summary>
    /// <param name="role">The role.</param>
    /// <returns>The tensors.</returns>
    public IEnumerable<CheckpointTensor> TensorsWithRole(CheckpointTensorRole role) => Tensors.Where(t => t.Role == role);

    /// <summary>Finds a tensor by role and name.</summary>
    /// <param name="role">The role; parameters match either parameter role.</param>
    /// <param name="name">The name, without the optimizer prefix.</param>
    /// <returns>The tensor, or <see langword="null"/>.</returns>
    public CheckpointTensor? Find(CheckpointTensorRole role, string name) =>
        Tensors.FirstOrDefault(t => t.Name == name && SameKind(t.Role, role));

    /// <summary>Writes the checkpoint to a file through a temporary file and a rename.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="ArgumentException">Two tensors of the same kind have the same name.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var document = new CheckpointDocument
        {
            Version = FormatVersion,
            Step = Step,
            LearningRate = LearningRate,
            LearningRateIsConstant = LearningRateIsConstant,
            Scheduler = Scheduler,
            RandomState = RandomState?.Select(w => w.ToString("x16", CultureInfo.InvariantCulture)).ToList(),
            MethodState = MethodState is null ? null : Convert.ToBase64String(MethodState),
            Optimizer = Optimizer is null ? null : JsonNode.Parse(OptimizerSpecJson.Serialize(Optimizer)),
        };

        foreach (var name in Properties.Names)
        {
            switch (Properties.GetProperty(name))
            {
                case long i:
                    document.Properties.Ints[name] = i;
                    break;
                case float f:
                    document.Properties.Floats[name] = f;
                    break;
                case string s:
                    document.Properties.Strings[name] = s;
                    break;
            }
        }

        var stored = new List<CheckpointTensor>(Tensors.Count);
        foreach (var tensor in Tensors.OrderBy(t => t.Role == CheckpointTensorRole.OptimizerState))
        {
            var fileName = FileName(tensor);
            if (!document.Tensors.TryAdd(fileName, tensor.Role))
            {
                throw new ArgumentException($"The checkpoint holds two tensors named '{fileName}'.", nameof(path));
            }

            stored.Add(fileName == tensor.Name
                ? tensor
                : new CheckpointTensor(fileName, tensor.Role, tensor.Shape, tensor.Data));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = CheckpointDocument.FormatName,
            [CheckpointDocument.Key] = JsonSerializer.Serialize(document, CheckpointDocument.Options),
        };

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            SafeTensors.Write(stream, stored, metadata);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a checkpoint. Plain safetensors files of float32 tensors load as trainable parameters.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or not a checkpoint.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        var (entries, metadata, data) = SafeTensors.Read(File.ReadAllBytes(path), path);
        var document = ReadDocument(metadata, path);
        var checkpoint = new TrainingCheckpoint();
        if (document is not null)
        {
            checkpoint.Step = document.Step;
            checkpoint.LearningRate = document.LearningRate;
            checkpoint.LearningRateIsConstant = document.LearningRateIsConstant;
            checkpoint.Scheduler = document.Scheduler;
            checkpoint.RandomState = document.RandomState?.Select(w => ParseWord(w, path)).ToArray();
            checkpoint.MethodState = ParseBase64(document.MethodState, path);
            checkpoint.Optimizer = ParseOptimizer(document.Optimizer, path);
            foreach (var (name, value) in document.Properties.Ints)
            {
                checkpoint.Properties.AddProperty(name, value);
            }

            foreach (var (name, value) in document.Properties.Floats)
            {
                checkpoint.Properties.AddProperty(name, value);
            }

            foreach (var (name, value) in document.Properties.Strings)
            {
                checkpoint.Properties.AddProperty(name, value);
            }
        }

        foreach (var entry in entries)
        {
            var role = CheckpointTensorRole.Trainable;
            if (document is not null && !document.Tensors.TryGetValue(entry.Name, out role))
            {
                throw new CheckpointFormatException(
                    $"Checkpoint '{path}' cannot be read: tensor '{entry.Name}' is in the file but not in its " +
                    "list of tensors; the file is corrupt.");
            }

            if (entry.DType != "F32")
            {
                checkpoint._foreign.Add(entry);
                continue;
            }

            var prefixed = entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal);
            var name = role == CheckpointTensorRole.OptimizerState && prefixed
                ? entry.Name[OptimizerPrefix.Length..]
                : entry.Name;
            var values = SafeTensors.ReadFloats(data.Span, entry);
            checkpoint.Tensors.Add(new CheckpointTensor(name, role, entry.Shape, values));
        }

        if (document is not null)
        {
            foreach (var name in document.Tensors.Keys)
            {
                if (!entries.Exists(e => e.Name == name))
                {
                    throw new CheckpointFormatException(
                        $"Checkpoint '{path}' cannot be read: its list of tensors names '{name}', which is not in " +
                        "the file; the file is corrupt.");
                }
            }
        }

        return checkpoint;
    }

    /// <summary>
    /// Compares the checkpoint with the tensors a model expects, by name, type and shape, and describes every
    /// difference in a sentence.
    /// </summary>
    /// <param name="parameters">The parameters the model has, trainable and frozen.</param>
    /// <param name="optimizerState">
    /// The optimizer-state tensors the model keeps; when <paramref name="requireOptimizerState"/> is
    /// <see langword="false"/>, a checkpoint without any optimizer state also matches.
    /// </param>
    /// <param name="requireOptimizerState">Whether the optimizer state must be present.</param>
    /// <returns>The differences; empty when the checkpoint fits.</returns>
    public IReadOnlyList<string> Compare(
        IReadOnlyList<ParameterDescriptor> parameters,
        IReadOnlyList<ParameterDescriptor> optimizerState,
        bool requireOptimizerState)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizerState);
        var differences = new List<string>();
        CompareKind(parameters, CheckpointTensorRole.Trainable, "parameter", differences);
        var hasState = Tensors.Any(t => t.Role == CheckpointTensorRole.OptimizerState)
            || _foreign.Any(e => e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal));
        if (requireOptimizerState || hasState)
        {
            CompareKind(optimizerState, CheckpointTensorRole.OptimizerState, "optimizer state", differences);
        }

        return differences;
    }

    private void CompareKind(
        IReadOnlyList<ParameterDescriptor> expected,
        CheckpointTensorRole role,
        string kind,
        List<string> differences)
    {
        var prefix = role == CheckpointTensorRole.OptimizerState ? OptimizerPrefix : string.Empty;
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var descriptor in expected)
        {
            expectedNames.Add(descriptor.Name);
            var tensor = Find(role, descriptor.Name);
            if (tensor is null)
            {
                var foreign = _foreign.Find(e => e.Name == prefix + descriptor.Name);
                differences.Add(foreign is null
                    ? $"The {kind} '{descriptor.Name}' {descriptor.FormatShape()} is missing."
                    : $"The {kind} '{descriptor.Name}' has type {foreign.DType} in the checkpoint, expected F32.");
                continue;
            }

            if (!tensor.Shape.SequenceEqual(descriptor.Shape))
            {
                differences.Add(
                    $"The {kind} '{descriptor.Name}' has shape {ParameterDescriptor.FormatShape(tensor.Shape)} in " +
                    $"the checkpoint, expected {descriptor.FormatShape()}.");
            }
        }

        foreach (var tensor in Tensors)
        {
            if (SameKind(tensor.Role, role) && !expectedNames.Contains(tensor.Name))
            {
                differences.Add($"The checkpoint has the {kind} '{tensor.Name}', which the model does not have.");
            }
        }

        foreach (var entry in _foreign)
        {
            var isState = entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal);
            var sameKind = isState == (role == CheckpointTensorRole.OptimizerState);
            if (sameKind && !expectedNames.Contains(entry.Name[prefix.Length..]))
            {
                differences.Add(
                    $"The checkpoint has the {kind} '{entry.Name[prefix.Length..]}' ({entry.DType}), which the model " +
                    "does not have.");
            }
        }
    }

    private static bool SameKind(CheckpointTensorRole a, CheckpointTensorRole b) =>
        (a == CheckpointTensorRole.OptimizerState) == (b == CheckpointTensorRole.OptimizerState);

    private static string FileName(CheckpointTensor tensor) =>
        tensor.Role == CheckpointTensorRole.OptimizerState ? OptimizerPrefix + tensor.Name : tensor.Name;

    private static CheckpointDocument? ReadDocument(Dictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(CheckpointDocument.Key, out var json))
        {
            return null;
        }

        CheckpointDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<CheckpointDocument>(json, CheckpointDocument.Options);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(
                $"Checkpoint '{path}' cannot be read: its training state is not valid JSON ({ex.Message}).", ex);
        }

        if (document is null || document.Format != CheckpointDocument.FormatName)
        {
            throw new CheckpointFormatException(
                $"Checkpoint '{path}' cannot be read: its training state has format '{document?.Format}', expected " +
                $"'{CheckpointDocument.FormatName}'.");
        }

        if (document.Version is < 1 or > FormatVersion)
        {
            throw new CheckpointFormatException(
                $"Checkpoint '{path}' has format version {document.Version}; this library reads versions 1 to " +
                $"{FormatVersion}.");
        }

        return document;
    }

    private static ulong ParseWord(string word, string path) =>
        ulong.TryParse(word, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CheckpointFormatException(
                $"Checkpoint '{path}' cannot be read: random state word '{word}' is not a 64-bit hexadecimal number.");

    private static byte[]? ParseBase64(string? text, string path)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException ex)
        {
            throw new CheckpointFormatException(
                $"Checkpoint '{path}' cannot be read: the method state is not valid base64.", ex);
        }
    }

    private static OptimizerSpec? ParseOptimizer(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        try
        {
            return OptimizerSpecJson.Deserialize(node.ToJsonString());
        }
        catch (FormatException ex)
        {
            throw new CheckpointFormatException($"Checkpoint '{path}' cannot be read: {ex.Message}", ex);
        }
    }
}
