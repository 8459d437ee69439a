using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// Each shard's share of a task loss's denominator. Every task loss is a weighted mean <c>Σ wᵢ·ℓᵢ / Σ wᵢ</c>, where
/// <c>wᵢ</c> is the label mask times, for a class-weighted multi-class task, the weight of the sample's class (as
/// <see cref="Layers.LossLayers"/> builds them), so the whole batch's loss is <c>Σ_s share_s · L_s</c>, and so is its
/// gradient.
/// </summary>
internal static class LossShares
{
    /// <summary>Writes, for each task, the share of every shard; all zero for a task with no label in the batch.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="shards">The shards, with the rows they run.</param>
    /// <param name="active">How many shards run this batch.</param>
    /// <param name="shares">[task][shard], written.</param>
    public static void Compute(Batch batch, IReadOnlyList<TrainShard> shards, int active, double[][] shares)
    {
        for (var t = 0; t < batch.Tasks.Count; t++)
        {
            var labels = batch.Tasks[t];
            var classWeights = labels.Task.Kind == TaskKind.Multiclass ? labels.Task.ClassWeights : [];
            double total = 0;
            for (var s = 0; s < active; s++)
            {
                var sum = 0.0;
                var end = shards[s].Start + shards[s].Rows;
                for (var i = shards[s].Start; i < end; i++)
                {
                    // The graph multiplies in float32; the shares only need the same weights.
                    var weight = (double)labels.Mask[i];
                    if (classWeights.Count > 0 && weight != 0)
                    {
                        weight *= (float)classWeights[(int)labels.Classes[i]];
                    }

                    sum += weight;
                }

                shares[t][s] = sum;
                total += sum;
            }

            for (var s = 0; s < active; s++)
            {
                shares[t][s] = total > 0 ? shares[t][s] / total : 0;
            }
        }
    }
}
