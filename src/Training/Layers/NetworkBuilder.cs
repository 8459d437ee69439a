using MtlOnnx.Onnx;
using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Layers;

/// <summary>
/// Builds a network's forward graph: owns the <see cref="GraphBuilder"/>, draws every parameter's initial values from
/// one seeded generator (so one seed fixes the initialisation), and records each parameter's name, shape, role and
/// owning task. Parameters are written as named initializers; training artifacts turn them into graph inputs.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class NetworkBuilder
{
    private readonly List<ParameterInfo> _parameters = [];
    private readonly Dictionary<string, ParameterInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bufferUpdates = new(StringComparer.Ordinal);
    private readonly SeededRandom _dropoutSeeds;

    /// <summary>Initializes a builder for a new graph.</summary>
    /// <param name="seed">The seed of the initial values and of the dropout masks.</param>
    /// <param name="opset">The <c>ai.onnx</c> opset; at least 17, for <c>LayerNormalization</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is below 17.</exception>
    public NetworkBuilder(int seed, int opset = GraphBuilder.DefaultOpset)
        : this(new GraphBuilder("mtl", opset), seed)
    {
    }

    /// <summary>Initializes a builder that extends an existing graph, for example an imported trunk.</summary>
    /// <param name="graph">The graph builder.</param>
    /// <param name="seed">The seed of the initial values and of the dropout masks.</param>
    /// <exception cref="ArgumentOutOfRangeException">The graph's opset is below 17.</exception>
    public NetworkBuilder(GraphBuilder graph, int seed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(graph.Opset, 17);
        Graph = graph;
        Random = SeededRandom.Derive((ulong)seed, 0x1A17);
        _dropoutSeeds = SeededRandom.Derive((ulong)seed, 0xD409);
        Root = new NetworkScope(this, string.Empty, ParameterInfo.SharedOwner);
    }

    /// <summary>Gets the graph under construction.</summary>
    public GraphBuilder Graph { get; }

    /// <summary>Gets the generator that initial values are drawn from.</summary>
    public SeededRandom Random { get; }

    /// <summary>Gets the root scope: no name prefix, owned by all tasks.</summary>
    public NetworkScope Root { get; }

    /// <summary>Gets the parameters in the order they were created.</summary>
    public IReadOnlyList<ParameterInfo> Parameters => _parameters;

    /// <summary>
    /// Gets, for each running-statistic buffer, the name of the tensor that holds its updated value after a
    /// training-mode forward pass.
    /// </summary>
    public IReadOnlyDictionary<string, string> BufferUpdates => _bufferUpdates;

    /// <summary>Finds a parameter by name.</summary>
    /// <param name="name">The initializer name.</param>
    /// <returns>The parameter, or <see langword="null"/>.</returns>
    public ParameterInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Creates a parameter with initial values and adds it to the graph as an initializer.</summary>
    /// <param name="name">The full, unique name.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="init">How to draw the initial values.</param>
    /// <param name="role">The role.</param>
    /// <param name="owner">The owner: <see cref="ParameterInfo.SharedOwner"/> or a task name.</param>
    /// <param name="fanIn">The fan-in for fan-based initialisation.</param>
    /// <param name="fanOut">The fan-out for Xavier initialisation.</param>
    /// <returns>The parameter as a graph value.</returns>
    /// <exception cref="ArgumentException">The name is already taken in the graph.</exception>
    public GraphValue AddParameter(
        string name,
        long[] shape,
        Init init,
        ParameterRole role,
        string owner,
        long fanIn = 0,
        long fanOut = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        var count = (int)TensorProtos.ElementCount(shape);
        var values = new float[count];
        Fill(values, init, fanIn, fanOut);
        var value = Graph.AddInitializer(name, shape, values);
        Register(new ParameterInfo(name, shape, role, owner));
        return value;
    }

    /// <summary>Records an initializer that is already in the graph (for example from an imported model) as a parameter.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <exception cref="ArgumentException">A parameter of that name is already recorded.</exception>
    public void Register(ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!_byName.TryAdd(parameter.Name, parameter))
        {
            throw new ArgumentException($"The parameter '{parameter.Name}' is already recorded.", nameof(parameter));
        }

        _parameters.Add(parameter);
    }

    /// <summary>Records that a buffer's updated value is the tensor <paramref name="updatedValue"/>.</summary>
    /// <param name="buffer">The buffer's initializer name.</param>
    /// <param name="updatedValue">The tensor holding its new value after a training step.</param>
    public void AddBufferUpdate(string buffer, string updatedValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(buffer);
        ArgumentException.ThrowIfNullOrEmpty(updatedValue);
        _bufferUpdates[buffer] = updatedValue;
    }

    /// <summary>Returns the seed for the next dropout node, so that masks depend only on the job seed.</summary>
    /// <returns>A non-negative seed.</returns>
    public long NextDropoutSeed() => (long)(_dropoutSeeds.NextUInt64() >> 34);

    private void Fill(Span<float> values, Init init, long fanIn, long fanOut)
    {
        switch (init)
        {
            case Init.Zeros:
                values.Clear();
                break;
            case Init.Ones:
                values.Fill(1f);
                break;
            case Init.FanInUniform:
                FillUniform(values, 1.0 / Math.Sqrt(Math.Max(1, fanIn)));
                break;
            case Init.XavierUniform:
                FillUniform(values, Math.Sqrt(6.0 / Math.Max(1, fanIn + fanOut)));
                break;
            case Init.Normal:
                FillNormal(values, 1.0);
                break;
            case Init.SmallNormal:
                FillNormal(values, 0.02);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown initialisation.");
        }
    }

    private void FillUniform(Span<float> values, double bound)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)Random.Uniform(-bound, bound);
        }
    }

    private void FillNormal(Span<float> values, double std)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(Random.Normal() * std);
        }
    }
}
