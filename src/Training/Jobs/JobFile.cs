using MtlOnnx.Training.Jobs.Internal;
using MtlOnnx.Training.Optimizers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MtlOnnx.Training.Jobs;

/// <summary>
/// Reads job files: YAML with a fixed set of keys per section. Unknown keys, values of the wrong type or out of
/// range, and contradicting options raise <see cref="JobFileException"/> naming the file, the line, the key and
/// what is allowed.
/// </summary>
public static class JobFile
{
    /// <summary>The label names of Fashion-MNIST's ten classes, in class order.</summary>
    public static readonly IReadOnlyList<string> FashionLabels =
        ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    /// <summary>The shape classes of the built-in shapes data set, in class order.</summary>
    public static readonly IReadOnlyList<string> ShapeLabels = ["square", "ellipse", "heart"];

    /// <summary>The factors of the shapes data set that a regression task can predict.</summary>
    public static readonly IReadOnlyList<string> ShapeFactors = ["scale", "rotation", "x", "y"];

    private static readonly string[] TopKeys =
    [
        "name", "seed", "device", "output", "epochs", "input", "trunk", "architecture", "tasks", "data",
        "optimizer", "schedule", "weighting", "gradients", "early_stopping",
    ];

    /// <summary>Reads a job file; relative paths inside it are resolved against its folder.</summary>
    /// <param name="path">The job file.</param>
    /// <returns>The job.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="JobFileException">The file is not a valid job.</exception>
    public static JobSpec Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The job file '{path}' does not exist.", path);
        }

        var text = File.ReadAllText(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        return Parse(text, System.IO.Path.GetFileName(path), directory);
    }

    /// <summary>Parses a job from YAML text.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="sourceName">The name to report in errors, for example the file name.</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against.</param>
    /// <returns>The job.</returns>
    /// <exception cref="JobFileException">The text is not a valid job.</exception>
    public static JobSpec Parse(string yaml, string sourceName = "job.yaml", string baseDirectory = ".")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new JobFileException(
                sourceName,
                (int)ex.Start.Line,
                string.Empty,
                $"the YAML is malformed: {ex.Message.TrimEnd('.')}.");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner reports some unterminated flow collections this way, without a position.
            throw new JobFileException(sourceName, 0, string.Empty, $"the YAML is malformed (an unclosed bracket or quote?): {ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new JobFileException(sourceName, 1, string.Empty, "a job file must be a mapping of keys to values.");
        }

        var top = new YamlSection(root, string.Empty, sourceName).Allow(TopKeys);
        var input = ReadInput(top.Section("input"));
        var trunk = ReadTrunk(top.Section("trunk"), input);
        var data = ReadData(top.Section("data"));
        var tasks = ReadTasks(top, data);
        ValidateTrunkAndInput(top, trunk, input, data);

        return new JobSpec
        {
            Name = top.String("name") ?? "job",
            Seed = top.Int("seed", 0) ?? 0,
            Device = top.Choice("device", "cpu", "cuda", "auto") ?? "cpu",
            Output = top.String("output"),
            Epochs = top.Int("epochs", 1, 1_000_000) ?? 10,
            Input = input,
            Trunk = trunk,
            Architecture = ReadArchitecture(top.Section("architecture"), tasks),
            Tasks = tasks,
            Data = data,
            Optimizer = ReadOptimizer(top.Section("optimizer")),
            Schedule = ReadSchedule(top.Section("schedule")),
            Weighting = ReadMethod(top, "weighting", allowMode: false) ?? new MethodSpec { Name = "ew" },
            Gradients = ReadMethod(top, "gradients", allowMode: true),
            EarlyStopping = ReadEarlyStopping(top.Section("early_stopping"), tasks),
            BaseDirectory = baseDirectory,
        };
    }

    private static InputSpec ReadInput(YamlSection? s)
    {
        if (s is null)
        {
            return new InputSpec();
        }

        var kind = s.Choice("kind", "image", "text", "vector") ?? "image";
        switch (kind)
        {
            case "text":
                s.Allow("kind", "tokenizer", "vocabulary", "encoding", "max_length", "lowercase");
                return new InputSpec
                {
                    Kind = InputKind.Text,
                    Text = new TextInputSpec
                    {
                        Tokenizer = s.Choice("tokenizer", "wordpiece", "bpe", "tiktoken", "sentencepiece") ?? "wordpiece",
                        Vocabulary = s.Strings("vocabulary") ?? [],
                        Encoding = s.String("encoding"),
                        MaxLength = s.Int("max_length", 2, 8192) ?? 64,
                        Lowercase = s.Bool("lowercase") ?? true,
                    },
                };
            case "vector":
                s.Allow("kind", "size");
                return new InputSpec
                {
                    Kind = InputKind.Vector,
                    VectorSize = s.Int("size", 1) ?? throw s.Error("size", $"'{s.Join("size")}' is required for vector inputs."),
                };
            default:
                s.Allow("kind", "width", "height", "channels", "mean", "std", "augmentation");
                var channels = s.Int("channels", 1, 3) ?? 1;
                if (channels == 2)
                {
                    throw s.Error("channels", $"'{s.Join("channels")}' must be 1 (grey) or 3 (RGB), but is 2.");
                }

                var mean = ReadPerChannel(s, "mean", channels, 0f);
                var std = ReadPerChannel(s, "std", channels, 1f);
                if (std.Any(v => v <= 0))
                {
                    throw s.Error("std", $"'{s.Join("std")}' must hold positive numbers.");
                }

                return new InputSpec
                {
                    Kind = InputKind.Image,
                    Image = new ImageInputSpec
                    {
                        Width = s.Int("width", 4, 4096) ?? 32,
                        Height = s.Int("height", 4, 4096) ?? 32,
                        Channels = channels,
                        Mean = mean,
                        Std = std,
                    },
                    Augmentation = ReadAugmentation(s.Section("augmentation")),
                };
        }
    }

    private static float[] ReadPerChannel(YamlSection s, string key, int channels, float fallback)
    {
        var values = s.Numbers(key);
        if (values is null)
        {
            return Enumerable.Repeat(fallback, channels).ToArray();
        }

        if (values.Count == 1)
        {
            return Enumerable.Repeat((float)values[0], channels).ToArray();
        }

        if (values.Count != channels)
        {
            throw s.Error(key, $"'{s.Join(key)}' must hold 1 or {channels} numbers (one per channel), but holds {values.Count}.");
        }

        return values.Select(v => (float)v).ToArray();
    }

    private static AugmentationSpec ReadAugmentation(YamlSection? s)
    {
        if (s is null)
        {
            return new AugmentationSpec();
        }

        s.Allow("crop_scale", "horizontal_flip", "brightness", "contrast", "saturation");
        var crop = s.Numbers("crop_scale", 0.05, 1.0);
        if (crop is not null && (crop.Count != 2 || crop[0] > crop[1]))
        {
            throw s.Error("crop_scale", $"'{s.Join("crop_scale")}' must be two numbers [min, max] with min <= max.");
        }

        return new AugmentationSpec
        {
            CropScaleMin = crop?[0] ?? 1.0,
            CropScaleMax = crop?[1] ?? 1.0,
            HorizontalFlip = s.Number("horizontal_flip", 0, 1) ?? 0,
            Brightness = s.Number("brightness", 0, 1) ?? 0,
            Contrast = s.Number("contrast", 0, 1) ?? 0,
            Saturation = s.Number("saturation", 0, 1) ?? 0,
        };
    }

    private static TrunkSpec ReadTrunk(YamlSection? s, InputSpec input)
    {
        if (s is null)
        {
            return new TrunkSpec
            {
                Kind = input.Kind switch
                {
                    InputKind.Text => TrunkKind.TextEncoder,
                    InputKind.Vector => TrunkKind.Mlp,
                    _ => TrunkKind.LeNet,
                },
            };
        }

        var kindName = s.Choice("kind", "mlp", "lenet", "resnet", "vit", "text-encoder", "onnx")
            ?? throw s.Error("kind", $"'{s.Join("kind")}' is required: mlp, lenet, resnet, vit, text-encoder or onnx.");
        string[] keys = kindName switch
        {
            "mlp" => ["kind", "hidden", "dropout", "frozen"],
            "lenet" => ["kind", "channels", "kernels", "features", "dropout", "frozen"],
            "resnet" => ["kind", "channels", "blocks_per_stage", "frozen"],
            "vit" => ["kind", "patch_size", "dim", "depth", "heads", "mlp_ratio", "dropout", "frozen"],
            "text-encoder" => ["kind", "dim", "depth", "heads", "mlp_ratio", "dropout", "frozen"],
            _ => ["kind", "path", "feature_output", "input_name", "frozen"],
        };
        s.Allow(keys);
        var kind = kindName switch
        {
            "mlp" => TrunkKind.Mlp,
            "lenet" => TrunkKind.LeNet,
            "resnet" => TrunkKind.ResNet,
            "vit" => TrunkKind.Vit,
            "text-encoder" => TrunkKind.TextEncoder,
            _ => TrunkKind.Onnx,
        };
        var channels = s.Ints("channels", 1, 4096) ?? [];
        if (kind == TrunkKind.LeNet && channels.Count is not (0 or 2))
        {
            throw s.Error("channels", $"'{s.Join("channels")}' of a LeNet trunk must hold two numbers, but holds {channels.Count}.");
        }

        var kernels = s.Ints("kernels", 1, 64) ?? [];
        if (kernels.Count is not (0 or 2))
        {
            throw s.Error("kernels", $"'{s.Join("kernels")}' must hold two kernel sizes, but holds {kernels.Count}.");
        }

        var dim = s.Int("dim", 4, 4096) ?? 64;
        var heads = s.Int("heads", 1, 64) ?? 4;
        if (dim % heads != 0)
        {
            throw s.Error("heads", $"'{s.Join("dim")}' ({dim}) must be divisible by '{s.Join("heads")}' ({heads}).");
        }

        var spec = new TrunkSpec
        {
            Kind = kind,
            Hidden = s.Ints("hidden", 1, 1 << 16) ?? [128, 64],
            Channels = channels,
            Kernels = kernels,
            Features = s.Int("features", 1, 1 << 16) ?? 50,
            BlocksPerStage = s.Int("blocks_per_stage", 1, 16) ?? 1,
            PatchSize = s.Int("patch_size", 1, 256) ?? 4,
            Dim = dim,
            Depth = s.Int("depth", 1, 48) ?? 2,
            Heads = heads,
            MlpRatio = s.Int("mlp_ratio", 1, 16) ?? 2,
            Dropout = s.Number("dropout", 0, 0.95) ?? 0,
            Path = s.String("path"),
            FeatureOutput = s.String("feature_output"),
            InputName = s.String("input_name"),
            Frozen = s.Strings("frozen") ?? [],
        };
        if (kind == TrunkKind.Onnx && (spec.Path is null || spec.FeatureOutput is null))
        {
            throw s.Error("kind", $"an onnx trunk needs '{s.Join("path")}' and '{s.Join("feature_output")}'.");
        }

        return spec;
    }

    private static void ValidateTrunkAndInput(YamlSection top, TrunkSpec trunk, InputSpec input, DataSpec data)
    {
        var trunkSection = top.Section("trunk");
        var needs = trunk.Kind switch
        {
            TrunkKind.TextEncoder => InputKind.Text,
            TrunkKind.LeNet or TrunkKind.ResNet or TrunkKind.Vit => InputKind.Image,
            _ => (InputKind?)null,
        };
        if (needs is { } required && required != input.Kind)
        {
            var kind = trunkSection?.String("kind") ?? "the default";
            throw (trunkSection ?? top).Error(
                "kind",
                $"trunk '{kind}' needs a {required.ToString().ToLowerInvariant()} input, " +
                $"but 'input.kind' is {input.Kind.ToString().ToLowerInvariant()}.");
        }

        if (trunk.Kind == TrunkKind.Mlp && input.Kind == InputKind.Text)
        {
            throw (trunkSection ?? top).Error("kind", "an mlp trunk takes image or vector inputs; use text-encoder for text.");
        }

        if (trunk.Kind == TrunkKind.Vit &&
            (input.Image.Width % trunk.PatchSize != 0 || input.Image.Height % trunk.PatchSize != 0))
        {
            throw trunkSection!.Error(
                "patch_size",
                $"'trunk.patch_size' ({trunk.PatchSize}) must divide the image size {input.Image.Width}x{input.Image.Height}.");
        }

        var dataSection = top.Section("data");
        if (data.Source is DataSourceKind.Shapes or DataSourceKind.MultiFashion && input.Kind != InputKind.Image)
        {
            throw (dataSection ?? top).Error("source",
                $"data source '{SourceName(data.Source)}' gives images, but 'input.kind' is {input.Kind.ToString().ToLowerInvariant()}.");
        }

        if (data.Source == DataSourceKind.Shapes &&
            (input.Image.Width != data.Shapes.ImageSize || input.Image.Height != data.Shapes.ImageSize || input.Image.Channels != 1))
        {
            throw (top.Section("input") ?? top).Error(
                "width",
                $"the shapes data set makes grey {data.Shapes.ImageSize}x{data.Shapes.ImageSize} images, " +
                $"so 'input' must have width and height {data.Shapes.ImageSize} and 1 channel.");
        }

        if (data.Source == DataSourceKind.MultiFashion &&
            (input.Image.Width != 36 || input.Image.Height != 36 || input.Image.Channels != 1))
        {
            throw (top.Section("input") ?? top).Error(
                "width",
                "the multi-fashion data set makes grey 36x36 images, so 'input' must have width and height 36 and 1 channel.");
        }

        if (data.Source is DataSourceKind.Csv or DataSourceKind.JsonLines)
        {
            var column = input.Kind switch
            {
                InputKind.Image => data.ImageColumn is null ? "image_column" : null,
                InputKind.Text => data.TextColumn is null ? "text_column" : null,
                _ => data.FeatureColumns.Count == 0 ? "feature_columns" : null,
            };
            if (column is not null)
            {
                throw dataSection!.Error("source",
                    $"a manifest with {input.Kind.ToString().ToLowerInvariant()} inputs needs 'data.{column}'.");
            }

            if (input.Kind == InputKind.Image && input.Image.Channels != 3)
            {
                throw (top.Section("input") ?? top).Error("channels",
                    "images read from a manifest are decoded as RGB, so 'input.channels' must be 3.");
            }

            if (input.Kind == InputKind.Vector && data.FeatureColumns.Count != input.VectorSize)
            {
                throw dataSection!.Error("feature_columns",
                    $"'data.feature_columns' names {data.FeatureColumns.Count} columns, but 'input.size' is {input.VectorSize}.");
            }
        }
    }

    private static string SourceName(DataSourceKind kind) => kind switch
    {
        DataSourceKind.Shapes => "shapes",
        DataSourceKind.MultiFashion => "multi-fashion",
        DataSourceKind.Csv => "csv",
        _ => "jsonl",
    };

    private static DataSpec ReadData(YamlSection? s)
    {
        if (s is null)
        {
            return new DataSpec();
        }

        s.Allow(
            "source", "path", "validation", "test", "validation_fraction", "image_column", "text_column",
            "feature_columns", "batch_size", "prefetch", "skip_bad_rows", "train_limit", "test_limit", "shapes");
        var source = s.Choice("source", "shapes", "multi-fashion", "csv", "jsonl") ?? "shapes";
        var kind = source switch
        {
            "multi-fashion" => DataSourceKind.MultiFashion,
            "csv" => DataSourceKind.Csv,
            "jsonl" => DataSourceKind.JsonLines,
            _ => DataSourceKind.Shapes,
        };
        if (kind is DataSourceKind.Csv or DataSourceKind.JsonLines && s.String("path") is null)
        {
            throw s.Error("source", $"a {source} source needs 'data.path', the training manifest.");
        }

        var shapes = s.Section("shapes");
        if (shapes is not null && kind != DataSourceKind.Shapes)
        {
            throw s.Error("shapes", $"'data.shapes' only applies to the shapes source, but the source is {source}.");
        }

        return new DataSpec
        {
            Source = kind,
            Path = s.String("path"),
            Validation = s.String("validation"),
            Test = s.String("test"),
            ValidationFraction = s.Number("validation_fraction", 0, 0.9) ?? 0.1,
            ImageColumn = s.String("image_column"),
            TextColumn = s.String("text_column"),
            FeatureColumns = s.Strings("feature_columns") ?? [],
            BatchSize = s.Int("batch_size", 1, 1 << 20) ?? 64,
            Prefetch = s.Int("prefetch", 0, 64) ?? 2,
            SkipBadRows = s.Bool("skip_bad_rows") ?? false,
            TrainLimit = s.Int("train_limit", 1, 120_000) ?? 120_000,
            TestLimit = s.Int("test_limit", 1, 10_000) ?? 10_000,
            Shapes = ReadShapes(shapes),
        };
    }

    private static ShapesDataSpec ReadShapes(YamlSection? s)
    {
        if (s is null)
        {
            return new ShapesDataSpec();
        }

        s.Allow("image_size", "train_size", "validation_size", "test_size", "compositional_holdout");
        return new ShapesDataSpec
        {
            ImageSize = s.Int("image_size", 16, 256) ?? 32,
            TrainSize = s.Int("train_size", 1) ?? 12_000,
            ValidationSize = s.Int("validation_size", 1) ?? 1_000,
            TestSize = s.Int("test_size", 1) ?? 2_000,
            CompositionalHoldout = s.Bool("compositional_holdout") ?? false,
        };
    }

    private static List<TaskSpec> ReadTasks(YamlSection top, DataSpec data)
    {
        var sections = top.Sections("tasks");
        if (sections is null || sections.Count == 0)
        {
            throw new JobFileException(top.Source, top.Line, "tasks", "key 'tasks' is required and must list at least one task.");
        }

        var tasks = new List<TaskSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sections)
        {
            var task = ReadTask(s, data);
            if (!names.Add(task.Name))
            {
                throw s.Error("name", $"task name '{task.Name}' is used twice; task names must be unique.");
            }

            tasks.Add(task);
        }

        if (data.Source == DataSourceKind.MultiFashion &&
            (tasks.Count != 2 || tasks.Any(t => t.Kind != TaskKind.Multiclass)))
        {
            throw new JobFileException(top.Source, sections[0].Line, "tasks",
                "the multi-fashion source has exactly two multiclass tasks: the top-left item, then the bottom-right item.");
        }

        return tasks;
    }

    private static TaskSpec ReadTask(YamlSection s, DataSpec data)
    {
        s.Allow(
            "name", "kind", "labels", "loss", "label_smoothing", "class_weights", "huber_delta", "columns", "column",
            "units", "head", "metrics");
        var name = s.RequiredString("name");
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw s.Error("name", $"task name '{name}' must use only letters, digits, '_' and '-'.");
        }

        var kindName = s.Choice("kind", "multiclass", "multilabel", "binary", "regression")
            ?? throw s.Error("kind", $"'{s.Join("kind")}' is required: multiclass, multilabel, binary or regression.");
        var kind = kindName switch
        {
            "multiclass" => TaskKind.Multiclass,
            "multilabel" => TaskKind.Multilabel,
            "binary" => TaskKind.Binary,
            _ => TaskKind.Regression,
        };
        var labels = s.Strings("labels") ?? DefaultLabels(kind, name, data);
        if (kind is TaskKind.Multiclass or TaskKind.Multilabel && labels.Count < 2)
        {
            throw s.Error("labels", $"'{s.Join("labels")}' must list at least two labels for a {kindName} task.");
        }

        if (kind == TaskKind.Binary && labels.Count is not (0 or 2))
        {
            throw s.Error("labels", $"'{s.Join("labels")}' of a binary task must list two labels (negative, positive), or none.");
        }

        if (kind == TaskKind.Regression && s.Has("labels"))
        {
            throw s.Error("labels", "a regression task has no labels; name its target columns with 'columns'.");
        }

        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
        {
            throw s.Error("labels", $"'{s.Join("labels")}' lists a label twice.");
        }

        var loss = ReadLoss(s, kind, kindName);
        var smoothing = s.Number("label_smoothing", 0, 0.999) ?? 0;
        var weights = s.Numbers("class_weights", 0) ?? [];
        if (kind != TaskKind.Multiclass && (s.Has("label_smoothing") || s.Has("class_weights")))
        {
            throw s.Error(s.Has("label_smoothing") ? "label_smoothing" : "class_weights",
                "label smoothing and class weights apply to multiclass tasks only.");
        }

        if (weights.Count != 0 && weights.Count != labels.Count)
        {
            throw s.Error("class_weights",
                $"'{s.Join("class_weights")}' must hold one weight per label ({labels.Count}), but holds {weights.Count}.");
        }

        var columns = s.Strings("columns") ?? [];
        if (kind != TaskKind.Regression && s.Has("columns"))
        {
            throw s.Error("columns", "'columns' names the targets of a regression task; classification tasks use 'column'.");
        }

        if (kind == TaskKind.Regression && columns.Count == 0)
        {
            columns = s.String("column") is { } single ? [single] : [name];
        }

        if (data.Source == DataSourceKind.Shapes)
        {
            ValidateShapesTask(s, kind, name, columns, labels);
        }

        return new TaskSpec
        {
            Name = name,
            Kind = kind,
            Labels = labels,
            Loss = loss,
            LabelSmoothing = smoothing,
            ClassWeights = weights,
            HuberDelta = s.Number("huber_delta", 1e-6) ?? 1.0,
            Columns = columns,
            Column = s.String("column"),
            Units = s.String("units"),
            Head = s.Ints("head", 1, 1 << 16) ?? [],
            Metrics = ReadMetrics(s, kind),
        };
    }

    private static IReadOnlyList<string> DefaultLabels(TaskKind kind, string name, DataSpec data)
    {
        if (kind != TaskKind.Multiclass)
        {
            return [];
        }

        return data.Source switch
        {
            DataSourceKind.MultiFashion => FashionLabels,
            DataSourceKind.Shapes when name == "shape" => ShapeLabels,
            _ => [],
        };
    }

    private static void ValidateShapesTask(
        YamlSection s,
        TaskKind kind,
        string name,
        IReadOnlyList<string> columns,
        IReadOnlyList<string> labels)
    {
        var column = s.String("column") ?? name;
        if (kind == TaskKind.Multiclass)
        {
            if (column != "shape" || !labels.SequenceEqual(ShapeLabels))
            {
                throw s.Error("name",
                    $"the shapes source has one classification factor, 'shape', with labels {string.Join(", ", ShapeLabels)}.");
            }

            return;
        }

        if (kind != TaskKind.Regression)
        {
            throw s.Error("kind", "the shapes source has a multiclass factor (shape) and regression factors (scale, rotation, x, y).");
        }

        foreach (var c in columns)
        {
            if (!ShapeFactors.Contains(c))
            {
                throw s.Error("columns",
                    $"'{c}' is not a factor of the shapes source; regression factors are {string.Join(", ", ShapeFactors)}.");
            }
        }
    }

    private static TaskLoss ReadLoss(YamlSection s, TaskKind kind, string kindName)
    {
        var name = s.String("loss");
        if (name is null)
        {
            return kind switch
            {
                TaskKind.Multiclass => TaskLoss.CrossEntropy,
                TaskKind.Regression => TaskLoss.MeanSquaredError,
                _ => TaskLoss.BinaryCrossEntropy,
            };
        }

        string[] allowed = kind switch
        {
            TaskKind.Multiclass => ["cross-entropy"],
            TaskKind.Regression => ["mse", "l1", "huber"],
            _ => ["bce"],
        };
        if (Array.IndexOf(allowed, name) < 0)
        {
            throw s.Error("loss", $"'{s.Join("loss")}' of a {kindName} task must be one of {string.Join(", ", allowed)}, but is '{name}'.");
        }

        return name switch
        {
            "cross-entropy" => TaskLoss.CrossEntropy,
            "bce" => TaskLoss.BinaryCrossEntropy,
            "mse" => TaskLoss.MeanSquaredError,
            "l1" => TaskLoss.L1,
            _ => TaskLoss.Huber,
        };
    }

    private static IReadOnlyList<string> ReadMetrics(YamlSection s, TaskKind kind)
    {
        var metrics = s.Strings("metrics");
        string[] allowed = kind switch
        {
            TaskKind.Multiclass => ["accuracy", "macro-f1"],
            TaskKind.Multilabel => ["accuracy", "macro-f1"],
            TaskKind.Binary => ["accuracy", "macro-f1", "auroc"],
            _ => ["mae", "rmse", "r2"],
        };
        if (metrics is null)
        {
            return allowed;
        }

        foreach (var metric in metrics)
        {
            if (Array.IndexOf(allowed, metric) < 0)
            {
                throw s.Error("metrics",
                    $"metric '{metric}' does not apply to a {kind.ToString().ToLowerInvariant()} task; " +
                    $"allowed: {string.Join(", ", allowed)}.");
            }
        }

        return metrics;
    }

    private static ArchitectureSpec ReadArchitecture(YamlSection? s, List<TaskSpec> tasks)
    {
        if (s is null)
        {
            return new ArchitectureSpec();
        }

        var kindName = s.Choice("kind", "hard-sharing", "mmoe", "task-routed", "lora", "wta") ?? "hard-sharing";
        string[] keys = kindName switch
        {
            "mmoe" => ["kind", "experts", "expert_hidden"],
            "task-routed" => ["kind", "experts", "expert_hidden", "routing_weight"],
            "lora" => ["kind", "rank", "alpha", "orthogonality_weight"],
            "wta" => ["kind", "units", "group_size"],
            _ => ["kind"],
        };
        s.Allow(keys);
        var units = s.Int("units", 2, 1 << 16) ?? 64;
        var group = s.Int("group_size", 2, 1 << 16) ?? 4;
        if (units % group != 0)
        {
            throw s.Error("group_size", $"'{s.Join("units")}' ({units}) must be a multiple of '{s.Join("group_size")}' ({group}).");
        }

        if (kindName == "task-routed" && tasks.Count < 2)
        {
            throw s.Error("kind", "task-routed experts need at least two tasks for the routing loss to separate.");
        }

        return new ArchitectureSpec
        {
            Kind = kindName switch
            {
                "mmoe" => ArchitectureKind.MultiGateMixtureOfExperts,
                "task-routed" => ArchitectureKind.TaskRoutedExperts,
                "lora" => ArchitectureKind.LowRankAdapters,
                "wta" => ArchitectureKind.WinnerTakeAll,
                _ => ArchitectureKind.HardSharing,
            },
            Experts = s.Int("experts", 1, 256) ?? 4,
            ExpertHidden = s.Ints("expert_hidden", 1, 1 << 16) ?? [64],
            RoutingWeight = s.Number("routing_weight", 0) ?? 0.01,
            Rank = s.Int("rank", 1, 1024) ?? 4,
            Alpha = s.Number("alpha", 0) ?? 8,
            OrthogonalityWeight = s.Number("orthogonality_weight", 0) ?? 0.01,
            Units = units,
            GroupSize = group,
        };
    }

    private static OptimizerSpec ReadOptimizer(YamlSection? s)
    {
        if (s is null)
        {
            return OptimizerSpec.Adam();
        }

        var kind = s.Choice("kind", "sgd", "adam", "adamw") ?? "adam";
        if (kind == "sgd")
        {
            s.Allow("kind", "learning_rate", "weight_decay", "momentum", "nesterov", "clip_norm");
        }
        else
        {
            s.Allow("kind", "learning_rate", "weight_decay", "beta1", "beta2", "epsilon", "clip_norm");
        }

        var momentum = s.Number("momentum", 0, 0.9999) ?? 0;
        var nesterov = s.Bool("nesterov") ?? false;
        if (nesterov && momentum == 0)
        {
            throw s.Error("nesterov", "Nesterov momentum needs a positive 'optimizer.momentum'.");
        }

        // The job file reads into the optimizer's own spec: the YAML keys map one to one onto its fields.
        var rate = (float)(s.Number("learning_rate", 1e-12, 100) ?? 1e-3);
        var decay = (float)(s.Number("weight_decay", 0, 10) ?? (kind == "adamw" ? 1e-2 : 0));
        var beta1 = (float)(s.Number("beta1", 0, 0.999999) ?? 0.9);
        var beta2 = (float)(s.Number("beta2", 0, 0.999999) ?? 0.999);
        var epsilon = (float)(s.Number("epsilon", 1e-20, 1) ?? 1e-8);
        var spec = kind switch
        {
            "sgd" => OptimizerSpec.Sgd(rate, (float)momentum, nesterov: nesterov, weightDecay: decay),
            "adamw" => OptimizerSpec.AdamW(rate, beta1, beta2, epsilon, decay),
            _ => OptimizerSpec.Adam(rate, beta1, beta2, epsilon, decay),
        };
        var clip = s.Number("clip_norm", 0) ?? 0;
        return clip > 0 ? spec with { MaxGradientNorm = (float)clip } : spec;
    }

    private static ScheduleSpec ReadSchedule(YamlSection? s)
    {
        if (s is null)
        {
            return new ScheduleSpec();
        }

        var kind = s.Choice("kind", "constant", "linear", "cosine", "step") ?? "constant";
        string[] keys = kind switch
        {
            "step" => ["kind", "warmup_steps", "step_epochs", "gamma"],
            "constant" => ["kind", "warmup_steps"],
            _ => ["kind", "warmup_steps", "min_learning_rate"],
        };
        s.Allow(keys);
        return new ScheduleSpec
        {
            Kind = kind switch
            {
                "linear" => ScheduleKind.Linear,
                "cosine" => ScheduleKind.Cosine,
                "step" => ScheduleKind.Step,
                _ => ScheduleKind.Constant,
            },
            WarmupSteps = s.Int("warmup_steps", 0) ?? 0,
            StepEpochs = s.Int("step_epochs", 1) ?? 10,
            Gamma = s.Number("gamma", 1e-6, 1) ?? 0.5,
            MinLearningRate = s.Number("min_learning_rate", 0) ?? 0,
        };
    }

    private static MethodSpec? ReadMethod(YamlSection top, string key, bool allowMode)
    {
        if (!top.Has(key))
        {
            return null;
        }

        if (top.IsScalar(key))
        {
            return new MethodSpec { Name = CheckMethodName(top, key, top.RequiredString(key)) };
        }

        var s = top.Section(key)!;
        if (allowMode)
        {
            s.Allow("method", "mode", "options");
        }
        else
        {
            s.Allow("method", "options");
        }

        var mode = s.Choice("mode", "exact", "representation") ?? "exact";
        return new MethodSpec
        {
            Name = CheckMethodName(s, "method", s.RequiredString("method")),
            Mode = mode == "representation" ? GradientMode.Representation : GradientMode.Exact,
            Options = s.ScalarMap("options"),
        };
    }

    private static string CheckMethodName(YamlSection s, string key, string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw s.Error(key, $"'{s.Join(key)}' must be a method name such as ew, uw or pcgrad, but is '{name}'.");
        }

        return name.ToLowerInvariant();
    }

    private static EarlyStoppingSpec ReadEarlyStopping(YamlSection? s, List<TaskSpec> tasks)
    {
        if (s is null)
        {
            return new EarlyStoppingSpec();
        }

        s.Allow("metric", "patience", "min_delta");
        var metric = s.String("metric") ?? "loss";
        if (metric != "loss")
        {
            var dot = metric.IndexOf('.', StringComparison.Ordinal);
            var task = dot > 0 ? tasks.FirstOrDefault(t => t.Name == metric[..dot]) : null;
            if (task is null || !task.Metrics.Contains(metric[(dot + 1)..]) && metric[(dot + 1)..] != "loss")
            {
                var choices = tasks.SelectMany(t => t.Metrics.Select(m => $"{t.Name}.{m}")).Prepend("loss");
                throw s.Error("metric",
                    $"'{s.Join("metric")}' must be 'loss' or TASK.METRIC; allowed: {string.Join(", ", choices)}; but is '{metric}'.");
            }
        }

        return new EarlyStoppingSpec
        {
            Metric = metric,
            Patience = s.Int("patience", 0) ?? 0,
            MinDelta = s.Number("min_delta", 0) ?? 0,
        };
    }
}
