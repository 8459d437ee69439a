using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Checkpoints;

namespace MtlOnnx.Export;

/// <summary>
/// Reads what an export needs from a training checkpoint directory: <c>eval_model.onnx</c> (the eval graph, as the
/// artifact generator writes it, parameters as graph inputs), <c>checkpoint.safetensors</c> (the trained
/// parameters) and <c>model_card.json</c> (the model card, whose tasks' first output names the eval graph's task
/// tensor), plus the tokenizer files the card names, beside them.
/// </summary>
public static class CheckpointDirectory
{
    /// <summary>The eval graph's file name, as <see cref="ArtifactGenerator"/> writes it.</summary>
    public const string EvalModelFileName = ArtifactNames.EvalModel;

    /// <summary>The checkpoint's file name, as <see cref="ArtifactGenerator"/> writes it.</summary>
    public const string CheckpointFileName = ArtifactNames.Checkpoint;

    /// <summary>The model card's file name.</summary>
    public const string ModelCardFileName = "model_card.json";

    /// <summary>Reads a checkpoint directory.</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The export source; its default model name is the directory's name.</returns>
    /// <exception cref="ExportException">A file is missing or cannot be read; the message names it.</exception>
    public static ExportSource Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new ExportException($"Checkpoint directory '{root}' does not exist.");
        }

        var evalPath = Require(root, EvalModelFileName, "the eval graph");
        var checkpointPath = Require(root, CheckpointFileName, "the trained parameters");
        var cardPath = Require(root, ModelCardFileName, "the model card");

        ModelProto eval;
        TrainingCheckpoint checkpoint;
        ModelCard card;
        try
        {
            eval = OnnxModelIO.Load(evalPath);
            checkpoint = TrainingCheckpoint.Load(checkpointPath);
            card = ModelCard.FromJson(File.ReadAllText(cardPath), cardPath);
        }
        catch (Exception ex) when (ex is ModelFormatException or CheckpointException or ModelCardException or IOException)
        {
            throw new ExportException($"Checkpoint directory '{root}' cannot be read: {ex.Message}", ex);
        }

        var parameters = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var tensor in checkpoint.Tensors)
        {
            if (tensor.Role != CheckpointTensorRole.OptimizerState)
            {
                parameters[tensor.Name] = TensorProtos.FromFloats(tensor.Name, tensor.Shape.ToArray(), tensor.Data);
            }
        }

        var tasks = new List<ExportTask>();
        foreach (var task in card.Tasks)
        {
            if (task.Outputs.Count == 0)
            {
                throw new ExportException(
                    $"Task '{task.Name}' of the model card '{cardPath}' names no output; its first output must be " +
                    $"the tensor of '{EvalModelFileName}' that holds the task's raw output.");
            }

            tasks.Add(new ExportTask(task.Name, task.Kind, task.Outputs[0]) { Labels = task.Labels.ToList() });
        }

        var inputs = new List<string>();
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var input in card.Inputs)
        {
            inputs.Add(input.Name);
            if (input.Text?.AttentionMaskInput is { Length: > 0 } mask)
            {
                inputs.Add(mask);
            }

            foreach (var file in input.Text?.Files ?? [])
            {
                files[file.Name] = File.ReadAllBytes(Require(root, file.Name, $"a tokenizer file of input '{input.Name}'"));
            }
        }

        return new ExportSource(eval, parameters, tasks)
        {
            InputNames = inputs,
            DefaultName = Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)),
            Card = card,
            Files = files,
        };
    }

    private static string Require(string root, string file, string what)
    {
        var path = Path.Combine(root, file);
        if (!File.Exists(path))
        {
            throw new ExportException($"Checkpoint directory '{root}' has no '{file}' ({what}).");
        }

        return path;
    }
}
