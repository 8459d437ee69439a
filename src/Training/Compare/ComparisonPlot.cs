using MtlOnnx.Training.Reports;

namespace MtlOnnx.Training.Compare;

/// <summary>
/// Draws the methods of a comparison in the plane of the first two tasks' main metrics (see
/// <see cref="ComparisonTable.MainColumn"/>): one marker per row at its mean over the seeds, drawn by
/// <see cref="LinePlot"/>. The legend (row → colour) belongs to the page around the image.
/// </summary>
public static class ComparisonPlot
{
    private static readonly string[] s_palette =
    [
        "#000000", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#393b79", "#ad494a", "#637939",
    ];

    /// <summary>Gets the plot's series, one per row with a finite mean on both axes, in table order.</summary>
    /// <param name="table">The table.</param>
    /// <returns>The series, or an empty list when the table has fewer than two tasks with metrics.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<PlotSeries> Series(ComparisonTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (Axes(table) is not { } axes)
        {
            return [];
        }

        var series = new List<PlotSeries>();
        for (var i = 0; i < table.Rows.Count; i++)
        {
            var row = table.Rows[i];
            var (x, y) = (row.Metrics[axes.X].Mean, row.Metrics[axes.Y].Mean);
            if (double.IsFinite(x) && double.IsFinite(y))
            {
                series.Add(new PlotSeries(row.Label, [x], [y], s_palette[i % s_palette.Length]));
            }
        }

        return series;
    }

    /// <summary>Gets the two metric columns the plot's axes show.</summary>
    /// <param name="table">The table.</param>
    /// <returns>The x and y columns, or <see langword="null"/> when fewer than two tasks have metrics.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is <see langword="null"/>.</exception>
    public static (ComparisonColumn X, ComparisonColumn Y)? Axes(ComparisonTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var mains = table.Tasks.Select(table.MainColumn).OfType<ComparisonColumn>().Take(2).ToList();
        return mains.Count == 2 ? (mains[0], mains[1]) : null;
    }

    /// <summary>Writes the plot as PNG, to a temporary file then renamed.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="table">The table.</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when the table has nothing to plot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is <see langword="null"/>.</exception>
    public static bool Save(string path, ComparisonTable table)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var series = Series(table);
        if (series.Count == 0)
        {
            return false;
        }

        LinePlot.Save(path, series, 560, 420);
        return true;
    }
}
