using System.Globalization;
using MtlOnnx.Bench.TrainerReplay;
using MtlOnnx.Training.Jobs;

// Trains a job with MtlOnnx's trainer and writes the files bench/trainer/torch_replay.py replays in PyTorch (see
// ReplayRun). With --initial-only it writes only the initial parameters (to start PyTorch from another job seed's).
// Usage: MtlOnnx.Bench.TrainerReplay JOB.yaml OUTPUT_FOLDER [THREADS] [--initial-only]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MtlOnnx.Bench.TrainerReplay JOB.yaml OUTPUT_FOLDER [THREADS] [--initial-only]");
    return 2;
}

var job = JobFile.Load(args[0]);
var folder = args[1];
Directory.CreateDirectory(folder);
if (args.Contains("--initial-only"))
{
    ReplayRun.WriteInitial(job, folder);
    return 0;
}

var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
var result = ReplayRun.Write(job, folder, threads);
foreach (var epoch in result.History)
{
    Console.WriteLine($"epoch {epoch.Epoch + 1}: " + string.Join(", ", epoch.ValidationMetrics.Select(m =>
        $"{m.Key} {m.Value["accuracy"]:F4}")));
}

Console.WriteLine($"wrote {folder}");
return 0;
