using System.Globalization;
using MtlOnnx.Serving.Bench;

// dotnet run -c Release --project bench/Serving -- [bench [SECONDS [SAMPLES [conv|dense]]] | soak [MINUTES [CONCURRENCY]]]
var mode = args.Length > 0 ? args[0] : "bench";
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
return mode switch
{
    "server" => await ServerMode.RunAsync(args[1], args[2] == "on", long.Parse(args[3], CultureInfo.InvariantCulture)),
    "soak" => await SoakMode.RunAsync(Arg(1, 10), Arg(2, 32)),
    _ => await BenchmarkMode.RunAsync(Arg(1, 5), Arg(2, 3000), args.Length > 3 && args[3] == "dense"),
};
