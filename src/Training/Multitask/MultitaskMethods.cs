using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Weighting;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Creates multi-task methods by the short names a job file or <c>mtlonnx compare --methods</c> uses, with options
/// given by name (snake_case).
/// </summary>
/// <remarks>
/// Loss weightings: <c>ew</c> (sum), <c>mean</c>, <c>fixed</c>, <c>uw</c>, <c>dwa</c>, <c>rlw</c>, <c>gls</c>,
/// <c>famo</c>. Gradient methods: <c>gradnorm</c>, <c>dbmtl</c>, <c>pcgrad</c>, <c>gradvac</c>, <c>cagrad</c>,
/// <c>mgda</c>, <c>mgdaub</c> (MGDA on representation gradients), <c>imtlg</c>, <c>nashmtl</c>, <c>alignedmtl</c>,
/// <c>upgrad</c>, <c>dualproj</c>, <c>config</c>, <c>graddrop</c> (representation gradients), <c>camegrad</c>.
/// Every gradient method also takes the option <c>gradient_source</c> (<c>shared_parameters</c> or
/// <c>representation</c>) to override its default.
/// </remarks>
public static class MultitaskMethods
{
    private const string SourceOption = "gradient_source";

    private static readonly string[] s_lossWeightings = ["ew", "mean", "fixed", "uw", "dwa", "rlw", "gls", "famo"];

    private static readonly string[] s_gradientMethods =
    [
        "gradnorm", "dbmtl", "pcgrad", "gradvac", "cagrad", "mgda", "mgdaub", "imtlg", "nashmtl", "alignedmtl",
        "upgrad", "dualproj", "config", "graddrop", "camegrad",
    ];

    /// <summary>Gets every registry name: the loss weightings first, then the gradient methods.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_lossWeightings, .. s_gradientMethods];

    /// <summary>Creates a method.</summary>
    /// <param name="name">The registry name; case is ignored.</param>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options by name, or <see langword="null"/> for the paper defaults.</param>
    /// <returns>A new method.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The name or an option is unknown or invalid.</exception>
    public static IMultitaskMethod Create(string name, int taskCount, IReadOnlyDictionary<string, object?>? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        string key = name.ToLowerInvariant();
        switch (key)
        {
            case "ew":
                return Weighting(new FixedWeighting("ew", Enumerable.Repeat(1.0, taskCount).ToArray()), key, options);
            case "mean":
                double[] mean = Enumerable.Repeat(1.0 / taskCount, taskCount).ToArray();
                return Weighting(new FixedWeighting("mean", mean), key, options);
            case "fixed":
                FixedWeightingOptions fixedOptions = GradientAggregators.Bind<FixedWeightingOptions>(key, options);
                if (fixedOptions.Weights is null || fixedOptions.Weights.Length != taskCount)
                {
                    throw new MultitaskConfigurationException(
                        $"Method 'fixed' needs the option 'weights' with {taskCount} values; got " +
                        $"{fixedOptions.Weights?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.");
                }

                return new LossWeightingMethod(new FixedWeighting("fixed", fixedOptions.Weights));
            case "uw":
                return new LossWeightingMethod(
                    new UncertaintyWeighting(taskCount, GradientAggregators.Bind<UncertaintyWeightingOptions>(key, options)));
            case "dwa":
                return new LossWeightingMethod(
                    new DynamicWeightAverage(taskCount, GradientAggregators.Bind<DynamicWeightAverageOptions>(key, options)));
            case "rlw":
                return new LossWeightingMethod(
                    new RandomLossWeighting(taskCount, GradientAggregators.Bind<RandomLossWeightingOptions>(key, options)));
            case "gls":
                return Weighting(new GeometricLossStrategy(taskCount), key, options);
            case "famo":
                return new LossWeightingMethod(new Famo(taskCount, GradientAggregators.Bind<FamoOptions>(key, options)));
        }

        (Dictionary<string, object?>? rest, GradientSource? source) = SplitSource(key, options);
        IGradientAggregator aggregator = key switch
        {
            "gradnorm" => new GradNormAggregator(taskCount, GradientAggregators.Bind<GradNormOptions>(key, rest)),
            "dbmtl" => new DbMtlAggregator(taskCount, GradientAggregators.Bind<DbMtlOptions>(key, rest)),
            _ when GradientAggregators.Contains(key) && key is not ("sum" or "ew" or "mean") =>
                GradientAggregators.Create(key, taskCount, rest),
            _ => throw new MultitaskConfigurationException(
                $"Unknown multi-task method '{name}'. Known methods: {string.Join(", ", Names)}."),
        };
        GradientSource defaultSource = key is "mgdaub" or "graddrop"
            ? GradientSource.Representation
            : GradientSource.SharedParameters;
        return new AggregationMethod(aggregator, source ?? defaultSource);
    }

    /// <summary>Creates a method from options given as strings, as a job file's method section holds them.</summary>
    /// <param name="name">The registry name; case is ignored.</param>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options by name, each value as written in the job file.</param>
    /// <returns>A new method.</returns>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="name"/> or <paramref name="options"/> is <see langword="null"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The name or an option is unknown or invalid.</exception>
    public static IMultitaskMethod Create(string name, int taskCount, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(name, taskCount, options.ToDictionary(p => p.Key, p => (object?)p.Value));
    }

    private static LossWeightingMethod Weighting(
        ILossWeighting weighting, string key, IReadOnlyDictionary<string, object?>? options)
    {
        MethodOptionBinder.Apply(key, new object(), options);
        return new LossWeightingMethod(weighting);
    }

    private static (Dictionary<string, object?>? Remaining, GradientSource? Source) SplitSource(
        string method, IReadOnlyDictionary<string, object?>? options)
    {
        if (options is null)
        {
            return (null, null);
        }

        var rest = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        GradientSource? source = null;
        foreach ((string key, object? value) in options)
        {
            if (!string.Equals(key.Replace("-", "_", StringComparison.Ordinal), SourceOption, StringComparison.OrdinalIgnoreCase))
            {
                rest[key] = value;
                continue;
            }

            string text = (Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)
                .Replace("_", string.Empty, StringComparison.Ordinal);
            source = text.ToUpperInvariant() switch
            {
                "SHAREDPARAMETERS" or "PARAMETERS" or "EXACT" => GradientSource.SharedParameters,
                "REPRESENTATION" => GradientSource.Representation,
                _ => throw new MultitaskConfigurationException(
                    $"Option '{SourceOption}' of method '{method}' must be shared_parameters or representation; got '{value}'."),
            };
        }

        return (rest, source);
    }
}
