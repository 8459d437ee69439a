using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The server under test, in a child process of its own so that its CPU time is its own: the MtlOnnx server and,
/// beside it on the same Kestrel settings, the bare echo service.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http = new();

    private ServerProcess(Process process, int grpcPort, int metricsPort, int echoPort)
    {
        _process = process;
        GrpcPort = grpcPort;
        MetricsPort = metricsPort;
        EchoPort = echoPort;
    }

    public int GrpcPort { get; }

    public int MetricsPort { get; }

    public int EchoPort { get; }

    /// <summary>Starts a server process.</summary>
    /// <param name="repository">The repository to serve.</param>
    /// <param name="batching">Whether dynamic batching is on for models without a config.pbtxt.</param>
    /// <param name="delayMicroseconds">Their queue delay.</param>
    /// <param name="benchAssembly">
    /// The benchmark assembly whose server mode to run: another build's, to compare two builds in one run; this one's
    /// when <see langword="null"/>.
    /// </param>
    /// <param name="environment">Environment variables for the server process (runtime settings to compare).</param>
    public static async Task<ServerProcess> StartAsync(string repository, bool batching, long delayMicroseconds,
        string? benchAssembly = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var self = benchAssembly ?? typeof(ServerProcess).Assembly.Location;
        var host = Environment.ProcessPath!;
        var underDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        if (benchAssembly is not null && !underDotnet)
        {
            host = "dotnet";
            underDotnet = true;
        }

        var prefix = underDotnet ? $"\"{self}\" " : string.Empty;
        var info = new ProcessStartInfo(host, $"{prefix}server \"{repository}\" {(batching ? "on" : "off")} {delayMicroseconds}")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var match = ReadyLine().Match(line);
            if (match.Success)
            {
                int Port(int i) => int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
                _ = DrainAsync(process);
                return new ServerProcess(process, Port(1), Port(2), Port(3));
            }
        }

        throw new InvalidOperationException("The benchmark server exited before it was ready.");
    }

    /// <summary>Reads one metric from the server's /metrics, summed over its label sets.</summary>
    public async Task<double> MetricAsync(string name)
    {
        var text = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length > name.Length && line[name.Length] is ' ' or '{'))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _process.StandardInput.Close();
        if (!_process.WaitForExit(15_000))
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static async Task DrainAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is not null)
        {
        }
    }

    [GeneratedRegex(@"^READY (\d+) (\d+) (\d+)$")]
    private static partial Regex ReadyLine();
}
