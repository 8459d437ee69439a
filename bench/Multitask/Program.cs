// Times one aggregation step of every gradient aggregator: the Gram matrix (T(T+1)/2 dot products of length P),
// the method's own solver on the T×T problem, and the weighted sum (or the coordinate pass), reporting medians.
//
//   dotnet run -c Release --project bench/Multitask -- [--tasks 40] [--parameters 1000000] [--steps 15] [--threads 0]
//
// Prints a Markdown table to standard output. With --training JOB.yaml it times whole training steps instead, the
// methods side by side in rotated rounds (see TrainingSteps):
//
//   dotnet run -c Release --project bench/Multitask -- --training JOB.yaml --methods ew,pcgrad,mgdaub [--rounds 5]
//
// With --breakdown JOB.yaml it splits the step into its graphs on one batch, the methods interleaved (StepBreakdown):
//
//   dotnet run -c Release --project bench/Multitask -- --breakdown JOB.yaml --methods ew,pcgrad,mgdaub [--steps 30]
using System.Globalization;
using MtlOnnx.Bench.Multitask;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Diagnostics;

if (Array.IndexOf(args, "--training") is >= 0 and var at && at + 1 < args.Length)
{
    TrainingSteps.Run(args[at + 1], OptionList(args, "--methods") ?? ["ew", "pcgrad", "mgda", "upgrad", "mgdaub"],
        Option(args, "--rounds", 5), Option(args, "--threads", 0));
    return;
}

if (Array.IndexOf(args, "--breakdown") is >= 0 and var split && split + 1 < args.Length)
{
    StepBreakdown.Run(args[split + 1], OptionList(args, "--methods") ?? ["ew", "pcgrad", "mgdaub"],
        Option(args, "--steps", 30), Option(args, "--threads", 0));
    return;
}

int tasks = Option(args, "--tasks", 40);
int parameters = Option(args, "--parameters", 1_000_000);
int steps = Option(args, "--steps", 15);
int threads = Option(args, "--threads", 0);
string[] methods = OptionList(args, "--methods") ?? [.. GradientAggregators.Names.Where(n => n != "sum"), "gradnorm", "dbmtl"];

// Gradients of a realistic shape: a shared component plus task-specific noise, so pairs both agree and conflict.
var random = new Random(2024);
var shared = new float[parameters];
for (int k = 0; k < parameters; k++)
{
    shared[k] = (float)Gaussian(random);
}

var rows = new float[tasks][];
for (int i = 0; i < tasks; i++)
{
    rows[i] = new float[parameters];
    double sign = i % 3 == 0 ? -0.3 : 0.5;
    double scale = 0.5 + (2.0 * i / tasks);
    for (int k = 0; k < parameters; k++)
    {
        rows[i][k] = (float)(scale * ((sign * shared[k]) + Gaussian(random)));
    }
}

var gradients = new GradientMatrix(rows) { MaxDegreeOfParallelism = threads };
float[] losses = Enumerable.Range(0, tasks).Select(i => 0.5f + (0.01f * i)).ToArray();
var update = new float[parameters];
var diagnostics = new MultitaskDiagnostics(tasks);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"T = {tasks} tasks, P = {parameters:N0} parameters, {steps} steps after 2 warm-ups, " +
    $"{(threads > 0 ? threads : Environment.ProcessorCount)} threads, {Environment.ProcessorCount} logical cores."));
Console.WriteLine();
Console.WriteLine("| method | step median (ms) | step min (ms) | Gram (ms) | solver (ms) | update (ms) | solver share |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (string name in methods)
{
    IMultitaskMethod method = MultitaskMethods.Names.Contains(name) && name is not ("ew" or "mean")
        ? MultitaskMethods.Create(name, tasks)
        : new AggregationMethod(GradientAggregators.Create(name, tasks), GradientSource.SharedParameters);
    var total = new List<double>();
    var gram = new List<double>();
    var solver = new List<double>();
    var sum = new List<double>();
    for (int step = 0; step < steps + 2; step++)
    {
        method.Aggregate(gradients, losses, update, diagnostics);
        if (step < 2)
        {
            continue;
        }

        total.Add(diagnostics.GramTime.TotalMilliseconds + diagnostics.SolverTime.TotalMilliseconds +
            diagnostics.UpdateTime.TotalMilliseconds);
        gram.Add(diagnostics.GramTime.TotalMilliseconds);
        solver.Add(diagnostics.SolverTime.TotalMilliseconds);
        sum.Add(diagnostics.UpdateTime.TotalMilliseconds);
    }

    // A step is Gram + solver + update as the aggregation times them; the diagnostics' own pass (and the Gram a
    // coordinate method computes only for its diagnostics) is left out. On a shared machine the minimum is the
    // better estimate of the uncontended cost, the median of the typical one.
    double stepMedian = Median(total);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {stepMedian:F1} | {total.Min():F1} | {Median(gram):F1} | {Median(solver):F3} | {Median(sum):F1} | " +
        $"{100 * Median(solver) / stepMedian:F2} % |"));
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    int half = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[half] : 0.5 * (sorted[half - 1] + sorted[half]);
}

static double Gaussian(Random random) =>
    Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

static int Option(string[] args, string name, int fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static string[]? OptionList(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1].Split(',') : null;
}
