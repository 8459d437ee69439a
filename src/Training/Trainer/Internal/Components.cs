using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Schedulers;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>Maps a job's optimizer, schedule and multi-task method to the training library's types.</summary>
internal static class Components
{
    /// <summary>
    /// Creates the scheduler, or <see langword="null"/> for a constant rate (warm-up then handled by
    /// <see cref="ConstantRate"/>).
    /// </summary>
    public static LearningRateScheduler? Scheduler(JobSpec job, long totalSteps, int batchesPerEpoch)
    {
        var s = job.Schedule;
        var lr = (float)job.Optimizer.LearningRate;
        var minimum = lr > 0 ? s.MinLearningRate / lr : 0;
        return s.Kind switch
        {
            ScheduleKind.Cosine => new CosineScheduler(s.WarmupSteps, Math.Max(totalSteps, s.WarmupSteps + 1), lr, minimum),
            ScheduleKind.Linear => new LinearScheduler(s.WarmupSteps, Math.Max(totalSteps, s.WarmupSteps + 1), lr),
            ScheduleKind.Step => new StepScheduler((long)s.StepEpochs * batchesPerEpoch, s.Gamma, lr),
            _ => null,
        };
    }

    public static float ConstantRate(JobSpec job, long step)
    {
        var lr = (float)job.Optimizer.LearningRate;
        var warmup = job.Schedule.WarmupSteps;
        return warmup > 0 && step < warmup ? lr * (step + 1) / warmup : lr;
    }

    /// <summary>Creates the multi-task method: the gradient method when the job names one, else the weighting.</summary>
    /// <exception cref="JobFileException">Both a non-equal weighting and a gradient method are named, or a method is unknown.</exception>
    public static IMultitaskMethod Method(JobSpec job)
    {
        var tasks = job.Tasks.Count;
        try
        {
            if (job.Gradients is { } gradients)
            {
                if (job.Weighting.Name is not ("ew" or "sum"))
                {
                    throw new JobFileException(
                        $"The job names both the weighting '{job.Weighting.Name}' and the gradient method " +
                        $"'{gradients.Name}'; a gradient method sets its own task weights, so use 'weighting: ew' " +
                        "with it.");
                }

                var options = new Dictionary<string, string>(gradients.Options, StringComparer.Ordinal);
                if (!options.ContainsKey("gradient_source") && gradients.Mode == GradientMode.Representation)
                {
                    options["gradient_source"] = "representation";
                }

                return MultitaskMethods.Create(gradients.Name, tasks, options);
            }

            return MultitaskMethods.Create(job.Weighting.Name, tasks, job.Weighting.Options);
        }
        catch (MultitaskConfigurationException ex)
        {
            throw new JobFileException($"The job's multi-task method cannot be used: {ex.Message}", ex);
        }
    }
}
