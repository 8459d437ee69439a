using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// Checks a model's <c>config.pbtxt</c> against its ONNX graph and completes it (Triton's auto-complete): name,
/// platform, maximum batch size, inputs and outputs, batching and instances. Without a file, everything comes from
/// the graph and the server's batching defaults.
/// </summary>
internal static class ModelConfigResolver
{
    /// <summary>The platform of ONNX models, as Triton names it in configurations.</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>The backend of ONNX models, as Triton names it.</summary>
    public const string Backend = "onnxruntime";

    /// <summary>Resolves the effective configuration of a model version.</summary>
    /// <param name="name">The model name (its folder).</param>
    /// <param name="file">The parsed <c>config.pbtxt</c>, or <see langword="null"/>.</param>
    /// <param name="inputs">The graph's inputs.</param>
    /// <param name="outputs">The graph's outputs.</param>
    /// <param name="defaults">The server's batching defaults.</param>
    /// <param name="clientInputs">The inputs as clients must send them.</param>
    /// <param name="clientOutputs">The outputs as clients get them, after any reshape.</param>
    /// <param name="settings">How requests are scheduled.</param>
    /// <returns>The effective configuration.</returns>
    /// <exception cref="ModelLoadException">The file contradicts the graph or asks for what MtlOnnx does not do.</exception>
    public static ModelConfig Resolve(string name, ModelConfig? file, IReadOnlyList<TensorSpec> inputs,
        IReadOnlyList<TensorSpec> outputs, BatchingOptions defaults, out List<TensorSpec> clientInputs,
        out List<TensorSpec> clientOutputs, out SchedulerSettings settings)
    {
        var source = $"config.pbtxt of model '{name}'";
        var config = file?.Clone() ?? new ModelConfig();
        if (config.Name.Length > 0 && config.Name != name)
        {
            throw new ModelLoadException($"The {source} names the model '{config.Name}'; it must match its folder '{name}'.");
        }

        if (config.Platform.Length > 0 && config.Platform != Platform)
        {
            throw new ModelLoadException($"The {source} has platform '{config.Platform}'; MtlOnnx serves '{Platform}' only.");
        }

        if (config.Backend.Length > 0 && config.Backend != Backend)
        {
            throw new ModelLoadException($"The {source} has backend '{config.Backend}'; MtlOnnx serves '{Backend}' only.");
        }

        var canBatch = OnnxModelRunner.HasBatchDimension(inputs, outputs);
        if (file is null)
        {
            config.MaxBatchSize = canBatch ? Math.Max(1, defaults.MaxBatchSize) : 0;
            if (defaults.Enabled && config.MaxBatchSize > 1)
            {
                config.DynamicBatching = new ModelDynamicBatching
                {
                    MaxQueueDelayMicroseconds = (ulong)Math.Max(0, defaults.MaxQueueDelayMicroseconds),
                };
            }
        }
        else if (config.MaxBatchSize < 0)
        {
            throw new ModelLoadException($"The {source} sets max_batch_size {config.MaxBatchSize}; it must be 0 or more.");
        }
        else if (config.MaxBatchSize > 0 && !canBatch)
        {
            var fixedSpec = inputs.Concat(outputs).First(s => s.Dims.Length == 0 || s.Dims[0] >= 0);
            throw new ModelLoadException(
                $"The {source} sets max_batch_size {config.MaxBatchSize}, but '{fixedSpec.Name}' of the model has shape " +
                $"{TensorSpec.Format(fixedSpec.Dims)} with no variable first dimension to batch along.");
        }

        config.Name = name;
        config.Platform = Platform;
        config.Backend = Backend;
        var batched = config.MaxBatchSize > 0;
        clientInputs = ResolveInputs(source, config, inputs, batched);
        clientOutputs = ResolveOutputs(source, config, outputs, batched);

        var instances = config.InstanceGroup.Sum(g => g.Count);
        if (config.InstanceGroup.Count == 0)
        {
            config.InstanceGroup.Add(new ModelInstanceGroup
            {
                Name = name,
                Count = Math.Max(1, defaults.Instances),
                Kind = ModelInstanceGroup.Types.Kind.Cpu,
            });
        }

        var dynamic = batched && config.DynamicBatching is not null;
        var queueSize = (int?)config.DynamicBatching?.DefaultQueuePolicy?.MaxQueueSize;
        settings = new SchedulerSettings(
            Dynamic: dynamic,
            MaxBatchSize: config.MaxBatchSize,
            MaxQueueDelayMicroseconds: (long)(config.DynamicBatching?.MaxQueueDelayMicroseconds ?? 0),
            MaxQueueSize: queueSize is > 0 ? queueSize.Value : Math.Max(1, defaults.MaxQueueSize),
            Instances: instances > 0 ? instances : Math.Max(1, defaults.Instances));
        return config;
    }

