using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Metrics;

/// <summary>
/// MAE, RMSE and R² of a regression task in the targets' original units: predictions and labels are turned back
/// from their standardised form before they are compared. With several targets each metric is averaged over them.
/// </summary>
public sealed class RegressionMetrics : ITaskMetrics
{
    private readonly double[] _mean;
    private readonly double[] _std;
    private readonly double[] _absolute;
    private readonly double[] _squared;
    private readonly double[] _sum;
    private readonly double[] _sumSquares;
    private long _count;

    /// <summary>Initializes the metrics for targets standardised with the given statistics.</summary>
    /// <param name="mean">The targets' means.</param>
    /// <param name="std">The targets' standard deviations.</param>
    public RegressionMetrics(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        _mean = [.. mean];
        _std = [.. std];
        var width = _mean.Length;
        _absolute = new double[width];
        _squared = new double[width];
        _sum = new double[width];
        _sumSquares = new double[width];
    }

    /// <inheritdoc />
    public void Add(ReadOnlySpan<float> outputs, TaskLabels labels, int rows)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var width = _mean.Length;
        for (var r = 0; r < rows; r++)
        {
            if (labels.Mask[r] == 0)
            {
                continue;
            }

            _count++;
            for (var d = 0; d < width; d++)
            {
                var prediction = (outputs[(r * width) + d] * _std[d]) + _mean[d];
                var truth = (labels.Values[(r * width) + d] * _std[d]) + _mean[d];
                Accumulate(d, prediction, truth);
            }
        }
    }

    /// <summary>Adds one prediction and its target, both in original units.</summary>
    /// <param name="target">The target index.</param>
    /// <param name="prediction">The prediction.</param>
    /// <param name="truth">The true value.</param>
    public void AddOriginal(int target, double prediction, double truth)
    {
        if (target == 0)
        {
            _count++;
        }

        Accumulate(target, prediction, truth);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute()
    {
        if (_count == 0)
        {
            return new Dictionary<string, double>();
        }

        double mae = 0;
        double rmse = 0;
        double r2 = 0;
        var width = _mean.Length;
        for (var d = 0; d < width; d++)
        {
            mae += _absolute[d] / _count;
            rmse += Math.Sqrt(_squared[d] / _count);
            var total = _sumSquares[d] - (_sum[d] * _sum[d] / _count);
            r2 += total > 0 ? 1 - (_squared[d] / total) : 0;
        }

        return new Dictionary<string, double>
        {
            ["mae"] = mae / width,
            ["rmse"] = rmse / width,
            ["r2"] = r2 / width,
        };
    }

    /// <inheritdoc />
    public void Reset()
    {
        _count = 0;
        Array.Clear(_absolute);
        Array.Clear(_squared);
        Array.Clear(_sum);
        Array.Clear(_sumSquares);
    }

    private void Accumulate(int d, double prediction, double truth)
    {
        var error = prediction - truth;
        _absolute[d] += Math.Abs(error);
        _squared[d] += error * error;
        _sum[d] += truth;
        _sumSquares[d] += truth * truth;
    }
}
