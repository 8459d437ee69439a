using System.Diagnostics;
using System.Text.Json;
using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Tests.Commands;

public sealed class InspectCommandTests
{
    public static TheoryData<string> Fixtures => new(TorchFixtures.Names);

    // The facts inspect must print, computed independently by the onnx Python package.
    private const string FactsScript = """
        import collections, json, sys
        import numpy
        import onnx
        from onnx import numpy_helper
        m = onnx.load(sys.argv[1])
        g = m.graph
        inits = {t.name for t in g.initializer}
        def dims(v):
            return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in v.type.tensor_type.shape.dim]
        arrays = [numpy_helper.to_array(t) for t in g.initializer]
        print(json.dumps({
            "ir_version": m.ir_version,
            "opsets": {(o.domain or "ai.onnx"): o.version for o in m.opset_import},
            "inputs": [[v.name, dims(v)] for v in g.input if v.name not in inits],
            "outputs": [[v.name, dims(v)] for v in g.output],
            "operators": dict(collections.Counter(n.op_type for n in g.node)),
            "count": int(sum(a.size for a in arrays)),
            "bytes": int(sum(a.nbytes for a in arrays)),
        }))
        """;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Inspect_Json_MatchesOnnxPythonFacts(string name)
    {
        var path = TorchFixtures.PathOf(name);
        using var expected = JsonDocument.Parse(PythonTool.RunScript(FactsScript, [path]));

        var (code, stdout, stderr) = Run("inspect", path, "--json");

        Assert.Equal((0, ""), (code, stderr));
        using var actual = JsonDocument.Parse(stdout);
        var e = expected.RootElement;
        var a = actual.RootElement;
        Assert.Equal(name, a.GetProperty("file").GetString());
        Assert.Equal(e.GetProperty("ir_version").GetInt64(), a.GetProperty("ir_version").GetInt64());
        Assert.Equal(Histogram(e.GetProperty("opsets")), Histogram(a.GetProperty("opsets")));
        Assert.Equal(Tensors(e.GetProperty("inputs")), a.GetProperty("inputs").EnumerateArray().Select(TensorText));
        Assert.Equal(Tensors(e.GetProperty("outputs")), a.GetProperty("outputs").EnumerateArray().Select(TensorText));
        Assert.Equal(Histogram(e.GetProperty("operators")), Histogram(a.GetProperty("operators")));
        Assert.Equal(e.GetProperty("count").GetInt64(), a.GetProperty("parameters").GetProperty("count").GetInt64());
        Assert.Equal(e.GetProperty("bytes").GetInt64(), a.GetProperty("parameters").GetProperty("bytes").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Inspect_Text_ListsInputsOutputsOperatorsAndParameters(string name)
    {
        var path = TorchFixtures.PathOf(name);
        var model = OnnxModelIO.Load(path);

        var (code, stdout, stderr) = Run("inspect", path);

        Assert.Equal((0, ""), (code, stderr));
        Assert.Contains($"Model       {name}", stdout);
        Assert.Contains("Opsets      ai.onnx 17", stdout);
        Assert.Contains("Producer    pytorch", stdout);
        var x = model.Graph.Input[0];
        Assert.Matches($@"\n  x\s+float\s+\[{string.Join(", ", ValueInfos.GetShape(x)!)}\]", stdout.Replace("\r", ""));
        Assert.Contains($"Operators ({model.Graph.Node.Count} nodes)", stdout);
        foreach (var group in model.Graph.Node.GroupBy(n => n.OpType))
        {
            Assert.Matches($@"\n  {group.Key}\s+{group.Count()}\n", stdout.Replace("\r", ""));
        }

        var parameters = model.Graph.Initializer.Sum(t => t.Dims.Aggregate(1L, (p, d) => p * d));
        Assert.Contains($"Parameters  {parameters:N0} in {model.Graph.Initializer.Count} initializers", stdout);
    }

    [Fact]
    public void Inspect_ModelCard_PrettyPrintedInTextAndEmbeddedInJson()
    {
        using var folder = new TempFolder();
        var model = OnnxModelIO.Load(TorchFixtures.PathOf("mlp.onnx"));
        var card = """{"version":1,"tasks":[{"name":"category","kind":"multiclass","labels":["a","b","c"]}]}""";
        model.MetadataProps.Add(new StringStringEntryProto { Key = "mtlonnx.model_card", Value = card });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "tests" });
        var path = Path.Combine(folder.Path, "carded.onnx");
        OnnxModelIO.Save(model, path);

        var text = Run("inspect", path).Stdout.Replace("\r", "");
        var json = Run("inspect", path, "--json").Stdout;

        Assert.Contains("  mtlonnx.model_card:\n    {\n      \"version\": 1,\n      \"tasks\": [", text);
        Assert.Contains("          \"name\": \"category\",", text);
        Assert.Contains("  author: tests", text);
        using var document = JsonDocument.Parse(json);
        var metadata = document.RootElement.GetProperty("metadata");
        var task = metadata.GetProperty("mtlonnx.model_card").GetProperty("tasks")[0];
        Assert.Equal("category", task.GetProperty("name").GetString());
        Assert.Equal("tests", metadata.GetProperty("author").GetString());
    }

    [Theory]
    [InlineData("random", "is not an ONNX model")]
    [InlineData("truncated", "is truncated")]
    [InlineData("missing", "does not exist")]
    [InlineData("dangling", "input 'ghost' is not produced by any node, input or initializer.")]
    public void Inspect_BadFile_ExitsNonZeroWithOneLineOnStderr(string kind, string expected)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, kind + ".onnx");
        var good = File.ReadAllBytes(TorchFixtures.PathOf("convnet_bn.onnx"));
        switch (kind)
        {
            case "random":
                var bytes = new byte[2048];
                new Random(5).NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                break;
            case "truncated":
                File.WriteAllBytes(path, good[..(good.Length / 2)]);
                break;
            case "dangling":
                var model = ModelProto.Parser.ParseFrom(good);
                model.Graph.Node[1].Input[0] = "ghost";
                File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
                break;
        }

        var (code, stdout, stderr) = Run("inspect", path);

        Assert.NotEqual(0, code);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("mtlonnx inspect: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void Inspect_AsProcess_BadFileGivesExitCodeOne()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "text.onnx");
        File.WriteAllText(path, "not a model");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mtlonnx.dll"));
        start.ArgumentList.Add("inspect");
        start.ArgumentList.Add(path);

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("is not an ONNX model", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static IEnumerable<string> Tensors(JsonElement list) =>
        list.EnumerateArray().Select(t => $"{t[0].GetString()} {Compact(t[1])}");

    private static string TensorText(JsonElement tensor) =>
        $"{tensor.GetProperty("name").GetString()} {Compact(tensor.GetProperty("shape"))}";

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    private static SortedDictionary<string, int> Histogram(JsonElement element) =>
        new(element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()), StringComparer.Ordinal);
}
