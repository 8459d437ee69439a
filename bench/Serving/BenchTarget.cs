using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Protocol;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The model a benchmark or soak runs against: one of the built-in models written to a temporary repository, or a
/// model in an existing repository (such as the one <c>mtlonnx quickstart</c> exports). Knows the model's image
/// input, its outputs, a ModelInfer request of its shape and a PNG for Predict.
/// </summary>
internal sealed class BenchTarget : IDisposable
{
    private readonly bool _owned;
    private readonly float[] _sample;
    private string? _copies;

    private BenchTarget(string repository, string model, string modelPath, string description, bool owned)
    {
        Repository = repository;
        Model = model;
        ModelPath = modelPath;
        Description = description;
        _owned = owned;

        // The first input is the image; every dimension but the batch dimension is fixed.
        using var session = new InferenceSession(modelPath);
        var (name, metadata) = session.InputMetadata.First();
        Input = name;
        SampleShape = [.. metadata.Dimensions.Skip(1).Select(d => (long)d)];
        if (SampleShape.Any(d => d <= 0))
        {
            throw new InvalidOperationException(
                $"Input '{name}' of {modelPath} has a variable dimension past the batch dimension; the benchmark " +
                "needs a fixed sample shape.");
        }

        Outputs = [.. session.OutputMetadata.Keys];
        var count = SampleShape.Aggregate(1L, (a, b) => a * b);
        _sample = [.. Enumerable.Range(0, (int)count).Select(i => (i % 97) / 97f)];
    }

    /// <summary>Gets the repository folder the server is started on.</summary>
    public string Repository { get; }

    /// <summary>Gets the model's name in the repository.</summary>
    public string Model { get; }

    /// <summary>Gets the <c>model.onnx</c> of the version the server serves.</summary>
    public string ModelPath { get; }

    /// <summary>Gets a line describing the model, for the report.</summary>
    public string Description { get; }

    /// <summary>Gets the image input's name.</summary>
    public string Input { get; }

    /// <summary>Gets the shape of one sample (the input's shape without the batch dimension).</summary>
    public long[] SampleShape { get; }

    /// <summary>Gets the model's outputs.</summary>
    public string[] Outputs { get; }

    /// <summary>
    /// Gets or sets config.pbtxt text that replaces an exported model's <c>dynamic_batching</c> and
    /// <c>instance_group</c> when batching is on (a queue delay, an instance count, to compare); <see langword="null"/>
    /// keeps the model's own.
    /// </summary>
    public string? BatchingConfig { get; set; }

    /// <summary>Gets one sample's pixel values.</summary>
    public ReadOnlySpan<float> Sample => _sample;

    /// <summary>Writes a built-in model to a temporary repository.</summary>
    /// <param name="dense">Whether the dense model (else the convolutional one).</param>
    /// <returns>The target; disposing it deletes the repository.</returns>
    public static BenchTarget BuiltIn(bool dense)
    {
        var root = Path.Combine(Path.GetTempPath(), "mtlonnx-bench-" + Guid.NewGuid().ToString("N"));
        BenchModels.WriteRepository(root, dense);
        return new BenchTarget(root, "shapes", Path.Combine(root, "shapes", "1", "model.onnx"), dense
            ? "Model: built-in dense trunk (3072 → 1024 → 512, 14 MB of weights) and two heads."
            : "Model: built-in convolutional trunk (16 and 32 channels, stride 2) and two heads.", owned: true);
    }

