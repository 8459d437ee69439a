namespace MtlOnnx.Training.Multitask.Diagnostics;

/// <summary>Computes <see cref="MultitaskDiagnostics"/> from the Gram matrix and the update's inner products.</summary>
public static class GradientDiagnostics
{
    /// <summary>Fills the pairwise and per-task measurements.</summary>
    /// <param name="gram">The Gram matrix of the task gradients.</param>
    /// <param name="updateDots">The inner products <c>update · g_t</c>, one per task.</param>
    /// <param name="weights">The effective task weights, or an empty span when the update is not a weighted sum.</param>
    /// <param name="destination">The diagnostics to overwrite.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="gram"/> or <paramref name="destination"/> is <see langword="null"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    public static void Compute(
        GramMatrix gram,
        ReadOnlySpan<double> updateDots,
        ReadOnlySpan<double> weights,
        MultitaskDiagnostics destination)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(destination);
        int t = gram.TaskCount;
        if (destination.TaskCount != t || updateDots.Length != t || (!weights.IsEmpty && weights.Length != t))
        {
            throw new ArgumentException(
                $"Diagnostics for {destination.TaskCount} tasks, {updateDots.Length} update products and " +
                $"{weights.Length} weights do not match a Gram matrix of {t} tasks.");
        }

        for (int i = 0; i < t; i++)
        {
            destination.GradientNorms[i] = gram.Norm(i);
            destination.TaskWeights[i] = weights.IsEmpty ? double.NaN : weights[i];
            double squared = gram[i, i];
            destination.Survival[i] = squared > 0 ? updateDots[i] / squared : 0;
        }

        int conflicts = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                double ni = destination.GradientNorms[i];
                double nj = destination.GradientNorms[j];
                double product = ni * nj;
                destination.Cosine[i, j] = product > 0 ? Math.Clamp(gram[i, j] / product, -1, 1) : 0;
                double sumSquares = (ni * ni) + (nj * nj);
                destination.MagnitudeSimilarity[i, j] = sumSquares > 0 ? 2 * product / sumSquares : 1;
                if (j > i && gram[i, j] < 0)
                {
                    conflicts++;
                }
            }
        }

        int pairs = t * (t - 1) / 2;
        destination.ConflictShare = pairs > 0 ? (double)conflicts / pairs : 0;
    }
}
