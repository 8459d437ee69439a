using System.Globalization;
using System.Text;
using MtlOnnx.Training.Metrics;
using TaskMetrics = System.Collections.Generic.IReadOnlyDictionary<string,
    System.Collections.Generic.IReadOnlyDictionary<string, double>>;

namespace MtlOnnx.Training.Compare;

/// <summary>
/// The result table of a comparison: per-task metrics as mean ± standard deviation over the seeds, Δm% against the
/// single-task baselines, and the step time relative to equal weighting; as Markdown or CSV.
/// </summary>
/// <remarks>
/// Δm% is computed per seed, each method run against the single-task baselines trained with the same seed, over
/// every metric of the table (losses excluded), then summarized; the step-time ratio is paired the same way, so
/// that a change of machine load between seeds cancels out.
/// </remarks>
public sealed class ComparisonTable
{
    /// <summary>The label of the single-task baselines' row.</summary>
    public const string SingleTaskLabel = "single-task";

    /// <summary>The method step times are compared with when the comparison includes it.</summary>
    public const string EqualWeighting = "ew";

    private ComparisonTable(
        IReadOnlyList<string> tasks, IReadOnlyList<ComparisonColumn> columns, IReadOnlyList<ComparisonRow> rows,
        string reference)
    {
        Tasks = tasks;
        Columns = columns;
        Rows = rows;
        Reference = reference;
    }

    /// <summary>Gets the task names, in job order.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>Gets the metric columns: each task's metrics, in job order.</summary>
    public IReadOnlyList<ComparisonColumn> Columns { get; }

    /// <summary>Gets the rows: the single-task baselines first (when any ran), then the methods in the order run.</summary>
    public IReadOnlyList<ComparisonRow> Rows { get; }

    /// <summary>
    /// Gets the label of the row step times are relative to: <see cref="EqualWeighting"/> when compared, else the
    /// single-task baselines (which train with one-hot loss weights, a step of the same cost).
    /// </summary>
    public string Reference { get; }

    /// <summary>Builds the table from the runs of a comparison.</summary>
    /// <param name="tasks">The task names, in job order.</param>
    /// <param name="runs">The runs: single-task baselines and method runs, any number of seeds each.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tasks"/> or <paramref name="runs"/> is null.</exception>
    /// <exception cref="ArgumentException">A baseline run names a task that is not in <paramref name="tasks"/>.</exception>
    public static ComparisonTable Build(IReadOnlyList<string> tasks, IReadOnlyList<ComparisonRun> runs)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(runs);
        var baselines = runs.Where(r => r.Method is null).ToList();
        foreach (var run in baselines)
        {
            if (run.BaselineTask is null || !tasks.Contains(run.BaselineTask))
            {
                throw new ArgumentException(
                    $"A single-task baseline run (seed {run.Seed}) trains the task '{run.BaselineTask}', which is not " +
                    $"one of the compared tasks ({string.Join(", ", tasks)}).",
                    nameof(runs));
            }
        }

        var columns = CollectColumns(tasks, runs);

        // The baselines of one seed, put together as if one model had produced each task's metrics.
        var baselineBySeed = baselines.GroupBy(r => r.Seed).ToDictionary(g => g.Key, g =>
        {
            var metrics = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
            foreach (var run in g)
            {
                if (run.Metrics.TryGetValue(run.BaselineTask!, out var values))
                {
                    metrics[run.BaselineTask!] = values;
                }
            }

            return (TaskMetrics)metrics;
        });
        var metricNames = columns.Select(c => c.Metric).ToHashSet(StringComparer.Ordinal);
        var groups = new List<(string Label, bool Baseline, List<(int Seed, TaskMetrics Metrics, double Step)> Seeds)>();
        if (baselineBySeed.Count > 0)
        {
            groups.Add((SingleTaskLabel, true, baselineBySeed.OrderBy(p => p.Key).Select(p => (p.Key, p.Value,
                baselines.Where(r => r.Seed == p.Key).Average(r => r.MedianStepSeconds))).ToList()));
        }

        foreach (var method in runs.Where(r => r.Method is not null).Select(r => r.Method!).Distinct(StringComparer.Ordinal))
        {
            groups.Add((method, false, runs.Where(r => r.Method == method).OrderBy(r => r.Seed)
                .Select(r => (r.Seed, r.Metrics, r.MedianStepSeconds)).ToList()));
        }

