namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Creates gradient aggregators by their short registry names, with options given by name.</summary>
public static class GradientAggregators
{
    private static readonly Dictionary<string, Func<int, IReadOnlyDictionary<string, object?>?, IGradientAggregator>>
        s_factories = new(StringComparer.OrdinalIgnoreCase)
        {
            ["ew"] = (t, o) => Constant("ew", t, o, mean: false),
            ["sum"] = (t, o) => Constant("sum", t, o, mean: false),
            ["mean"] = (t, o) => Constant("mean", t, o, mean: true),
            ["pcgrad"] = (t, o) => new PCGradAggregator(t, Bind<PCGradOptions>("pcgrad", o)),
            ["gradvac"] = (t, o) => new GradVacAggregator(t, Bind<GradVacOptions>("gradvac", o)),
            ["cagrad"] = (t, o) => new CAGradAggregator(t, Bind<CAGradOptions>("cagrad", o)),
            ["mgda"] = (t, o) => new MgdaAggregator("mgda", t, Bind<MgdaOptions>("mgda", o)),
            ["mgdaub"] = (t, o) => new MgdaAggregator("mgdaub", t, Bind<MgdaOptions>("mgdaub", o)),
            ["imtlg"] = (t, o) => new ImtlGAggregator(t, Bind<ImtlGOptions>("imtlg", o)),
            ["nashmtl"] = (t, o) => new NashMtlAggregator(t, Bind<NashMtlOptions>("nashmtl", o)),
            ["alignedmtl"] = (t, o) => new AlignedMtlAggregator(t, Bind<AlignedMtlOptions>("alignedmtl", o)),
            ["upgrad"] = (t, o) => new UPGradAggregator(t, Bind<DualConeOptions>("upgrad", o)),
            ["dualproj"] = (t, o) => new DualProjAggregator(t, Bind<DualConeOptions>("dualproj", o)),
            ["config"] = (t, o) => new ConFigAggregator(t, Bind<ConFigOptions>("config", o)),
            ["graddrop"] = (t, o) => new GradDropAggregator(t, Bind<GradDropOptions>("graddrop", o)),
            ["camegrad"] = (t, o) => new CameGradAggregator(t, Bind<CameGradOptions>("camegrad", o)),
        };

    /// <summary>Gets the registry names, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = s_factories.Keys.ToArray();

    /// <summary>Determines whether <paramref name="name"/> names an aggregator.</summary>
    /// <param name="name">A registry name; case is ignored.</param>
    /// <returns><see langword="true"/> when the name is known.</returns>
    public static bool Contains(string name) => name is not null && s_factories.ContainsKey(name);

    /// <summary>Creates an aggregator.</summary>
    /// <param name="name">The registry name, such as <c>upgrad</c>; case is ignored.</param>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options by name, or <see langword="null"/> for the paper defaults.</param>
    /// <returns>A new aggregator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The name or an option is unknown or invalid.</exception>
    public static IGradientAggregator Create(
        string name, int taskCount, IReadOnlyDictionary<string, object?>? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        if (!s_factories.TryGetValue(name, out var factory))
        {
            throw new MultitaskConfigurationException(
                $"Unknown gradient aggregator '{name}'. Known aggregators: {string.Join(", ", Names)}.");
        }

        return factory(taskCount, options);
    }

    internal static T Bind<T>(string method, IReadOnlyDictionary<string, object?>? options)
        where T : new()
    {
        var target = new T();
        MethodOptionBinder.Apply(method, target, options);
        return target;
    }

    private static ConstantAggregator Constant(
        string name, int taskCount, IReadOnlyDictionary<string, object?>? options, bool mean)
    {
        MethodOptionBinder.Apply(name, new object(), options);
        return new ConstantAggregator(name, taskCount, mean);
    }
}
