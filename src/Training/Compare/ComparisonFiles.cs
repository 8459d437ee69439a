namespace MtlOnnx.Training.Compare;

/// <summary>The files a comparison writes into its output folder.</summary>
/// <param name="Markdown">The page <c>comparison.md</c>: the table, the plot and its legend.</param>
/// <param name="Csv">The table as <c>comparison.csv</c>.</param>
/// <param name="Plot">The plot <c>comparison.png</c>, or <see langword="null"/> when fewer than two tasks have metrics.</param>
/// <param name="Runs">Every run's measurements, <c>runs.json</c>.</param>
public sealed record ComparisonFiles(string Markdown, string Csv, string? Plot, string Runs);
