namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Specifies the solver of MGDA's min-norm problem over the simplex.</summary>
public enum MinNormSolverKind
{
    /// <summary>An exact active-set method: the KKT conditions hold to rounding (the default).</summary>
    ActiveSet,

    /// <summary>Frank-Wolfe with exact line search, as the reference implementations run it.</summary>
    FrankWolfe,
}
