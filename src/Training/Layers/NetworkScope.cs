using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Layers;

/// <summary>
/// A naming scope inside a <see cref="NetworkBuilder"/>: parameters created through it get the scope's dotted
/// prefix (<c>trunk.conv1.weight</c>) and its owner (shared, or one task). Layers are extension methods on it.
/// </summary>
public sealed class NetworkScope
{
    internal NetworkScope(NetworkBuilder network, string prefix, string owner)
    {
        Network = network;
        Prefix = prefix;
        Owner = owner;
    }

    /// <summary>Gets the network being built.</summary>
    public NetworkBuilder Network { get; }

    /// <summary>Gets the graph under construction.</summary>
    public GraphBuilder Graph => Network.Graph;

    /// <summary>Gets the dotted name prefix, empty at the root or ending in a dot.</summary>
    public string Prefix { get; }

    /// <summary>Gets the owner of the parameters created here: shared or a task name.</summary>
    public string Owner { get; }

    /// <summary>Returns a child scope whose names are prefixed with <paramref name="name"/>.</summary>
    /// <param name="name">The child's name, for example <c>conv1</c>.</param>
    /// <returns>The child scope, with the same owner.</returns>
    public NetworkScope Child(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new NetworkScope(Network, $"{Prefix}{name}.", Owner);
    }

    /// <summary>Returns a child scope whose parameters belong to one task.</summary>
    /// <param name="name">The child's name.</param>
    /// <param name="task">The task that owns the parameters.</param>
    /// <returns>The child scope.</returns>
    public NetworkScope Owned(string name, string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(task);
        return new NetworkScope(Network, $"{Prefix}{name}.", task);
    }

    /// <summary>Returns the full name of a local name in this scope.</summary>
    /// <param name="local">The local name.</param>
    /// <returns>The prefixed name.</returns>
    public string NameOf(string local) => Prefix + local;

    /// <summary>Creates a parameter in this scope.</summary>
    /// <param name="name">The local name, for example <c>weight</c>.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="init">How to draw the initial values.</param>
    /// <param name="role">The role.</param>
    /// <param name="fanIn">The fan-in for fan-based initialisation.</param>
    /// <param name="fanOut">The fan-out for Xavier initialisation.</param>
    /// <returns>The parameter as a graph value.</returns>
    public GraphValue Parameter(string name, long[] shape, Init init, ParameterRole role, long fanIn = 0, long fanOut = 0) =>
        Network.AddParameter(NameOf(name), shape, init, role, Owner, fanIn, fanOut);
}
