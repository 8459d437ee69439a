using System.Diagnostics;
using System.Text.Json;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

/// <summary>
/// An independent client (Python grpcio with stubs generated from our protos by grpc_tools) calls every RPC of
/// the Open Inference Protocol service. Needs /usr/bin/python3 with grpcio, grpc_tools and numpy (Debian's
/// python3-grpcio, python3-grpc-tools and python3-numpy).
/// </summary>
public sealed class PythonClientTests : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private readonly TestRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task PythonGrpcioClient_CallsEveryInferenceRpc()
    {
        Assert.True(File.Exists(Python),
            $"{Python} is missing: install Debian's python3 with python3-grpcio, python3-grpc-tools and python3-numpy.");
        _repository.Add("affine", 1, TestModels.Affine(2f)).Add("strings", 1, TestModels.Strings());
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:ModelControlMode"] = "Explicit",
            ["Serving:LoadModels:0"] = "*",
        });
        var stubs = Path.Combine(_repository.Base, "stubs");
        Directory.CreateDirectory(stubs);
        var protos = Path.Combine(AppContext.BaseDirectory, "protos");

        var (code, output, error) = await RunAsync(
            $"-m grpc_tools.protoc -I {protos} --python_out={stubs} --grpc_python_out={stubs} " +
            "inference/grpc_service.proto inference/model_config.proto");
        Assert.True(code == 0, $"grpc_tools.protoc failed (is python3-grpc-tools installed?): {error}");
        File.WriteAllText(Path.Combine(stubs, "inference", "__init__.py"), string.Empty);
        var script = Path.Combine(AppContext.BaseDirectory, "Python", "oip_client.py");
        (code, output, error) = await RunAsync($"{script} {stubs} 127.0.0.1:{server.Server.GrpcAddress.Port}");
        Assert.True(code == 0, $"The Python client failed: {error}");

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("live").GetBoolean());
        Assert.True(root.GetProperty("ready").GetBoolean());
        Assert.True(root.GetProperty("model_ready").GetBoolean());
        Assert.Contains("statistics", root.GetProperty("server").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
        var metadata = root.GetProperty("metadata");
        Assert.Equal("onnx_onnxv1", metadata.GetProperty("platform").GetString());
        Assert.Equal("""[["x","FP32",[-1,4]]]""", metadata.GetProperty("inputs").GetRawText().Replace(" ", ""));
        var raw = root.GetProperty("infer_raw");
        Assert.Equal(("py", "1"), (raw.GetProperty("id").GetString(), raw.GetProperty("version").GetString()));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (2f * i) + 1), raw.GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal([10f], root.GetProperty("infer_typed").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal(["café", "", "grpc"], root.GetProperty("infer_bytes").EnumerateArray().Select(e => e.GetString()));
        var config = root.GetProperty("config");
        Assert.Equal(("affine", "onnxruntime_onnx", 64), (config.GetProperty("name").GetString(),
            config.GetProperty("platform").GetString(), config.GetProperty("max_batch_size").GetInt32()));
        var stats = root.GetProperty("stats")[0];
        Assert.True(stats.GetProperty("success").GetInt32() >= 2);
        Assert.True(stats.GetProperty("inference_count").GetInt32() >= 3);
        Assert.False(root.GetProperty("after_unload").GetBoolean());
        Assert.Contains("""["strings","","UNAVAILABLE"]""", root.GetProperty("index").GetRawText().Replace(" ", ""));
        Assert.True(root.GetProperty("after_load").GetBoolean());
        var errors = root.GetProperty("errors");
        Assert.Equal("NOT_FOUND", errors.GetProperty("unknown_model")[0].GetString());
        Assert.Equal("INVALID_ARGUMENT", errors.GetProperty("bad_shape")[0].GetString());
        Assert.Contains("has shape [1,5]", errors.GetProperty("bad_shape")[1].GetString());
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(Python, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
