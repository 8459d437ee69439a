using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// Runs h2load with a pre-encoded gRPC frame as the request body. h2load does not read grpc-status, so the server's
/// success counter is read before and after to confirm that every call succeeded.
/// </summary>
internal static partial class H2Load
{
    public static async Task<string> RunAsync(ServerProcess server, ModelInferRequest infer, EchoMessage echo, bool batching)
    {
        var lines = new List<string>();
        foreach (var (name, port, path, message) in new (string, int, string, IMessage)[]
        {
            ("ModelInfer", server.GrpcPort, "/inference.GRPCInferenceService/ModelInfer", infer),
            ("echo", server.EchoPort, "/mtlonnx.bench.Echo/Echo", echo),
        })
        {
            var frame = Path.GetTempFileName();
            var bytes = message.ToByteArray();
            var body = new byte[5 + bytes.Length];
            BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), bytes.Length);
            bytes.CopyTo(body, 5);
            await File.WriteAllBytesAsync(frame, body);
            var before = await server.MetricAsync("nv_inference_request_success");
            var output = await ShellAsync("h2load",
                $"-n 20000 -c 4 -m 32 -d {frame} -H \"content-type: application/grpc\" -H \"te: trailers\" http://127.0.0.1:{port}{path}");
            File.Delete(frame);
            var succeeded = await server.MetricAsync("nv_inference_request_success") - before;
            var rate = RequestsPerSecond().Match(output);
            var echoRow = name == "echo";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {(echoRow ? "n/a" : batching ? "on" : "off")} | " +
                $"{(rate.Success ? rate.Groups[1].Value : "h2load failed")} | " +
                $"{(echoRow ? "n/a" : succeeded.ToString("0", CultureInfo.InvariantCulture))} |"));
        }

        return string.Join('\n', lines);
    }

    private static async Task<string> ShellAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    [GeneratedRegex(@"finished in [^,]+, ([\d.]+) req/s")]
    private static partial Regex RequestsPerSecond();
}
