namespace MtlOnnx.Training.Reports;

/// <summary>One line of a plot: its name (shown in the report's legend), its points and its colour.</summary>
/// <param name="Name">The legend name.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values; non-finite values are skipped.</param>
/// <param name="Color">The colour as <c>#rrggbb</c>.</param>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color);
