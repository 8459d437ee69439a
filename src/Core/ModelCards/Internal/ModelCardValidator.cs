using System.Globalization;
using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards.Internal;

/// <summary>
/// Collects every rule a model card breaks, each as a sentence that starts with the field's path, so that one
/// run of the exporter or the server reports all of them at once.
/// </summary>
internal sealed class ModelCardValidator
{
    private static readonly System.Buffers.SearchValues<char> LowerHexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Validate(ModelCard card)
    {
        if (card.SchemaVersion is < 1 or > ModelCard.CurrentSchemaVersion)
        {
            Add("schema_version", $"expected 1 to {ModelCard.CurrentSchemaVersion}, found {card.SchemaVersion}");
        }

        if (string.IsNullOrWhiteSpace(card.MtlOnnxVersion))
        {
            Add("mtlonnx_version", "expected the version of MtlOnnx that wrote the card, found an empty string");
        }

        ValidateInputs(card.Inputs, card.SchemaVersion);
        ValidateTasks(card.Tasks);

        if (card.Provenance is { } provenance)
        {
            ValidateProvenance(provenance);
        }
    }

    public void ValidateAgainst(ModelCard card, GraphProto graph)
    {
        var graphInputs = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            graphInputs.TryAdd(input.Name, input);
        }