    private static List<TensorSpec> ResolveInputs(string source, ModelConfig config, IReadOnlyList<TensorSpec> graph,
        bool batched)
    {
        var byName = graph.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var client = new Dictionary<string, TensorSpec>(StringComparer.Ordinal);
        foreach (var input in config.Input)
        {
            if (!byName.TryGetValue(input.Name, out var spec))
            {
                throw new ModelLoadException(
                    $"The {source} declares input '{input.Name}', which the model does not have; its inputs are " +
                    $"{string.Join(", ", graph.Select(g => $"'{g.Name}'"))}.");
            }

            if (input.Reshape is not null)
            {
                throw new ModelLoadException($"The {source} reshapes input '{input.Name}'; MtlOnnx does not support reshape.");
            }

            client[input.Name] = spec with { Dims = Merge(source, "input", spec, input.DataType, input.Dims, batched) };
        }

        config.Input.Clear();
        var result = new List<TensorSpec>(graph.Count);
        foreach (var spec in graph)
        {
            var resolved = client.GetValueOrDefault(spec.Name) ?? spec;
            result.Add(resolved);
            config.Input.Add(new ModelInput
            {
                Name = spec.Name,
                DataType = Datatypes.ToConfigType(spec.ElementType),
                Dims = { batched ? resolved.Dims[1..] : resolved.Dims },
            });
        }

        return result;
    }

    private static List<TensorSpec> ResolveOutputs(string source, ModelConfig config, IReadOnlyList<TensorSpec> graph,
        bool batched)
    {
        var byName = graph.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var declared = new Dictionary<string, ModelOutput>(StringComparer.Ordinal);
        var client = new Dictionary<string, TensorSpec>(StringComparer.Ordinal);
        foreach (var output in config.Output)
        {
            if (!byName.TryGetValue(output.Name, out var spec))
            {
                throw new ModelLoadException(
                    $"The {source} declares output '{output.Name}', which the model does not have; its outputs are " +
                    $"{string.Join(", ", graph.Select(g => $"'{g.Name}'"))}.");
            }

            declared[output.Name] = output;
            if (output.Reshape is null)
            {
                _ = Merge(source, "output", spec, output.DataType, output.Dims, batched);
                continue;
            }

            // Triton's reshape: the model produces reshape.shape, clients see dims; the elements are the same.
            _ = Merge(source, "output", spec, output.DataType, output.Reshape.Shape, batched, "reshape shape");
            var dims = output.Dims.ToArray();
            var shape = output.Reshape.Shape.ToArray();
            var graphDims = batched ? spec.Dims[1..] : spec.Dims;
            if (dims.Length == 0 || dims.Concat(shape).Concat(graphDims).Any(d => d < 0)
                || Product(dims) != Product(shape) || Product(graphDims) != Product(shape))
            {
                throw new ModelLoadException(
                    $"The {source} reshapes output '{output.Name}' from {TensorSpec.Format(shape)} to dims " +
                    $"{TensorSpec.Format(dims)} (the model has {TensorSpec.Format(graphDims)}); all must be fixed and " +
                    "hold the same number of elements.");
            }

            client[output.Name] = spec with { Dims = batched ? [-1, .. dims] : dims };
        }

        config.Output.Clear();
        var result = new List<TensorSpec>(graph.Count);
        foreach (var spec in graph)
        {
            var resolved = client.GetValueOrDefault(spec.Name) ?? spec;
            result.Add(resolved);
            var output = new ModelOutput
            {
                Name = spec.Name,
                DataType = Datatypes.ToConfigType(spec.ElementType),
                Dims = { batched ? resolved.Dims[1..] : resolved.Dims },
                LabelFilename = declared.GetValueOrDefault(spec.Name)?.LabelFilename ?? string.Empty,
            };
            if (client.ContainsKey(spec.Name))
            {
                output.Reshape = declared[spec.Name].Reshape.Clone();
            }

            config.Output.Add(output);
        }

        return result;
    }

    private static long Product(long[] dims) => dims.Aggregate(1L, (a, b) => a * b);

    private static long[] Merge(string source, string kind, TensorSpec spec, DataType type,
        Google.Protobuf.Collections.RepeatedField<long> dims, bool batched, string field = "dims")
    {
        var expected = Datatypes.ToConfigType(spec.ElementType);
        if (type != DataType.TypeInvalid && type != expected)
        {
            throw new ModelLoadException(
                $"The {source} gives {kind} '{spec.Name}' data type {Datatypes.ConfigName(type)}; the model has " +
                $"{Datatypes.ConfigName(expected)}.");
        }

        var graphDims = batched ? spec.Dims[1..] : spec.Dims;
        if (dims.Count == 0)
        {
            return spec.Dims;
        }

        if (dims.Count != graphDims.Length)
        {
            throw new ModelLoadException(
                $"The {source} gives {kind} '{spec.Name}' {field} {TensorSpec.Format(dims)}; the model has " +
                $"{TensorSpec.Format(graphDims)}{(batched ? " past the batch dimension" : string.Empty)}.");
        }

        var merged = new long[graphDims.Length];
        for (var i = 0; i < merged.Length; i++)
        {
            if (graphDims[i] >= 0 && dims[i] >= 0 && graphDims[i] != dims[i])
            {
                throw new ModelLoadException(
                    $"The {source} gives {kind} '{spec.Name}' {field} {TensorSpec.Format(dims)}; the model has " +
                    $"{TensorSpec.Format(graphDims)}.");
            }

            merged[i] = graphDims[i] >= 0 ? graphDims[i] : dims[i];
        }

        return batched ? [-1, .. merged] : merged;
    }
}
