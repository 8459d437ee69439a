using System.Globalization;
using System.Net;
using System.Text;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Reports;

/// <summary>
/// Writes the training report of a run into <c>OUTPUT/report</c>: one PNG per task loss (training and validation)
/// and per validation metric, and an <c>index.html</c> page that shows them with the final metrics table.
/// </summary>
public static class TrainingReport
{
    private static readonly string[] s_palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"];

    /// <summary>Writes the report.</summary>
    /// <param name="folder">The report folder; created when missing.</param>
    /// <param name="title">The job name.</param>
    /// <param name="history">The epochs, in order.</param>
    /// <param name="finalMetrics">
    /// Metrics to tabulate at the top (for example on the test split), task → metric → value; or <see langword="null"/>.
    /// </param>
    /// <param name="finalSplit">The name of the split <paramref name="finalMetrics"/> were measured on.</param>
    /// <returns>The path of <c>index.html</c>.</returns>
    public static string Write(
        string folder,
        string title,
        IReadOnlyList<EpochRecord> history,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? finalMetrics,
        string finalSplit)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(history);
        Directory.CreateDirectory(folder);
        var epochs = history.Select(h => (double)(h.Epoch + 1)).ToArray();
        var figures = new List<(string File, string Caption, IReadOnlyList<PlotSeries> Series)>();
        var losses = history.SelectMany(h => h.TrainLoss.Keys).Distinct(StringComparer.Ordinal).ToList();
        foreach (var loss in losses)
        {
            var series = new List<PlotSeries>
            {
                new("train", epochs, history.Select(h => h.TrainLoss.GetValueOrDefault(loss, double.NaN)).ToArray(), s_palette[0]),
                new("validation", epochs, history.Select(h => h.ValidationLoss.GetValueOrDefault(loss,
                    double.NaN)).ToArray(), s_palette[1]),
            };
            figures.Add(($"loss_{Safe(loss)}.png", $"{loss}: loss per epoch", series));
        }

        var metrics = history.SelectMany(h => h.ValidationMetrics.SelectMany(t => t.Value.Keys.Select(m => (Task: t.Key, Metric: m))))
            .Distinct()
            .ToList();
        foreach (var (task, metric) in metrics)
        {
            var values = history.Select(h => h.ValidationMetrics.TryGetValue(task,
                out var m) ? m.GetValueOrDefault(metric, double.NaN) : double.NaN).ToArray();
            figures.Add(($"metric_{Safe(task)}_{Safe(metric)}.png", $"{task}: validation {metric}",
                [new PlotSeries("validation", epochs, values, s_palette[2])]));
        }

        if (history.Any(h => h.TaskWeights.Count > 0))
        {
            var tasks = history.SelectMany(h => h.TaskWeights.Keys).Distinct(StringComparer.Ordinal).ToList();
            var series = tasks.Select((t, i) => new PlotSeries(t, epochs,
                history.Select(h => h.TaskWeights.GetValueOrDefault(t,
                double.NaN)).ToArray(), s_palette[i % s_palette.Length])).ToList();
            figures.Add(("task_weights.png", "task weights at the end of each epoch", series));
        }

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append(" training report</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}")
            .Append("figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:0.9em}")
            .Append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:0.2em 0.6em;text-align:right}")
            .Append(".key span{display:inline-block;width:1em;height:0.6em;margin:0 0.3em 0 0.8em}")
            .Append("</style></head><body>\n<h1>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</h1>\n");
        if (finalMetrics is not null)
        {
            html.Append("<h2>Metrics on the ").Append(WebUtility.HtmlEncode(finalSplit)).Append(" split</h2>\n")
                .Append(Table(finalMetrics));
        }

        var last = history.Count > 0 ? history[^1] : null;
        if (last is not null)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<p>{history.Count} epochs; last epoch {last.Seconds:0.0} s, {last.SamplesPerSecond:0} samples/s, " +
                $"learning rate {last.LearningRate:G3}.</p>\n");
        }

        html.Append("<h2>Curves</h2>\n");
        foreach (var (file, caption, series) in figures)
        {
            if (!series.Any(s => s.Y.Any(double.IsFinite)))
            {
                continue;
            }

            LinePlot.Save(Path.Combine(folder, file), series);
            html.Append("<figure><img src=\"").Append(file).Append("\" alt=\"").Append(WebUtility.HtmlEncode(caption))
                .Append("\"><figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("<span class=\"key\">");
            foreach (var s in series)
            {
                html.Append("<span style=\"background:").Append(s.Color).Append("\"></span>").Append(WebUtility.HtmlEncode(s.Name));
            }

            html.Append("</span></figcaption></figure>\n");
        }

        html.Append("<h2>Epochs</h2>\n<table><tr><th>epoch</th><th>seconds</th><th>samples/s</th><th>learning rate</th>");
        foreach (var loss in losses)
        {
            var encoded = WebUtility.HtmlEncode(loss);
            html.Append("<th>").Append(encoded).Append(" train</th><th>").Append(encoded).Append(" val</th>");
        }

        html.Append("</tr>\n");
        foreach (var h in history)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{h.Epoch + 1}</td><td>{h.Seconds:0.0}</td><td>{h.SamplesPerSecond:0}</td><td>{h.LearningRate:G3}</td>");
            foreach (var loss in losses)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<td>{h.TrainLoss.GetValueOrDefault(loss, double.NaN):0.0000}</td>" +
                    $"<td>{h.ValidationLoss.GetValueOrDefault(loss, double.NaN):0.0000}</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n</body></html>\n");
        var index = Path.Combine(folder, "index.html");
        File.WriteAllText(index + ".tmp", html.ToString());
        File.Move(index + ".tmp", index, overwrite: true);
        return index;
    }

    private static string Table(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> metrics)
    {
        var names = metrics.Values.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal).ToList();
        var html = new StringBuilder("<table><tr><th>task</th>");
        foreach (var name in names)
        {
            html.Append("<th>").Append(WebUtility.HtmlEncode(name)).Append("</th>");
        }

        html.Append("</tr>\n");
        foreach (var (task, values) in metrics)
        {
            html.Append("<tr><td>").Append(WebUtility.HtmlEncode(task)).Append("</td>");
            foreach (var name in names)
            {
                html.Append("<td>").Append(values.TryGetValue(name, out var v) ? v.ToString("0.0000",
                    CultureInfo.InvariantCulture) : "").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        return html.Append("</table>\n").ToString();
    }

    private static string Safe(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