        var graphOutputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in graph.Output)
        {
            graphOutputs.Add(output.Name);
        }

        for (var i = 0; i < card.Inputs.Count; i++)
        {
            var input = card.Inputs[i];
            var path = $"inputs[{i}]";
            if (!graphInputs.TryGetValue(input.Name, out var info))
            {
                Add(path + ".name", $"expected the name of a graph input, found '{input.Name}', which the graph "
                    + $"does not have (its inputs are {List(graphInputs.Keys)})");
                continue;
            }

            var actual = (ElementType)(info.Type?.TensorType?.ElemType ?? 0);
            if (actual != ElementType.Undefined && actual != input.ElementType)
            {
                Add(path + ".element_type", $"expected {ElementTypes.Name(actual)} as graph input '{input.Name}' "
                    + $"declares, found {ElementTypes.Name(input.ElementType)}");
            }

            if (input.Text?.AttentionMaskInput is { Length: > 0 } mask && !graphInputs.ContainsKey(mask))
            {
                Add(path + ".text.attention_mask_input", $"expected the name of a graph input, found '{mask}', "
                    + $"which the graph does not have (its inputs are {List(graphInputs.Keys)})");
            }
        }

        for (var t = 0; t < card.Tasks.Count; t++)
        {
            var outputs = card.Tasks[t].Outputs;
            for (var o = 0; o < outputs.Count; o++)
            {
                if (!graphOutputs.Contains(outputs[o]))
                {
                    Add($"tasks[{t}].outputs[{o}]", $"expected the name of a graph output, found '{outputs[o]}', "
                        + $"which the graph does not have (its outputs are {List(graphOutputs)})");
                }
            }
        }
    }

    private void ValidateInputs(IList<ModelCardInput> inputs, int schemaVersion)
    {
        if (inputs.Count == 0)
        {
            Add("inputs", "expected at least one input, found none");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var path = $"inputs[{i}]";
            if (string.IsNullOrEmpty(input.Name))
            {
                Add(path + ".name", "expected the name of a graph input, found an empty string");
            }
            else if (!names.Add(input.Name))
            {
                Add(path + ".name", $"expected a name unique among the inputs, found '{input.Name}' a second time");
            }

            ValidateShape(path + ".shape", input.Shape);
            switch (input.Kind)
            {
                case InputKind.Image:
                    ValidateImageInput(path, input, schemaVersion);
                    break;

                case InputKind.Text:
                    ValidateTextInput(path, input);
                    break;

                default:
                    if (input.Image is not null || input.Text is not null)
                    {
                        Add(path, "expected no image or text section on a tensor input, found one");
                    }

                    break;
            }
        }
    }

    private void ValidateShape(string path, IList<Dim> shape)
    {
        if (shape.Count == 0)
        {
            Add(path, "expected at least the batch dimension, found an empty shape");
            return;
        }

        if (shape[0].IsFixed || shape[0].Param is null)
        {
            Add(path + "[0]", $"expected a symbolic batch dimension such as \"batch\", found {Show(shape[0])}");
        }

        for (var d = 1; d < shape.Count; d++)
        {
            if (shape[d].Value is 0)
            {
                Add($"{path}[{d}]", "expected a positive size or a symbol, found 0");
            }
        }
    }

    private void ValidateImageInput(string path, ModelCardInput input, int schemaVersion)
    {
        if (input.Text is not null)
        {
            Add(path + ".text", "expected no text section on an image input, found one");
        }

        if (input.ElementType != ElementType.Float)
        {
            Add(path + ".element_type", $"expected float for an image input, found {ElementTypes.Name(input.ElementType)}");
        }

        if (input.Image is not { } image)
        {
            Add(path + ".image", "expected the image preprocessing of an image input, found none");
            return;
        }

        path += ".image";
        Positive(path + ".width", image.Width);
        Positive(path + ".height", image.Height);
        if (image.ResizeShorterSide is { } shorter && image.ResizeMode == ResizeMode.ShorterSideCenterCrop
            && shorter < Math.Max(image.Width, image.Height))
        {
            Add(path + ".resize_shorter_side", $"expected at least {Math.Max(image.Width, image.Height)} so that "
                + $"the {image.Width}x{image.Height} centre crop fits, found {shorter}");
        }

        if (image.Channels is not (1 or 3))
        {
            Add(path + ".channels", $"expected 1 (grey) or 3 (colour), found {image.Channels}");
        }
        else if (image.Channels != 3 && schemaVersion < 2)
        {
            Add(path + ".channels", $"expected 3 in a schema_version {schemaVersion} card, which has only RGB images, "
                + $"found {image.Channels}; grey images need schema_version 2");
        }

        PerChannel(path + ".mean", image.Mean, image.Channels, mustBePositive: false);
        PerChannel(path + ".std", image.Std, image.Channels, mustBePositive: true);
        if (!(image.Scale > 0) || !float.IsFinite(image.Scale))
        {
            Add(path + ".scale", $"expected a positive finite factor such as 1/255, found {Show(image.Scale)}");
        }

        Dim[] expected = [Dim.Unknown, image.Channels, image.Height, image.Width];
        var shape = input.Shape;
        var matches = shape.Count == 4;
        for (var d = 1; matches && d < 4; d++)
        {
            matches = shape[d] == expected[d];
        }

        if (!matches)
        {
            Add(path[..path.LastIndexOf('.')] + ".shape", $"expected [batch, {image.Channels}, {image.Height}, "
                + $"{image.Width}] (NCHW, from image.channels, image.height and image.width), "
                + $"found [{string.Join(", ", shape)}]");
        }
    }

    private void ValidateTextInput(string path, ModelCardInput input)
    {
        if (input.Image is not null)
        {
            Add(path + ".image", "expected no image section on a text input, found one");
        }

        if (input.ElementType != ElementType.Int64)
        {
            Add(path + ".element_type", $"expected int64 for a text input, found {ElementTypes.Name(input.ElementType)}");
        }

        if (input.Text is not { } text)
        {
            Add(path + ".text", "expected the text preprocessing of a text input, found none");
            return;
        }

        var shapePath = path + ".shape";
        path += ".text";
        Positive(path + ".max_length", text.MaxLength);
        if (text.Tokenizer == TokenizerKind.WordPiece && text.AddSpecialTokens && text.MaxLength is > 0 and < 2)
        {
            Add(path + ".max_length", $"expected at least 2 to hold [CLS] and [SEP], found {text.MaxLength}");
        }

        Positive(path + ".max_characters", text.MaxCharacters);
        if (input.Shape.Count != 2 || (input.Shape[1].IsFixed && input.Shape[1].Value != text.MaxLength))
        {
            Add(shapePath, $"expected [batch, {text.MaxLength}] (from text.max_length), "
                + $"found [{string.Join(", ", input.Shape)}]");
        }

        if (text.AttentionMaskInput is { } mask && (mask.Length == 0 || mask == input.Name))
        {
            Add(path + ".attention_mask_input", $"expected the name of a second graph input, found '{mask}'");
        }

        var expectedFiles = text.Tokenizer switch
        {
            TokenizerKind.WordPiece => 1,
            TokenizerKind.Bpe => 2,
            TokenizerKind.SentencePiece => 1,
            _ => string.IsNullOrEmpty(text.Encoding) ? 1 : 0,
        };

        if (text.Files.Count != expectedFiles)
        {
            var what = text.Tokenizer switch
            {
                TokenizerKind.WordPiece => "a vocabulary file",
                TokenizerKind.Bpe => "vocab.json and merges.txt",
                TokenizerKind.SentencePiece => "a .model file",
                _ => expectedFiles == 0 ? "no files beside a packaged encoding" : "a .tiktoken file or an encoding",
            };

            Add(path + ".files", $"expected {expectedFiles} ({what}) for tokenizer {text.Tokenizer}, "
                + $"found {text.Files.Count}");
        }

        if (text.Encoding is not null && text.Tokenizer != TokenizerKind.Tiktoken)
        {
            Add(path + ".encoding", $"expected no encoding for tokenizer {text.Tokenizer}, found '{text.Encoding}'");
        }

        for (var f = 0; f < text.Files.Count; f++)
        {
            ValidateFile($"{path}.files[{f}]", text.Files[f]);
        }
    }

    private void ValidateFile(string path, TokenizerFile file)
    {
        // The server opens these names inside the version folder, so anything that could leave it is refused.
        var name = file.Name;
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.Contains('/', StringComparison.Ordinal)
            || name.Contains('\\', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal)
            || name.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            Add(path + ".name", $"expected a plain file name inside the version folder, found '{name}'");
        }

        var hash = file.Sha256;
        if (hash.Length != 64 || hash.AsSpan().IndexOfAnyExcept(LowerHexDigits) >= 0)
        {
            Add(path + ".sha256", $"expected 64 lower-case hexadecimal digits, found '{hash}'");
        }
    }

    private void ValidateTasks(IList<ModelCardTask> tasks)
    {
        if (tasks.Count == 0)
        {
            Add("tasks", "expected at least one task, found none");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var path = $"tasks[{t}]";
            if (string.IsNullOrEmpty(task.Name))
            {
                Add(path + ".name", "expected a task name, found an empty string");
            }
            else if (!names.Add(task.Name))
            {
                Add(path + ".name", $"expected a name unique among the tasks, found '{task.Name}' a second time");
            }

            if (task.Outputs.Count == 0)
            {
                Add(path + ".outputs", "expected at least one graph output, found none");
            }

            for (var o = 0; o < task.Outputs.Count; o++)
            {
                if (string.IsNullOrEmpty(task.Outputs[o]))
                {
                    Add($"{path}.outputs[{o}]", "expected the name of a graph output, found an empty string");
                }
                else if (!outputs.Add(task.Outputs[o]))
                {
                    Add($"{path}.outputs[{o}]", $"expected an output unique across tasks, found '{task.Outputs[o]}' "
                        + "a second time");
                }
            }

            ValidateLabels(path, task);
        }
    }

    private void ValidateLabels(string path, ModelCardTask task)
    {
        var labels = task.Labels;
        var unique = new HashSet<string>(labels, StringComparer.Ordinal);
        if (unique.Count != labels.Count)
        {
            Add(path + ".labels", $"expected distinct labels, found {labels.Count} labels of which "
                + $"{unique.Count} are distinct");
        }

        switch (task.Kind)
        {
            case TaskKind.Multiclass when labels.Count < 2:
                Add(path + ".labels", $"expected at least 2 labels for a multiclass task, found {labels.Count}");
                break;

            case TaskKind.Multilabel when labels.Count < 1:
                Add(path + ".labels", "expected at least 1 label for a multilabel task, found 0");
                break;

            case TaskKind.Binary when labels.Count is not (0 or 2):
                Add(path + ".labels", $"expected 0 or 2 labels (negative, positive) for a binary task, "
                    + $"found {labels.Count}");
                break;

            default:
                break;
        }

        if (task.Kind != TaskKind.Regression)
        {
            if (task.RegressionMean is not null || task.RegressionStd is not null)
            {
                Add(path, $"expected regression_mean and regression_std only on a regression task, found them on "
                    + $"a {task.Kind} task");
            }

            return;
        }

        var width = task.OutputWidth();
        if (task.RegressionMean is { } mean && mean.Count != width)
        {
            Add(path + ".regression_mean", $"expected {width} values (one per predicted value), found {mean.Count}");
        }

        if (task.RegressionStd is { } std)
        {
            if (std.Count != width)
            {
                Add(path + ".regression_std", $"expected {width} values (one per predicted value), found {std.Count}");
            }

            for (var i = 0; i < std.Count; i++)
            {
                if (!(std[i] > 0) || !double.IsFinite(std[i]))
                {
                    Add($"{path}.regression_std[{i}]", $"expected a positive finite value, found {Show(std[i])}");
                }
            }
        }
    }

    private void ValidateProvenance(ModelCardProvenance provenance)
    {
        foreach (var (key, value) in provenance.Metrics)
        {
            if (string.IsNullOrEmpty(key))
            {
                Add("provenance.metrics", "expected non-empty metric names, found an empty one");
            }

            if (!double.IsFinite(value))
            {
                Add($"provenance.metrics.{key}", $"expected a finite number, found {Show(value)}");
            }
        }

        if (provenance.CreatedUtc.Offset != TimeSpan.Zero)
        {
            Add("provenance.created_utc", $"expected a UTC time, found offset {provenance.CreatedUtc.Offset}");
        }
    }

    private void PerChannel(string path, IList<float> values, int channels, bool mustBePositive)
    {
        if (values.Count != channels)
        {
            Add(path, $"expected {channels} {(channels == 1 ? "value" : "values")} (one per channel), "
                + $"found {values.Count}");
        }

        for (var c = 0; c < values.Count; c++)
        {
            var v = values[c];
            if (!float.IsFinite(v) || (mustBePositive && !(v > 0)))
            {
                var what = mustBePositive ? "a positive finite value" : "a finite value";
                Add($"{path}[{c}]", $"expected {what}, found {Show(v)}");
            }
        }
    }

    private void Positive(string path, int value)
    {
        if (value <= 0)
        {
            Add(path, $"expected a positive integer, found {value}");
        }
    }

    private void Add(string path, string message) => _errors.Add($"{path}: {message}.");

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(Dim dim) => dim.Value is { } v
        ? v.ToString(CultureInfo.InvariantCulture)
        : dim.Param is { } p ? $"\"{p}\"" : "an unknown dimension";

    private static string List(IEnumerable<string> names)
    {
        var quoted = string.Join(", ", names.Select(n => $"'{n}'"));
        return quoted.Length == 0 ? "none" : quoted;
    }
}
