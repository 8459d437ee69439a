using System.Text.Json;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

public sealed class ExternalRuntimeTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    public static TheoryData<ExportPrecision> Precisions => [ExportPrecision.Float32, ExportPrecision.Float16, ExportPrecision.Int8];

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Export_PassesOnnxCheckerFullCheck(ExportPrecision precision)
    {
        ExternalTools.RequirePythonOnnx();
        using var repo = new TempFolder();
        var result = ModelExporter.Export(
            ModelExporterTests.Source(s_model),
            new ExportOptions { Repository = repo.Path, Precision = precision });

        const string script =
            "import sys, onnx\n" +
            "m = onnx.load(sys.argv[1])\n" +
            "onnx.checker.check_model(m, full_check=True)\n" +
            "print(m.ir_version, m.opset_import[0].version, len(m.graph.node))\n";
        var output = ExternalTools.Run(ExternalTools.Python, ["-c", script, result.ModelPath]).Trim();

        var fields = output.Split(' ');
        Assert.Equal("8", fields[0]);
        Assert.Equal("17", fields[1]);
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Export_RunsInOnnxRuntimeWebUnderNode_SameOutputs(ExportPrecision precision)
    {
        var node = ExternalTools.Node();
        var cache = ExternalTools.OrtWeb();
        using var repo = new TempFolder();
        var result = ModelExporter.Export(
            ModelExporterTests.Source(s_model),
            new ExportOptions { Repository = repo.Path, Precision = precision });
        const int batch = 3;
        var input = s_model.SampleBatch(batch, seed: 41);
        var shape = s_model.BatchShape(batch);
        var outputNames = s_model.Tasks.Select(t => t.Name).Append("shape_probabilities").ToArray();

        var inputFile = repo.Combine("input.json");
        File.WriteAllText(inputFile, JsonSerializer.Serialize(new { name = s_model.InputName, shape, data = input }));
        var script = Path.Combine(cache, $"run-{Guid.NewGuid():N}.mjs");
        File.WriteAllText(script, """
            import * as ort from 'onnxruntime-web';
            import fs from 'fs';
            ort.env.wasm.numThreads = 1;
            const [modelPath, inputPath, ...outputs] = process.argv.slice(2);
            const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
            const session = await ort.InferenceSession.create(fs.readFileSync(modelPath), { executionProviders: ['wasm'] });
            const feeds = { [input.name]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) };
            const results = await session.run(feeds);
            const out = {};
            for (const name of outputs) { out[name] = Array.from(results[name].data, Number); }
            console.log(JSON.stringify(out));
            """);
        string json;
        try
        {
            json = ExternalTools.Run(node, [script, result.ModelPath, inputFile, .. outputNames], cache);
        }
        finally
        {
            File.Delete(script);
        }

        var web = JsonSerializer.Deserialize<Dictionary<string, float[]>>(json)!;
        var native = OrtTestRunner.Run(
            OnnxModelIO.Load(result.ModelPath),
            new Dictionary<string, (float[], long[])> { [s_model.InputName] = (input, shape) },
            null,
            outputNames);
        foreach (var name in outputNames)
        {
            OrtTestRunner.AssertClose(native[name], web[name], 1e-4, $"{precision} {name}");
        }
    }
}
