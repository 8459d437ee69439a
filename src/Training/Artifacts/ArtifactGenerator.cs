using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts.Internal;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Optimizers.Internal;

namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// Generates the training artifacts of a forward graph: <c>training_model.onnx</c>, <c>eval_model.onnx</c>,
/// <c>optimizer_model.onnx</c>, an initial <c>checkpoint.safetensors</c> and the <c>artifacts.json</c> manifest.
/// </summary>
/// <remarks>
/// <para>
/// Parameters, trainable and frozen, become graph inputs without initializers in every graph, so that ONNX Runtime
/// treats none of them as constants; the checkpoint holds their initial values.
/// </para>
/// <para>
/// The training graph accumulates gradients across steps as ONNX Runtime's artifacts do: for each trainable
/// parameter <c>p</c> it reads <c>p_grad.accumulation.buffer</c> and outputs
/// <c>p_grad.accumulation.out = lazy_reset_grad ? g : buffer + g</c>, where <c>g</c> is the gradient of the
/// weighted loss sum. The evaluation graph is the forward graph with its losses, with batch normalisation and
/// dropout in inference mode.
/// </para>
/// </remarks>
public static class ArtifactGenerator
{
    /// <summary>Generates the artifacts into a directory, which is created if needed.</summary>
    /// <param name="spec">What to generate.</param>
    /// <param name="directory">The output directory; existing artifact files are replaced.</param>
    /// <returns>The generated artifacts.</returns>
    /// <exception cref="ArgumentException">
    /// The specification names tensors the forward graph lacks, or is inconsistent.
    /// </exception>
    /// <exception cref="GradientNotDefinedException">
    /// The gradient passes through an operator with no gradient rule.
    /// </exception>
    public static TrainingArtifacts Generate(ArtifactSpec spec, string directory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Validate(spec);

        // Losses first, on a copy of the forward graph, so that the training and evaluation graphs share them.
        var builder = GraphBuilder.FromModel(spec.Forward);
        foreach (var loss in spec.Losses)
        {
            AddLoss(builder, loss);
        }

        var graph = builder.Graph;
        var initial = GraphSurgery.MoveInitializersToInputs(graph, spec.Trainable.Concat(spec.Frozen));
        var forward = builder.ToModel();

        var training = BuildTrainingModel(spec, forward, out var runningStatistics, out var perLoss, out var masks);
        var eval = forward.Clone();
        GraphSurgery.SetInferenceMode(eval.Graph);

        var trainable = spec.Trainable.Select(n => Descriptor(initial[n])).ToArray();
        var frozen = spec.Frozen.Select(n => Descriptor(initial[n])).ToArray();
        var plan = OptimizerPlan.Create(spec.Optimizer, trainable);
        var optimizer = OptimizerGraph.Build(plan);

        var checkpoint = new TrainingCheckpoint
        {
            LearningRate = spec.Optimizer.LearningRate,
            Optimizer = spec.Optimizer,
        };

        foreach (var name in spec.Trainable)
        {
            checkpoint.Tensors.Add(Tensor(initial[name], CheckpointTensorRole.Trainable));
        }

        foreach (var name in spec.Frozen)
        {
            checkpoint.Tensors.Add(Tensor(initial[name], CheckpointTensorRole.Frozen));
        }

        Directory.CreateDirectory(directory);
        var artifacts = new TrainingArtifacts
        {
            Directory = directory,
            Trainable = trainable,
            Frozen = frozen,
            Losses = spec.Losses.Select(l => l.Name).ToArray(),
            LossWeightsInput = spec.LossWeightsInput,
            RunningStatistics = runningStatistics,
            PerLossGradients = perLoss,
            DropoutMaskInputs = masks,
            Optimizer = spec.Optimizer,
        };

        OnnxModelIO.Save(training, artifacts.TrainingModelPath);
        OnnxModelIO.Save(eval, artifacts.EvalModelPath);
        OnnxModelIO.Save(optimizer, artifacts.OptimizerModelPath);
        checkpoint.Save(artifacts.CheckpointPath);
        artifacts.Save();
        return artifacts;
    }

    private static ModelProto BuildTrainingModel(
        ArtifactSpec spec,
        ModelProto forward,
        out Dictionary<string, string> runningStatistics,
        out Dictionary<string, IReadOnlyDictionary<string, string>> perLoss,
        out Dictionary<string, string> masks)
    {
        var request = new GradientRequest
        {
            Losses = spec.Losses.Select(l => l.Name).ToArray(),
            LossWeights = spec.LossWeights,
            LossWeightsInput = spec.LossWeightsInput,
            WithRespectTo = spec.Trainable,
            PerLossWithRespectTo = spec.PerLossWithRespectTo,
            FeedDropoutMasks = spec.FeedDropoutMasks,
        };

        var result = Autodiff.Autodiff.Differentiate(forward, request);
        var b = GraphBuilder.FromModel(result.Model);
        var graph = b.Graph;

        // The raw gradients stop being outputs; their accumulated form replaces them.
        var reset = b.AddInput(ArtifactNames.LazyResetGrad, ElementType.Bool, 1);
        var resetScalar = b.Node("Reshape", [reset, GraphConstants.Int64s(b, [], "scalar_shape")]);
        foreach (var name in spec.Trainable)
        {
            var gradient = result.GradientOutputs[name];
            RemoveOutput(graph, gradient);
            var shape = ValueInfos.GetShape(graph.Input.First(i => i.Name == name));
            var buffer = b.AddInput(ArtifactNames.AccumulationBuffer(name), ElementType.Float, shape!);
            var sum = b.Add(buffer, new GraphValue(gradient));
            var output = ArtifactNames.AccumulationOutput(name);
            b.NewNode("Where", [resetScalar.Name, gradient, sum.Name], [output]);
            b.AddOutput(new GraphValue(output), ElementType.Float, shape);
        }

        // Running statistics: those the gradient graph derived from batch normalisation, and those the caller named.
        var frozen = spec.Frozen.ToHashSet(StringComparer.Ordinal);
        runningStatistics = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (statistic, output) in result.RunningStatisticOutputs)
        {
            if (frozen.Contains(statistic))
            {
                runningStatistics[statistic] = output;
            }
            else
            {
                // A statistic that is a constant of the graph has nowhere to be written back.
                RemoveOutput(graph, output);
            }
        }

