namespace MtlOnnx.Export;

/// <summary>
/// What <see cref="InferenceModelBuilder"/> changed in a graph.
/// </summary>
/// <param name="NodesBefore">The nodes of the eval graph.</param>
/// <param name="NodesAfter">The nodes of the inference graph.</param>
/// <param name="ParametersBound">The parameters turned into initializers.</param>
/// <param name="DropoutsRemoved">The dropouts replaced by identities.</param>
/// <param name="IdentitiesRemoved">The identities removed.</param>
/// <param name="ConstantsFolded">The nodes replaced by initializers.</param>
/// <param name="BatchNormsFolded">The batch normalizations folded into preceding layers.</param>
/// <param name="DeadNodesRemoved">The nodes no output needed (losses, metrics and their helpers).</param>
public sealed record InferenceModelReport(
    int NodesBefore,
    int NodesAfter,
    int ParametersBound,
    int DropoutsRemoved,
    int IdentitiesRemoved,
    int ConstantsFolded,
    int BatchNormsFolded,
    int DeadNodesRemoved);
