namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Options of MGDA (Désidéri, 2012; Sener and Koltun, 2018) and its representation-level form MGDA-UB.
/// </summary>
public sealed class MgdaOptions
{
    /// <summary>Gets or sets the gradient normalization. The default is <see cref="MgdaNormalization.None"/>.</summary>
    public MgdaNormalization Normalization { get; set; } = MgdaNormalization.None;

    /// <summary>Gets or sets the min-norm solver. The default is <see cref="MinNormSolverKind.ActiveSet"/>.</summary>
    public MinNormSolverKind Solver { get; set; } = MinNormSolverKind.ActiveSet;

    /// <summary>Gets or sets the iteration limit of Frank-Wolfe. The default is 250, as in LibMTL.</summary>
    public int MaxIter { get; set; } = 250;

    /// <summary>Gets or sets the step size below which Frank-Wolfe stops. The default is 1e-5, as in LibMTL.</summary>
    public double StopCriterion { get; set; } = 1e-5;
}