        var reference = groups.Any(g => g.Label == EqualWeighting) ? EqualWeighting : SingleTaskLabel;
        var referenceSteps = groups.Where(g => g.Label == reference).SelectMany(g => g.Seeds)
            .ToDictionary(s => s.Seed, s => s.Step);
        var rows = groups.Select(g => new ComparisonRow
        {
            Label = g.Label,
            IsBaseline = g.Baseline,
            Seeds = g.Seeds.Count,
            Metrics = columns.ToDictionary(c => c, c => MetricSummary.Of(g.Seeds
                .Select(s => s.Metrics.TryGetValue(c.Task, out var m) && m.TryGetValue(c.Metric, out var v) ? v : double.NaN)
                .Where(double.IsFinite).ToList())),
            DeltaM = MetricSummary.Of(g.Seeds.Where(s => baselineBySeed.ContainsKey(s.Seed))
                .Select(s => DeltaM.Compute(s.Metrics, baselineBySeed[s.Seed], metricNames)).ToList()),
            StepMilliseconds = MetricSummary.Of(g.Seeds.Select(s => s.Step * 1000).ToList()),
            StepRatio = MetricSummary.Of(g.Seeds.Where(s => referenceSteps.ContainsKey(s.Seed))
                .Select(s => s.Step / referenceSteps[s.Seed]).ToList()).Mean,
        }).ToList();
        return new ComparisonTable(tasks, columns, rows, reference);
    }

    /// <summary>Gets the metric a task is plotted by: accuracy, else R², else its first metric.</summary>
    /// <param name="task">The task name.</param>
    /// <returns>The column, or <see langword="null"/> when the table has no metric of the task.</returns>
    public ComparisonColumn? MainColumn(string task)
    {
        var own = Columns.Where(c => c.Task == task).ToList();
        return own.FirstOrDefault(c => c.Metric == "accuracy") ?? own.FirstOrDefault(c => c.Metric == "r2") ??
            own.FirstOrDefault();
    }

    /// <summary>Formats the table as Markdown: one row per method, values as mean ± standard deviation.</summary>
    /// <returns>The Markdown table, ending with a newline.</returns>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| method | seeds | ");
        foreach (var column in Columns)
        {
            text.Append(column.Heading).Append(" | ");
        }

        text.Append("Δm% | step (ms) | step vs ").Append(Reference).Append(" |\n|---|---:|");
        text.Append(string.Concat(Enumerable.Repeat("---:|", Columns.Count + 3))).Append('\n');
        foreach (var row in Rows)
        {
            text.Append("| ").Append(row.Label).Append(" | ").Append(row.Seeds.ToString(CultureInfo.InvariantCulture))
                .Append(" | ");
            foreach (var column in Columns)
            {
                text.Append(Format(row.Metrics[column], "F4", signed: false)).Append(" | ");
            }

            text.Append(Format(row.DeltaM, "F2", signed: true)).Append(" | ")
                .Append(Format(row.StepMilliseconds, "F1", signed: false)).Append(" | ")
                .Append(double.IsFinite(row.StepRatio) ? row.StepRatio.ToString("F2", CultureInfo.InvariantCulture) : "—")
                .Append(" |\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// Formats the table as CSV (invariant culture, full precision): one line per row with a mean and a standard
    /// deviation column per quantity.
    /// </summary>
    /// <returns>The CSV text with a header line, ending with a newline.</returns>
    public string ToCsv()
    {
        var text = new StringBuilder("method,seeds");
        foreach (var column in Columns)
        {
            text.Append(',').Append(Csv($"{column.Task}.{column.Metric}.mean"))
                .Append(',').Append(Csv($"{column.Task}.{column.Metric}.std"));
        }

        text.Append(",delta_m_percent.mean,delta_m_percent.std,step_ms.mean,step_ms.std,step_ratio\n");
        foreach (var row in Rows)
        {
            text.Append(Csv(row.Label)).Append(',').Append(row.Seeds.ToString(CultureInfo.InvariantCulture));
            foreach (var summary in Columns.Select(c => row.Metrics[c]).Append(row.DeltaM).Append(row.StepMilliseconds))
            {
                text.Append(',').Append(Number(summary.Mean)).Append(',').Append(Number(summary.StandardDeviation));
            }

            text.Append(',').Append(Number(row.StepRatio)).Append('\n');
        }

        return text.ToString();
    }

    private static List<ComparisonColumn> CollectColumns(IReadOnlyList<string> tasks, IReadOnlyList<ComparisonRun> runs)
    {
        // Each task's metrics in the order its runs report them, preferring its own baseline's report.
        var columns = new List<ComparisonColumn>();
        foreach (var task in tasks)
        {
            var ordered = runs.OrderBy(r => r.BaselineTask == task ? 0 : 1);
            var names = ordered.SelectMany(r => r.Metrics.TryGetValue(task, out var m) ? m.Keys : [])
                .Where(n => n != "loss")
                .Distinct(StringComparer.Ordinal);
            columns.AddRange(names.Select(n => new ComparisonColumn(task, n)));
        }

        return columns;
    }

    private static string Format(MetricSummary summary, string format, bool signed)
    {
        if (summary.Count == 0)
        {
            return "—";
        }

        var mean = summary.Mean.ToString(format, CultureInfo.InvariantCulture);
        if (signed && summary.Mean > 0 && mean.Any(c => c is >= '1' and <= '9'))
        {
            mean = "+" + mean;
        }

        return $"{mean} ± {summary.StandardDeviation.ToString(format, CultureInfo.InvariantCulture)}";
    }

    private static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static string Csv(string text) =>
        text.IndexOfAny([',', '"', '\n']) < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
