using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Architectures;

/// <summary>
/// Builds each task's head (an MLP owned by the task), its label and mask inputs, its loss, and for regression a
/// second output in the targets' original units.
/// </summary>
public static class TaskHeads
{
    /// <summary>Builds one task's head and loss and declares their graph inputs and outputs.</summary>
    /// <param name="scope">The root scope of the network.</param>
    /// <param name="task">The task.</param>
    /// <param name="features">The task's features, [F] per sample.</param>
    /// <param name="statistics">The targets' statistics for regression; ignored for classification.</param>
    /// <returns>The task's tensors.</returns>
    /// <exception cref="ArgumentException">A regression task has no statistics, or they do not match its targets.</exception>
    public static TaskOutputs Build(NetworkScope scope, TaskSpec task, Activation features, TargetStatistics? statistics)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(task);
        var g = scope.Graph;
        var head = scope.Owned("heads", task.Name).Child(task.Name);
        var hidden = head.Mlp(features, task.Head, reluAfterLast: true);
        var k = task.OutputCount;
        var raw = head.Linear("out", hidden, k);
        var outputName = SharingSchemes.NameOutput(g, raw.Value, $"out_{task.Name}");
        g.AddOutput(new GraphValue(outputName), ElementType.Float, [ModelInput.BatchDim, k]);

        var maskName = $"mask_{task.Name}";
        var mask = g.AddInput(maskName, ElementType.Float, ModelInput.BatchDim);
        var labelName = $"label_{task.Name}";
        GraphValue loss;
        ElementType labelType;
        long[] labelShape;
        string? predictionName = null;
        IReadOnlyList<double> mean = [];
        IReadOnlyList<double> std = [];
        var logits = new GraphValue(outputName);
        switch (task.Kind)
        {
            case TaskKind.Multiclass:
                labelType = ElementType.Int64;
                labelShape = [];
                var classes = g.AddInput(labelName, ElementType.Int64, ModelInput.BatchDim);
                loss = LossLayers.CrossEntropy(g, logits, classes, mask, k, task.LabelSmoothing, task.ClassWeights);
                break;
            case TaskKind.Binary:
                labelType = ElementType.Float;
                labelShape = [];
                var binary = g.AddInput(labelName, ElementType.Float, ModelInput.BatchDim);
                loss = LossLayers.BinaryCrossEntropy(g, logits, GraphOps.Unsqueeze(g, binary, 1), mask);
                break;
            case TaskKind.Multilabel:
                labelType = ElementType.Float;
                labelShape = [k];
                var multi = g.AddInput(labelName, ElementType.Float, ModelInput.BatchDim, k);
                loss = LossLayers.BinaryCrossEntropy(g, logits, multi, mask);
                break;
            default:
                labelType = ElementType.Float;
                labelShape = [k];
                if (statistics is null || statistics.Mean.Count != k || statistics.Std.Count != k)
                {
                    throw new ArgumentException(
                        $"Regression task '{task.Name}' needs the mean and standard deviation of its {k} targets.",
                        nameof(statistics));
                }

                var targets = g.AddInput(labelName, ElementType.Float, ModelInput.BatchDim, k);
                var kind = task.Loss switch
                {
                    TaskLoss.L1 => "l1",
                    TaskLoss.Huber => "huber",
                    _ => "mse",
                };
                loss = LossLayers.Regression(g, logits, targets, mask, kind, task.HuberDelta);
                mean = statistics.Mean;
                std = statistics.Std;
                var scale = g.AddInitializer(GraphOps.FreshName(g, $"target_std_{task.Name}"), [1, k], std.Select(v => (float)v).ToArray());
                var shift = g.AddInitializer(GraphOps.FreshName(g, $"target_mean_{task.Name}"), [1, k],
                    mean.Select(v => (float)v).ToArray());
                var original = g.Add(g.Mul(logits, scale), shift);
                predictionName = SharingSchemes.NameOutput(g, original, $"pred_{task.Name}");
                g.AddOutput(new GraphValue(predictionName), ElementType.Float, [ModelInput.BatchDim, k]);
                break;
        }

        var lossName = SharingSchemes.NameOutput(g, loss, $"loss_{task.Name}");
        g.AddOutput(new GraphValue(lossName), ElementType.Float, []);
        return new TaskOutputs
        {
            Task = task,
            OutputName = outputName,
            PredictionName = predictionName,
            LossName = lossName,
            LabelName = labelName,
            LabelType = labelType,
            LabelShape = labelShape,
            MaskName = maskName,
            TargetMean = mean,
            TargetStd = std,
        };
    }
}
