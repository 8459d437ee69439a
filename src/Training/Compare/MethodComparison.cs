using System.Diagnostics;
using System.Globalization;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Compare.Internal;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Compare;

/// <summary>
/// Compares multi-task methods on one job: for each seed, trains the single-task baselines and the job with each
/// method through <see cref="MultiTaskTrainer"/>, then writes the table (<see cref="ComparisonTable"/>), the plot
/// and the runs into the output folder.
/// </summary>
/// <remarks>
/// <para>
/// A single-task baseline trains the job's model with the <c>fixed</c> loss weighting, weight 1 on its task and 0 on
/// the others, and picks its best checkpoint by its own task's validation loss: the trunk and the task's head learn
/// from that task alone, and every data source (Multi-Fashion reads both labels of a pair) works unchanged. The
/// other heads stay at their initialisation and are not reported.
/// </para>
/// <para>
/// Runs go seed by seed (baselines, then the methods in the order given), so that a cancelled comparison leaves
/// complete seeds; the files are rewritten after each run. Each run's folder is
/// <c>OUTPUT/seed-S/LABEL</c>; the trainer's HTML report is not written.
/// </para>
/// </remarks>
public sealed class MethodComparison
{
    private readonly JobSpec _job;
    private readonly ComparisonOptions _options;
    private readonly Dictionary<string, bool> _isWeighting = new(StringComparer.Ordinal);

