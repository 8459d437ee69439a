using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MtlOnnx.Training.Compare;

/// <summary>
/// Writes a comparison's files: <c>comparison.md</c> (the table and the plot with its legend),
/// <c>comparison.csv</c>, <c>comparison.png</c> and <c>runs.json</c>. Each file is written to a temporary file and
/// renamed, so that a reader never sees half a table.
/// </summary>
public static class ComparisonReport
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Writes the files.</summary>
    /// <param name="folder">The output folder; created when missing.</param>
    /// <param name="title">The page title, for example the job name.</param>
    /// <param name="table">The table.</param>
    /// <param name="runs">The runs the table was built from.</param>
    /// <returns>The paths written.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static ComparisonFiles Write(string folder, string title, ComparisonTable table, IReadOnlyList<ComparisonRun> runs)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(runs);
        Directory.CreateDirectory(folder);
        var csv = Path.Combine(folder, "comparison.csv");
        WriteText(csv, table.ToCsv());

        var plot = Path.Combine(folder, "comparison.png");
        var plotted = ComparisonPlot.Save(plot, table);
        var page = new StringBuilder();
        page.Append("# ").Append(title).Append(": multi-task methods\n\n").Append(table.ToMarkdown());
        var split = runs.Select(r => r.Split).Distinct(StringComparer.Ordinal).ToList();
        page.Append('\n').Append(string.Create(CultureInfo.InvariantCulture,
            $"Metrics on the {string.Join(" and ", split)} split, mean ± sample standard deviation over the seeds. "))
            .Append("Δm% is against the single-task baselines of the same seed (positive is better); the step time ")
            .Append("is each run's median step, data loading included, relative to ").Append(table.Reference)
            .Append(" of the same seed.\n");
        if (plotted && ComparisonPlot.Axes(table) is { } axes)
        {
            page.Append("\n![methods in the plane of the two tasks' metrics](comparison.png)\n\n")
                .Append("x: ").Append(axes.X.Heading).Append("; y: ").Append(axes.Y.Heading).Append(". Markers: ")
                .AppendJoin(", ", ComparisonPlot.Series(table).Select(s => $"{s.Name} {s.Color}")).Append(".\n");
        }

        var markdown = Path.Combine(folder, "comparison.md");
        WriteText(markdown, page.ToString());
        var runsPath = Path.Combine(folder, "runs.json");
        WriteText(runsPath, JsonSerializer.Serialize(runs, s_json));
        return new ComparisonFiles(markdown, csv, plotted ? plot : null, runsPath);
    }

    private static void WriteText(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
