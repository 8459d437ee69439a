using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// The checks an export runs in ONNX Runtime: the exported model against the eval graph on a sample batch, a
/// reduced-precision model against the float32 one, and task metrics on a validation set.
/// </summary>
internal static class ExportChecks
{
    /// <summary>The size of a variable dimension other than the batch in sample batches.</summary>
    private const int SampleLength = 8;

    /// <summary>Creates a seeded sample batch for the data inputs of a model.</summary>
    public static Dictionary<string, TensorData> SampleBatch(ModelProto model, int batch, int seed)
    {
        var random = new Random(seed);
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Input)
        {
            var dims = ValueInfos.GetShape(input) ?? [];
            var shape = dims.Select((d, i) => i == 0 ? batch : d.Value ?? SampleLength).ToArray();
            var count = (int)TensorProtos.ElementCount(shape);
            var type = ValueInfos.GetElementType(input);
            inputs[input.Name] = ElementTypes.IsFloatingPoint(type)
                ? TensorData.FromFloats(shape, SampleInputs.Normal(random, count))
                : TensorData.FromInt64s(shape, new long[count]);
        }

        return inputs;
    }

    /// <summary>
    /// Checks that the exported model's raw task outputs equal the eval graph's within
    /// <c>tolerance * (1 + |reference|)</c>, and returns the largest absolute difference.
    /// </summary>
    /// <exception cref="ExportVerificationException">The model does not load, or an output differs.</exception>
    public static double Verify(
        ModelProto evalModel,
        IReadOnlyDictionary<string, TensorProto> parameters,
        byte[] exported,
        IReadOnlyList<ExportTask> tasks,
        IReadOnlyDictionary<string, TensorData> sample,
        double tolerance)
    {
        var reference = InferenceModelBuilder.PruneToTasks(evalModel, tasks);
        var feeds = new Dictionary<string, TensorData>(sample, StringComparer.Ordinal);
        var referenceInputs = reference.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, tensor) in parameters)
        {
            if (referenceInputs.Contains(name))
            {
                feeds[name] = TensorData.FromFloats(tensor.Dims.ToArray(), TensorProtos.ToArray<float>(tensor));
            }
        }

        var names = tasks.Select(t => t.Name).ToList();
        Dictionary<string, TensorData> expected;
        using (var runner = new ModelRunner(OnnxModelIO.ToBytes(reference), "the eval graph"))
        {
            expected = runner.Run(feeds, names);
        }

        Dictionary<string, TensorData> actual;
        try
        {
            using var runner = new ModelRunner(exported, "the exported model");
            actual = runner.Run(sample, names);
        }
        catch (ExportException ex)
        {
            throw new ExportVerificationException(ex.Message, ex);
        }

        var largest = 0.0;
        foreach (var name in names)
        {
            var e = expected[name].ToDoubles();
            var a = actual[name].ToDoubles();
            if (!expected[name].Shape.AsSpan().SequenceEqual(actual[name].Shape))
            {
                throw new ExportVerificationException(
                    $"Output '{name}' has shape [{string.Join(", ", actual[name].Shape)}] in the exported model, but " +
                    $"[{string.Join(", ", expected[name].Shape)}] in the eval graph.");
            }

            for (var i = 0; i < e.Length; i++)
            {
                var difference = Math.Abs(e[i] - a[i]);
                largest = Math.Max(largest, difference);
                if (!(difference <= tolerance * (1 + Math.Abs(e[i]))))
                {
                    throw new ExportVerificationException(
                        $"Output '{name}' element {i} is {a[i]:G9} in the exported model but {e[i]:G9} in the eval " +
                        $"graph (difference {difference:E2}, allowed {tolerance:E0} relative); the export changed " +
                        "what the model computes.");
                }
            }
        }

        return largest;
    }

    /// <summary>Gets the largest absolute difference between two models' raw task outputs on a sample.</summary>
    public static double MaxDifference(
        byte[] first,
        byte[] second,
        IReadOnlyList<ExportTask> tasks,
        IReadOnlyDictionary<string, TensorData> sample)
    {
        var names = tasks.Select(t => t.Name).ToList();
        using var a = new ModelRunner(first, "the float32 model");
        using var b = new ModelRunner(second, "the reduced-precision model");
        var x = a.Run(sample, names);
        var y = b.Run(sample, names);
        var largest = 0.0;
        foreach (var name in names)
        {
            var u = x[name].ToDoubles();
            var v = y[name].ToDoubles();
            for (var i = 0; i < u.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(u[i] - v[i]));
            }
        }

        return largest;
    }

    /// <summary>Computes each task's metric on a validation set.</summary>
    /// <exception cref="ExportException">A task has no targets, or the targets do not fit the outputs.</exception>
    public static Dictionary<string, (string Metric, double Value)> Metrics(
        byte[] model,
        IReadOnlyList<ExportTask> tasks,
        ValidationSet validation)
    {
        using var runner = new ModelRunner(model, "the model under evaluation");
        var names = tasks.Select(t => t.Name).ToList();
        var outputs = names.ToDictionary(n => n, _ => new List<double>(), StringComparer.Ordinal);
        for (var start = 0; start < validation.Count; start += validation.BatchSize)
        {
            var count = Math.Min(validation.BatchSize, validation.Count - start);
            var batch = validation.Inputs.ToDictionary(p => p.Key, p => p.Value.SliceRows(start, count), StringComparer.Ordinal);
            foreach (var (name, tensor) in runner.Run(batch, names))
            {
                outputs[name].AddRange(tensor.ToDoubles());
            }
        }

        var result = new Dictionary<string, (string, double)>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (!validation.Targets.TryGetValue(task.Name, out var targets))
            {
                throw new ExportException($"The validation set has no targets for task '{task.Name}'.");
            }

            result[task.Name] = Metric(task, outputs[task.Name], targets, validation.Count);
        }

        return result;
    }

    private static (string, double) Metric(ExportTask task, List<double> output, float[] targets, int count)
    {
        var width = output.Count / count;
        var targetWidth = targets.Length / count;
        switch (task.Kind)
        {
            case TaskKind.Multiclass:
                CheckWidth(task, targetWidth, 1);
                var correct = 0;
                for (var n = 0; n < count; n++)
                {
                    var best = 0;
                    for (var k = 1; k < width; k++)
                    {
                        if (output[(n * width) + k] > output[(n * width) + best])
                        {
                            best = k;
                        }
                    }

                    correct += best == (int)targets[n] ? 1 : 0;
                }

                return ("accuracy", 100.0 * correct / count);
            case TaskKind.Binary:
            case TaskKind.Multilabel:
                CheckWidth(task, targetWidth, width);
                var agree = 0;
                for (var i = 0; i < output.Count; i++)
                {
                    agree += (output[i] > 0) == (targets[i] > 0.5f) ? 1 : 0;
                }

                return ("accuracy", 100.0 * agree / output.Count);
            default:
                CheckWidth(task, targetWidth, width);
                var error = 0.0;
                for (var i = 0; i < output.Count; i++)
                {
                    error += Math.Abs(output[i] - targets[i]);
                }

                return ("mae", error / output.Count);
        }
    }

    private static void CheckWidth(ExportTask task, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ExportException(
                $"Task '{task.Name}' ({task.Kind}) has {actual} target value(s) per example in the validation set, " +
                $"expected {expected}.");
        }
    }
}
