namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>Small helpers shared by the Gram-based aggregators.</summary>
internal static class GramAlgebra
{
    /// <summary>Returns the mean of the diagonal, the natural scale of the Gram matrix (0 for a zero matrix).</summary>
    public static double MeanDiagonal(GramMatrix gram) => Math.Max(gram.Trace / gram.TaskCount, 0);

    /// <summary>
    /// Copies the Gram matrix divided by its mean diagonal, so that solver tolerances are relative: the weights of
    /// every scale-invariant method are unchanged by this normalization.
    /// </summary>
    public static double[,] Normalized(GramMatrix gram, out double scale)
    {
        scale = MeanDiagonal(gram);
        return gram.ToArray(scale > 0 ? 1 / scale : 0);
    }

    /// <summary>Checks that preference weights, when given, have one entry per task.</summary>
    public static double[] Preferences(string method, double[]? given, int taskCount, double fill)
    {
        if (given is null)
        {
            var result = new double[taskCount];
            Array.Fill(result, fill);
            return result;
        }

        if (given.Length != taskCount)
        {
            throw new MultitaskConfigurationException(
                $"Method '{method}' was given {given.Length} preference weights for {taskCount} tasks.");
        }

        return (double[])given.Clone();
    }
}