        foreach (var (statistic, tensor) in spec.RunningStatisticUpdates)
        {
            var output = tensor;
            if (!graph.Output.Any(o => o.Name == tensor))
            {
                var shape = ValueInfos.GetShape(graph.Input.First(i => i.Name == statistic));
                b.AddOutput(new GraphValue(tensor), ElementType.Float, shape);
            }

            runningStatistics[statistic] = output;
        }

        perLoss = result.PerLossGradientOutputs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        masks = new Dictionary<string, string>(result.DropoutMaskInputs, StringComparer.Ordinal);
        return b.ToModel();
    }

    private static void AddLoss(GraphBuilder b, LossSpec loss)
    {
        var graph = b.Graph;
        if (loss.Kind == LossKind.Existing)
        {
            if (!graph.Output.Any(o => o.Name == loss.Name))
            {
                b.AddOutput(new GraphValue(loss.Name), ElementType.Float, []);
            }

            return;
        }

        var prediction = graph.Output.FirstOrDefault(o => o.Name == loss.Prediction)
            ?? throw new ArgumentException(
                $"Loss '{loss.Name}': '{loss.Prediction}' is not an output of the forward graph; a {loss.Kind} loss " +
                "needs the prediction as an output, with its shape.");
        var shape = ValueInfos.GetShape(prediction)
            ?? throw new ArgumentException($"Loss '{loss.Name}': the output '{loss.Prediction}' has no shape.");
        if (loss.Kind == LossKind.CrossEntropy)
        {
            if (shape.Length != 2)
            {
                throw new ArgumentException(
                    $"Loss '{loss.Name}': cross-entropy needs logits of rank 2 [N, C], but '{loss.Prediction}' has " +
                    $"rank {shape.Length}.");
            }

            var labels = b.AddInput(loss.Target!, ElementType.Int64, shape[0]);
            b.NewNode(
                "SoftmaxCrossEntropyLoss",
                [loss.Prediction!, labels.Name],
                [loss.Name],
                attributes: Attr.String("reduction", "mean"));
        }
        else
        {
            var targets = b.AddInput(loss.Target!, ElementType.Float, shape);
            var difference = b.Sub(new GraphValue(loss.Prediction!), targets);
            b.NewNode("ReduceMean", [b.Mul(difference, difference).Name], [loss.Name], attributes: Attr.Int("keepdims", 0));
        }

        b.AddOutput(new GraphValue(loss.Name), ElementType.Float, []);
    }

    private static void Validate(ArtifactSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec.Forward);
        ArgumentNullException.ThrowIfNull(spec.Trainable);
        ArgumentNullException.ThrowIfNull(spec.Frozen);
        ArgumentNullException.ThrowIfNull(spec.Losses);
        ArgumentNullException.ThrowIfNull(spec.Optimizer);
        if (spec.Trainable.Count == 0)
        {
            throw new ArgumentException("The artifact specification names no trainable parameter.", nameof(spec));
        }

        if (spec.Losses.Count == 0)
        {
            throw new ArgumentException("The artifact specification names no loss.", nameof(spec));
        }

        var both = spec.Trainable.Intersect(spec.Frozen, StringComparer.Ordinal).FirstOrDefault();
        if (both is not null)
        {
            throw new ArgumentException($"Parameter '{both}' is listed as both trainable and frozen.", nameof(spec));
        }

        foreach (var (statistic, _) in spec.RunningStatisticUpdates)
        {
            if (!spec.Frozen.Contains(statistic))
            {
                throw new ArgumentException(
                    $"The running statistic '{statistic}' must be a frozen parameter to be written back.", nameof(spec));
            }
        }
    }

    private static void RemoveOutput(GraphProto graph, string name)
    {
        var output = graph.Output.FirstOrDefault(o => o.Name == name);
        if (output is not null)
        {
            graph.Output.Remove(output);
        }
    }

    private static ParameterDescriptor Descriptor(TensorProto tensor) => new(tensor.Name, [.. tensor.Dims]);

    private static CheckpointTensor Tensor(TensorProto tensor, CheckpointTensorRole role) =>
        new(tensor.Name, role, [.. tensor.Dims], TensorProtos.ToArray<float>(tensor));
}
