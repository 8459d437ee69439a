using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Metrics;

/// <summary>
/// Metrics of binary and multilabel tasks: accuracy at probability 0.5, macro-F1 (over the two classes of a binary
/// task, over the labels of a multilabel task) and, for binary tasks, the area under the ROC curve.
/// </summary>
public sealed class BinaryMetrics : ITaskMetrics
{
    private readonly int _width;
    private readonly bool _auroc;
    private readonly long[] _counts;
    private readonly List<(float Score, bool Positive)> _scores = [];

    /// <summary>Initializes the metrics of a task with <paramref name="width"/> independent labels.</summary>
    /// <param name="width">1 for a binary task, the number of labels for a multilabel one.</param>
    public BinaryMetrics(int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        _width = width;
        _auroc = width == 1;

        // Per label: true positives, false positives, false negatives, true negatives.
        _counts = new long[width * 4];
    }

    /// <inheritdoc />
    public void Add(ReadOnlySpan<float> outputs, TaskLabels labels, int rows)
    {
        ArgumentNullException.ThrowIfNull(labels);
        for (var r = 0; r < rows; r++)
        {
            if (labels.Mask[r] == 0)
            {
                continue;
            }

            for (var k = 0; k < _width; k++)
            {
                Add(k, outputs[(r * _width) + k], labels.Values[(r * _width) + k] > 0.5f);
            }
        }
    }

    /// <summary>Adds one labelled logit.</summary>
    /// <param name="label">The label index (0 for binary tasks).</param>
    /// <param name="logit">The logit.</param>
    /// <param name="positive">Whether the label is true.</param>
    public void Add(int label, float logit, bool positive)
    {
        var predicted = logit > 0;
        var slot = (label * 4) + (predicted ? (positive ? 0 : 1) : (positive ? 2 : 3));
        _counts[slot]++;
        if (_auroc)
        {
            _scores.Add((logit, positive));
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute()
    {
        long total = 0;
        long correct = 0;
        double f1 = 0;
        var counted = 0;
        for (var k = 0; k < _width; k++)
        {
            var (tp, fp, fn, tn) = (_counts[k * 4], _counts[(k * 4) + 1], _counts[(k * 4) + 2], _counts[(k * 4) + 3]);
            total += tp + fp + fn + tn;
            correct += tp + tn;
            if (_width == 1)
            {
                // Macro over the two classes of a binary task: the positive class's F1 and the negative one's,
                // each counted when the class occurs as a label or a prediction.
                if (tp + fp + fn > 0)
                {
                    f1 += F1(tp, fp, fn);
                    counted++;
                }

                if (tn + fn + fp > 0)
                {
                    f1 += F1(tn, fn, fp);
                    counted++;
                }
            }
            else if (tp + fp + fn > 0)
            {
                f1 += F1(tp, fp, fn);
                counted++;
            }
        }

        if (total == 0)
        {
            return new Dictionary<string, double>();
        }

        var result = new Dictionary<string, double>
        {
            ["accuracy"] = (double)correct / total,
            ["macro-f1"] = counted == 0 ? 1.0 : f1 / counted,
        };
        if (_auroc && Auroc() is { } area)
        {
            result["auroc"] = area;
        }

        return result;
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_counts);
        _scores.Clear();
    }

    private static double F1(long tp, long fp, long fn) => tp + fp + fn == 0 ? 0 : 2.0 * tp / ((2 * tp) + fp + fn);

    private double? Auroc()
    {
        // Mann-Whitney U from average ranks, so tied scores count one half.
        var positives = _scores.Count(s => s.Positive);
        var negatives = _scores.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        var sorted = _scores.OrderBy(s => s.Score).ToArray();
        double rankSum = 0;
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1].Score == sorted[i].Score)
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (sorted[k].Positive)
                {
                    rankSum += averageRank;
                }
            }

            i = j + 1;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }
}