    /// <summary>Opens a model in an existing repository; the highest numeric version is the one served.</summary>
    /// <param name="repository">The repository folder.</param>
    /// <param name="model">The model's name; <see langword="null"/> when the repository holds exactly one.</param>
    /// <returns>The target; the repository is left as it is.</returns>
    /// <exception cref="InvalidOperationException">The repository has no such model or no version of it.</exception>
    public static BenchTarget FromRepository(string repository, string? model)
    {
        repository = Path.GetFullPath(repository);
        var models = Directory.Exists(repository)
            ? Directory.GetDirectories(repository).Select(Path.GetFileName).OfType<string>().ToArray()
            : [];
        model ??= models.Length == 1 ? models[0] : throw new InvalidOperationException(
            $"Repository {repository} holds {models.Length} models ({string.Join(", ", models)}); name one with --model.");
        var version = Directory.Exists(Path.Combine(repository, model))
            ? Directory.GetDirectories(Path.Combine(repository, model))
                .Select(Path.GetFileName)
                .Where(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .MaxBy(v => long.Parse(v!, CultureInfo.InvariantCulture))
            : null;
        var path = version is null ? null : Path.Combine(repository, model, version, "model.onnx");
        if (path is null || !File.Exists(path))
        {
            throw new InvalidOperationException($"Repository {repository} has no version of model '{model}' with a model.onnx.");
        }

        var megabytes = new FileInfo(path).Length / 1048576.0;
        return new BenchTarget(repository, model, path, string.Create(CultureInfo.InvariantCulture,
            $"Model: '{model}' version {version} from an exported repository ({megabytes:0.0} MB)."), owned: false);
    }

    /// <summary>
    /// Returns a repository to start a server on with dynamic batching on or off. A built-in model has no
    /// config.pbtxt, so the server's defaults decide; an exported model's config.pbtxt decides for itself, so the
    /// model is copied into a temporary repository with its <c>dynamic_batching</c> block kept or taken out.
    /// </summary>
    /// <param name="batching">Whether dynamic batching is on.</param>
    /// <returns>The repository folder.</returns>
    public string RepositoryFor(bool batching)
    {
        var config = Path.Combine(Repository, Model, "config.pbtxt");
        if (_owned || !File.Exists(config))
        {
            return Repository;
        }

        _copies ??= Path.Combine(Path.GetTempPath(), "mtlonnx-bench-" + Guid.NewGuid().ToString("N"));
        var root = Path.Combine(_copies, batching ? "on" : "off");
        var folder = Path.Combine(root, Model);
        if (!Directory.Exists(folder))
        {
            CopyFolder(Path.Combine(Repository, Model), folder);
            var text = File.ReadAllText(config);
            var withoutBatching = WithoutBlock(text, "dynamic_batching");
            File.WriteAllText(Path.Combine(folder, "config.pbtxt"), (batching, BatchingConfig) switch
            {
                (false, _) => withoutBatching,
                (true, { } replacement) => WithoutBlock(withoutBatching, "instance_group") + "\n" + replacement + "\n",
                _ => text.Contains("dynamic_batching", StringComparison.Ordinal) ? text : text + "\ndynamic_batching { }\n",
            });
        }

        return root;
    }

    /// <summary>Returns a ModelInfer request for a batch of copies of the sample, sent raw.</summary>
    /// <param name="batch">The batch size.</param>
    /// <returns>The request.</returns>
    public ModelInferRequest InferRequest(int batch = 1)
    {
        var request = new ModelInferRequest { ModelName = Model };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = Input, Datatype = "FP32", Shape = { batch } };
        input.Shape.AddRange(SampleShape);
        request.Inputs.Add(input);
        var sample = MemoryMarshal.AsBytes(Sample);
        var bytes = new byte[sample.Length * batch];
        for (var i = 0; i < batch; i++)
        {
            sample.CopyTo(bytes.AsSpan(i * sample.Length));
        }

        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
        return request;
    }

    /// <summary>Returns a PNG of the input's size: a bright disc on a dark ground, grey for a 1-channel input.</summary>
    /// <returns>The encoded image.</returns>
    public byte[] Png()
    {
        var (channels, height, width) = SampleShape.Length == 3
            ? ((int)SampleShape[0], (int)SampleShape[1], (int)SampleShape[2])
            : (3, BenchModels.Side, BenchModels.Side);
        var radius = Math.Min(width, height) / 3;
        bool Inside(int x, int y) =>
            (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2) < radius * radius;
        using var stream = new MemoryStream();
        if (channels == 1)
        {
            using var grey = new Image<L8>(width, height);
            Fill(grey, (x, y) => new L8(Inside(x, y) ? (byte)230 : (byte)20));
            grey.SaveAsPng(stream);
        }
        else
        {
            using var colour = new Image<Rgb24>(width, height);
            Fill(colour, (x, y) => Inside(x, y) ? new Rgb24(240, 200, 40) : new Rgb24(20, 20, 60));
            colour.SaveAsPng(stream);
        }

        return stream.ToArray();
    }

    /// <summary>Creates an in-process session of the served model with the server's per-run thread budget.</summary>
    /// <returns>The session.</returns>
    public InferenceSession OpenSession()
    {
        // The same budget a server run gets on this machine: one intra-op thread per concurrent run.
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(ModelPath, options);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_owned)
        {
            Directory.Delete(Repository, recursive: true);
        }

        if (_copies is not null)
        {
            Directory.Delete(_copies, recursive: true);
        }
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var folder in Directory.GetDirectories(source))
        {
            CopyFolder(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }

    /// <summary>
    /// Removes a top-level <c>name { ... }</c> or <c>name [ ... ]</c> field (brackets balanced) from config.pbtxt text.
    /// </summary>
    private static string WithoutBlock(string text, string name)
    {
        var start = text.IndexOf(name, StringComparison.Ordinal);
        var open = start < 0 ? -1 : text.IndexOfAny(['{', '['], start);
        if (open < 0)
        {
            return text;
        }

        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] switch { '{' or '[' => 1, '}' or ']' => -1, _ => 0 };
            if (depth == 0)
            {
                return text[..start] + text[(i + 1)..];
            }
        }

        return text;
    }

    private static void Fill<TPixel>(Image<TPixel> image, Func<int, int, TPixel> pixel)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                image[x, y] = pixel(x, y);
            }
        }
    }
}
