using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Metrics;

/// <summary>
/// Accuracy and macro-F1 of a multiclass task, from a confusion matrix of arg-max predictions over labelled samples.
/// Macro-F1 averages the per-class F1 over the classes that occur as a label or a prediction.
/// </summary>
public sealed class ClassificationMetrics : ITaskMetrics
{
    private readonly long[] _confusion;
    private readonly int _classes;

    /// <summary>Initializes the metrics of a task with <paramref name="classes"/> classes.</summary>
    /// <param name="classes">The number of classes.</param>
    public ClassificationMetrics(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        _classes = classes;
        _confusion = new long[classes * classes];
    }

    /// <summary>Gets the confusion matrix, row = true class, column = predicted class.</summary>
    public ReadOnlySpan<long> Confusion => _confusion;

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

            var row = outputs.Slice(r * _classes, _classes);
            var best = 0;
            for (var k = 1; k < _classes; k++)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }

            _confusion[(labels.Classes[r] * _classes) + best]++;
        }
    }

    /// <summary>Adds one labelled prediction.</summary>
    /// <param name="truth">The true class.</param>
    /// <param name="predicted">The predicted class.</param>
    public void Add(int truth, int predicted) => _confusion[(truth * _classes) + predicted]++;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute()
    {
        long total = 0;
        long correct = 0;
        double f1 = 0;
        var counted = 0;
        for (var k = 0; k < _classes; k++)
        {
            long truePositive = _confusion[(k * _classes) + k];
            long actual = 0;
            long predicted = 0;
            for (var j = 0; j < _classes; j++)
            {
                actual += _confusion[(k * _classes) + j];
                predicted += _confusion[(j * _classes) + k];
            }

            total += actual;
            correct += truePositive;
            if (actual + predicted > 0)
            {
                f1 += 2.0 * truePositive / (actual + predicted);
                counted++;
            }
        }

        if (total == 0)
        {
            return new Dictionary<string, double>();
        }

        return new Dictionary<string, double>
        {
            ["accuracy"] = (double)correct / total,
            ["macro-f1"] = f1 / counted,
        };
    }

    /// <inheritdoc />
    public void Reset() => Array.Clear(_confusion);
}
