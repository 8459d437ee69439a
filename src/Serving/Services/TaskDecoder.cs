using MtlOnnx.ModelCards;
using MtlOnnx.Serving.Protocol.V1;

namespace MtlOnnx.Serving.Services;

/// <summary>
/// Turns one row of a task's raw output (logits or standardised values) into what the typed API answers:
/// probabilities and labels for classification, values in their units for regression.
/// </summary>
internal static class TaskDecoder
{
    /// <summary>The probability from which a multilabel label counts as present.</summary>
    public const double Threshold = 0.5;

    /// <summary>Decodes one row.</summary>
    /// <param name="task">The task from the model card.</param>
    /// <param name="row">The task's first output for one sample.</param>
    /// <param name="topK">How many labels to return.</param>
    /// <returns>The prediction.</returns>
    public static TaskPrediction Decode(ModelCardTask task, ReadOnlySpan<float> row, int topK)
    {
        var prediction = new TaskPrediction { Task = task.Name, Kind = KindName(task.Kind) };
        switch (task.Kind)
        {
            case TaskKind.Multiclass:
            {
                var probabilities = Softmax(row);
                AddTop(prediction, task.Labels, probabilities, topK);
                prediction.Label = prediction.TopK.Count > 0 ? prediction.TopK[0].Label : string.Empty;
                break;
            }

            case TaskKind.Binary:
            {
                var p = Sigmoid(row[0]);
                string negative = task.Labels.Count == 2 ? task.Labels[0] : "negative";
                string positive = task.Labels.Count == 2 ? task.Labels[1] : "positive";
                AddTop(prediction, [negative, positive], [1 - p, p], topK);
                prediction.Label = p >= Threshold ? positive : negative;
                break;
            }

            case TaskKind.Multilabel:
            {
                var probabilities = new float[row.Length];
                for (var i = 0; i < row.Length; i++)
                {
                    probabilities[i] = Sigmoid(row[i]);
                    if (probabilities[i] >= Threshold)
                    {
                        prediction.Labels.Add(task.Labels[i]);
                    }
                }

                AddTop(prediction, task.Labels, probabilities, topK);
                break;
            }

            case TaskKind.Regression:
            {
                for (var i = 0; i < task.OutputWidth(); i++)
                {
                    prediction.Values.Add(task.Destandardize(i, row[i]));
                    prediction.ValueNames.Add(task.Labels.Count > i ? task.Labels[i] : task.Name);
                }

                prediction.Value = prediction.Values[0];
                prediction.Unit = task.Units ?? string.Empty;
                break;
            }
        }

        return prediction;
    }

    /// <summary>Returns the card name of a task kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns><c>multiclass</c>, <c>multilabel</c>, <c>binary</c> or <c>regression</c>.</returns>
    public static string KindName(TaskKind kind) => kind switch
    {
        TaskKind.Multiclass => "multiclass",
        TaskKind.Multilabel => "multilabel",
        TaskKind.Binary => "binary",
        _ => "regression",
    };

    private static void AddTop(TaskPrediction prediction, IList<string> labels, float[] probabilities, int topK)
    {
        var order = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i);
        foreach (var i in order.Take(topK))
        {
            prediction.TopK.Add(new LabelScore { Label = labels[i], Probability = probabilities[i] });
        }
    }

    private static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var z in logits)
        {
            max = Math.Max(max, z);
        }

        var result = new float[logits.Length];
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            result[i] = MathF.Exp(logits[i] - max);
            sum += result[i];
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)(result[i] / sum);
        }

        return result;
    }

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));
}