    /// <summary>Initializes a comparison and checks its methods against the registry.</summary>
    /// <param name="job">The job; its tasks, data, model and optimizer are used for every run.</param>
    /// <param name="options">The methods, seeds and run settings.</param>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The seeds or epochs are less than 1.</exception>
    /// <exception cref="ArgumentException">No method is given, a method is given twice, or the job has no task.</exception>
    /// <exception cref="MultitaskConfigurationException">A method is unknown to the registry or cannot be created.</exception>
    public MethodComparison(JobSpec job, ComparisonOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Methods);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Seeds, 1);
        if (options.Epochs is { } epochs)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        }

        if (options.Methods.Count == 0)
        {
            throw new ArgumentException("A comparison needs at least one method.", nameof(options));
        }

        if (job.Tasks.Count == 0)
        {
            throw new ArgumentException($"The job '{job.Name}' has no task to compare methods on.", nameof(job));
        }

        foreach (var name in options.Methods)
        {
            // The registry's own error names the unknown method and lists every known one.
            var method = MultitaskMethods.Create(name, job.Tasks.Count);
            if (!_isWeighting.TryAdd(name, method.GradientSource == GradientSource.None))
            {
                throw new ArgumentException($"The method '{name}' is listed twice.", nameof(options));
            }
        }

        _job = job;
        _options = options;
        OutputDirectory = options.OutputDirectory is { } output
            ? Path.GetFullPath(output)
            : job.ResolvePath(Path.Combine("runs", job.Name + "-compare"));
        Plan = [.. Enumerable.Range(0, options.Seeds).SelectMany(k => Seed(job.Seed + k))];

        IEnumerable<ComparisonRunPlan> Seed(int seed) =>
            job.Tasks.Where(_ => options.IncludeBaselines).Select(t => new ComparisonRunPlan(null, t.Name, seed))
                .Concat(options.Methods.Select(m => new ComparisonRunPlan(m, null, seed)));
    }

    /// <summary>Gets the runs in the order they will be trained.</summary>
    public IReadOnlyList<ComparisonRunPlan> Plan { get; }

    /// <summary>Gets the output folder as a full path.</summary>
    public string OutputDirectory { get; }

    /// <summary>Trains every run and writes the files; cancelling stops after the current step of the current run.</summary>
    /// <param name="cancellationToken">Stops the comparison; the runs finished so far are tabulated.</param>
    /// <returns>The result.</returns>
    /// <exception cref="JobFileException">The job cannot be run with one of the methods.</exception>
    /// <exception cref="Data.DataSourceException">The job's data cannot be read.</exception>
    public ComparisonResult Run(CancellationToken cancellationToken = default)
    {
        var tasks = _job.Tasks.Select(t => t.Name).ToList();
        var runs = new List<ComparisonRun>();
        var interrupted = false;
        var files = ComparisonReport.Write(OutputDirectory, _job.Name, ComparisonTable.Build(tasks, runs), runs);
        for (var i = 0; i < Plan.Count && !interrupted; i++)
        {
            var plan = Plan[i];
            _options.Observer?.OnRunStarting(plan, i, Plan.Count);
            var folder = Path.Combine(OutputDirectory, $"seed-{plan.Seed.ToString(CultureInfo.InvariantCulture)}",
                plan.Label.Replace(':', '-'));
            var clock = new StepClock(_options.Observer);
            var watch = Stopwatch.StartNew();
            var result = new MultiTaskTrainer(Variant(plan, folder), new TrainerOptions
            {
                Threads = _options.Threads,
                Observer = clock,
                WriteReport = false,
            }).Run(cancellationToken);
            interrupted = result.Interrupted || cancellationToken.IsCancellationRequested;
            var final = result.Test ?? result.Validation;
            if (result.Interrupted || final is null)
            {
                break;
            }

            var run = new ComparisonRun
            {
                Method = plan.Method,
                BaselineTask = plan.BaselineTask,
                Seed = plan.Seed,
                Metrics = final.Metrics,
                Split = result.Test is null ? "validation" : "test",
                MedianStepSeconds = clock.MedianSeconds,
                TimedSteps = clock.Count,
                TotalSeconds = watch.Elapsed.TotalSeconds,
                OutputDirectory = folder,
            };
            runs.Add(run);
            _options.Observer?.OnRunFinished(run);
            files = ComparisonReport.Write(OutputDirectory, _job.Name, ComparisonTable.Build(tasks, runs), runs);
        }

        return new ComparisonResult
        {
            Runs = runs,
            Table = ComparisonTable.Build(tasks, runs),
            Interrupted = interrupted,
            Files = files,
        };
    }

    private JobSpec Variant(ComparisonRunPlan plan, string folder)
    {
        MethodSpec weighting;
        MethodSpec? gradients = null;
        var stopping = _job.EarlyStopping;
        if (plan.BaselineTask is { } task)
        {
            var weights = string.Join(',', _job.Tasks.Select(t => t.Name == task ? "1" : "0"));
            weighting = new MethodSpec { Name = "fixed", Options = new Dictionary<string, string> { ["weights"] = weights } };

            // The other heads are untrained, so their losses must not choose the baseline's best epoch.
            if (!stopping.Metric.StartsWith(task + ".", StringComparison.Ordinal))
            {
                stopping = new EarlyStoppingSpec
                {
                    Metric = task + ".loss",
                    Patience = stopping.Patience,
                    MinDelta = stopping.MinDelta,
                };
            }
        }
        else if (_isWeighting[plan.Method!])
        {
            weighting = new MethodSpec { Name = plan.Method! };
        }
        else
        {
            weighting = new MethodSpec { Name = ComparisonTable.EqualWeighting };
            gradients = new MethodSpec { Name = plan.Method! };
        }

        return new JobSpec
        {
            Name = $"{_job.Name}-{plan.Label.Replace(':', '-')}-seed{plan.Seed.ToString(CultureInfo.InvariantCulture)}",
            Seed = plan.Seed,
            Device = _job.Device,
            Output = folder,
            Epochs = _options.Epochs ?? _job.Epochs,
            Input = _job.Input,
            Trunk = _job.Trunk,
            Architecture = _job.Architecture,
            Tasks = _job.Tasks,
            Data = _job.Data,
            Optimizer = _job.Optimizer,
            Schedule = _job.Schedule,
            Weighting = weighting,
            Gradients = gradients,
            EarlyStopping = stopping,
            BaseDirectory = _job.BaseDirectory,
        };
    }
}
