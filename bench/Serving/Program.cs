using System.Globalization;
using MtlOnnx.Serving.Bench;

// dotnet run -c Release --project bench/Serving -- bench [SECONDS [SAMPLES [conv|dense]]] [--rounds N]
//     [--repository DIR [--model NAME] [--batching "CONFIG.PBTXT TEXT"]]
// dotnet run -c Release --project bench/Serving -- soak [MINUTES [CONCURRENCY]]
// dotnet run -c Release --project bench/Serving -- breakdown [CALLS] [--repository DIR [--model NAME]]
// dotnet run -c Release --project bench/Serving -- compare [ROUNDS [CALLS]] --baseline OTHER_BUILD/MtlOnnx.Serving.Bench.dll
//     [--after-env NAME=VALUE]
//     [--repository DIR [--model NAME]]
// dotnet run -c Release --project bench/Serving -- lone [ROUNDS [CALLS [DELAY_US]]] [--burst CONCURRENCY]
//     [--repository DIR [--model NAME]]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
var positional = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        positional.Add(args[i]);
    }
}

var mode = positional.Count > 0 ? positional[0] : "bench";
int Arg(int index, int fallback) =>
    positional.Count > index ? int.Parse(positional[index], CultureInfo.InvariantCulture) : fallback;
BenchTarget Target()
{
    var target = options.TryGetValue("--repository", out var repository)
        ? BenchTarget.FromRepository(repository, options.GetValueOrDefault("--model"))
        : BenchTarget.BuiltIn(dense: positional.Count > 3 && positional[3] == "dense");
    target.BatchingConfig = options.GetValueOrDefault("--batching");
    return target;
}

switch (mode)
{
    case "server":
        return await ServerMode.RunAsync(positional[1], positional[2] == "on",
            long.Parse(positional[3], CultureInfo.InvariantCulture));
    case "soak":
    {
        using var target = Target();
        return await SoakMode.RunAsync(Arg(1, 10), Arg(2, 32), target);
    }

    case "lone":
    {
        using var target = Target();
        return await LoneMode.RunAsync(Arg(1, 5), Arg(2, 2000), Arg(3, 0),
            int.Parse(options.GetValueOrDefault("--burst", "0"), CultureInfo.InvariantCulture), target);
    }

    case "compare":
    {
        using var target = Target();
        var environment = options.TryGetValue("--after-env", out var setting)
            ? new Dictionary<string, string> { [setting.Split('=')[0]] = setting[(setting.IndexOf('=') + 1)..] }
            : new Dictionary<string, string>();
        return await CompareMode.RunAsync(Arg(1, 5), Arg(2, 1000), options["--baseline"], environment, target);
    }

    case "breakdown":
    {
        using var target = Target();
        return await BreakdownMode.RunAsync(Arg(1, 20_000), target);
    }

    default:
    {
        using var target = Target();
        var rounds = int.Parse(options.GetValueOrDefault("--rounds", "3"), CultureInfo.InvariantCulture);
        return await BenchmarkMode.RunAsync(Arg(1, 2), Arg(2, 3000), rounds, target);
    }
}
