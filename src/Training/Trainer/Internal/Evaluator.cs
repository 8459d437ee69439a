using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Metrics;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>Evaluates a model on a split: per-task losses averaged over labelled samples, and per-task metrics.</summary>
internal static class Evaluator
{
    public static EvaluationResult Evaluate(StepEngine engine, MultiTaskModel model, BatchLoader loader, CancellationToken token)
    {
        var metrics = model.Tasks.Select(TaskMetricsFactory.Create).ToArray();
        var outputs = model.Tasks.Select(t => new float[loader.BatchSize * t.Task.OutputCount]).ToArray();
        var sums = new double[engine.LossNames.Count];
        var weights = new double[engine.LossNames.Count];
        var samples = 0;
        foreach (var batch in loader.Epoch(0, 0, token))
        {
            var losses = engine.EvalStep(batch, outputs);
            Accumulate(model, batch, losses, sums, weights);
            for (var t = 0; t < metrics.Length; t++)
            {
                metrics[t].Add(outputs[t], batch.Tasks[t], batch.Count);
            }

            samples += batch.Count;
        }

        var names = engine.LossNames;
        var lossByName = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            lossByName[LossKey(model, i)] = weights[i] > 0 ? sums[i] / weights[i] : double.NaN;
        }

        var metricByTask = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var t = 0; t < metrics.Length; t++)
        {
            var task = model.Tasks[t].Task;
            var computed = metrics[t].Compute();
            metricByTask[task.Name] = computed
                .Where(m => task.Metrics.Contains(m.Key))
                .ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        }

        return new EvaluationResult { Losses = lossByName, Metrics = metricByTask, Samples = samples };
    }

    /// <summary>Adds a batch's losses, each weighted by its labelled rows (tasks) or all rows (regularisers).</summary>
    public static void Accumulate(MultiTaskModel model, Batch batch, float[] losses, double[] sums, double[] weights)
    {
        for (var i = 0; i < losses.Length; i++)
        {
            double weight = batch.Count;
            if (i < model.Tasks.Count)
            {
                weight = 0;
                var mask = batch.Tasks[i].Mask;
                for (var r = 0; r < batch.Count; r++)
                {
                    weight += mask[r];
                }
            }

            if (weight > 0 && float.IsFinite(losses[i]))
            {
                sums[i] += losses[i] * weight;
                weights[i] += weight;
            }
        }
    }

    /// <summary>Gets the report name of loss i: the task name, or <c>reg:NAME</c> for a regulariser.</summary>
    public static string LossKey(MultiTaskModel model, int index) =>
        index < model.Tasks.Count ? model.Tasks[index].Task.Name : $"reg:{model.Regularizers[index - model.Tasks.Count].Name}";
}
