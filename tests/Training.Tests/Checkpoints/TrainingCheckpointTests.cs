using System.Text;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Session;

namespace MtlOnnx.Training.Tests.Checkpoints;

public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly TempFolder _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void SaveThenLoad_RoundTripsTensorsStateAndProperties()
    {
        var path = _directory.File("ckpt.safetensors");
        var original = CheckpointSamples.Create();

        original.Save(path);
        var loaded = TrainingCheckpoint.Load(path);

        Assert.Equal(original.Tensors.Select(t => (t.Name, t.Role)), loaded.Tensors.Select(t => (t.Name, t.Role)));
        foreach (var tensor in original.Tensors)
        {
            var back = loaded.Find(tensor.Role, tensor.Name)!;
            Assert.Equal(tensor.Shape, back.Shape);
            Assert.Equal(tensor.Data, back.Data);
        }

        Assert.Equal((42L, 2.5e-4f, false), (loaded.Step, loaded.LearningRate, loaded.LearningRateIsConstant));
        Assert.Equal(original.Scheduler, loaded.Scheduler);
        Assert.Equal(original.RandomState, loaded.RandomState);
        Assert.Equal(original.MethodState, loaded.MethodState);
        Assert.Equal(OptimizerKind.AdamW, loaded.Optimizer!.Kind);
        Assert.Equal(3L, loaded.Properties.GetProperty("epoch"));
        Assert.Equal(0.125f, loaded.Properties.GetProperty("best_loss"));
        Assert.Equal("fashion-two-task", loaded.Properties.GetProperty("run"));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Save_FileIsReadableByPythonWithJsonAndNumpy()
    {
        var path = _directory.File("ckpt.safetensors");
        var checkpoint = CheckpointSamples.Create();
        checkpoint.Save(path);
        const string Script = """
            import json, struct, sys
            import numpy as np
            raw = open(sys.argv[1], "rb").read()
            (n,) = struct.unpack("<Q", raw[:8])
            header = json.loads(raw[8:8 + n].decode("utf-8"))
            data = raw[8 + n:]
            meta = header.pop("__metadata__")
            state = json.loads(meta["mtlonnx.checkpoint"])
            out = {"step": state["step"], "epoch": state["properties"]["ints"]["epoch"],
                   "run": state["properties"]["strings"]["run"], "tensors": {}}
            for name, info in header.items():
                begin, end = info["data_offsets"]
                assert info["dtype"] == "F32"
                array = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
                out["tensors"][name] = [list(array.shape), float(array.reshape(-1)[0]), float(array.sum(dtype=np.float64))]
            print(json.dumps(out))
            """;

        var output = PythonTool.RunScriptIn(Script, _directory.Path, path);

        using var result = System.Text.Json.JsonDocument.Parse(output);
        var root = result.RootElement;
        Assert.Equal(42, root.GetProperty("step").GetInt64());
        Assert.Equal(3, root.GetProperty("epoch").GetInt64());
        Assert.Equal("fashion-two-task", root.GetProperty("run").GetString());
        var tensors = root.GetProperty("tensors");
        Assert.Equal(checkpoint.Tensors.Count, tensors.EnumerateObject().Count());
        foreach (var tensor in checkpoint.Tensors)
        {
            var fileName = tensor.Role == CheckpointTensorRole.OptimizerState ? "optimizer." + tensor.Name : tensor.Name;
            var seen = tensors.GetProperty(fileName);
            Assert.Equal(tensor.Shape, seen[0].EnumerateArray().Select(d => d.GetInt64()));
            Assert.Equal(tensor.Data[0], (float)seen[1].GetDouble());
            Assert.Equal(tensor.Data.Sum(v => (double)v), seen[2].GetDouble(), 6);
        }
    }

    [Theory]
    [InlineData(5, "shorter than the 8-byte header length")]
    [InlineData(40, "the file is truncated: the header declares")]
    [InlineData(-16, "the file is truncated: tensor 'optimizer.conv.bias.exp_avg_sq' needs bytes")]
    public void Load_TruncatedFile_SaysWhereItEnds(int keep, string expected)
    {
        var path = _directory.File("ckpt.safetensors");
        CheckpointSamples.Create().Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(keep > 0 ? keep : bytes.Length + keep)]);

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FlippedDataByte_FailsTheChecksum()
    {
        var path = _directory.File("ckpt.safetensors");
        CheckpointSamples.Create().Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Load(path));

        Assert.Contains("does not match the SHA-256 recorded in the header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BrokenHeaderJson_SaysTheHeaderIsCorrupt()
    {
        var path = _directory.File("ckpt.safetensors");
        CheckpointSamples.Create().Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'[';
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Load(path));

        Assert.Contains("the header is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(
        """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}""",
        12,
        "needs 8 bytes, but its data_offsets [0, 12) span 12")]
    [InlineData(
        """{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""",
        8,
        "dtype 'Q4', which the safetensors format does not define")]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
        12,
        "'a' ends at byte 4 of the data section and 'b' begins at byte 8")]
    [InlineData(
        """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
        8,
        "the data section has 8 bytes, but the tensors cover 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "expected a non-negative integer")]
    public void Load_InconsistentHeader_NamesTheTensor(string header, int dataBytes, string expected)
    {
        var path = _directory.File("bad.safetensors");
        WriteRaw(path, header, new byte[dataBytes]);

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PlainSafetensorsFromAnotherTool_LoadsTensorsAsParameters()
    {
        var path = _directory.File("plain.safetensors");
        var data = new byte[8];
        BitConverter.TryWriteBytes(data.AsSpan(0, 4), 1.5f);
        BitConverter.TryWriteBytes(data.AsSpan(4, 4), -2f);
        WriteRaw(path, """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", data);

        var checkpoint = TrainingCheckpoint.Load(path);

        var tensor = Assert.Single(checkpoint.Tensors);
        Assert.Equal(("w", CheckpointTensorRole.Trainable), (tensor.Name, tensor.Role));
        Assert.Equal([1.5f, -2f], tensor.Data);
    }

    [Fact]
    public void Compare_ListsEveryDifferenceInASentence()
    {
        var path = _directory.File("ckpt.safetensors");
        CheckpointSamples.Create().Save(path);
        var checkpoint = TrainingCheckpoint.Load(path);
        ParameterDescriptor[] model =
        [
            new("conv.weight", [4, 1, 5, 5]),
            new("conv.bias", [4]),
            new("fc.weight", [10, 4]),
        ];

        var differences = checkpoint.Compare(model, CheckpointSamples.State, requireOptimizerState: true);

        Assert.Equal(
            [
                "The parameter 'conv.weight' has shape [4, 1, 3, 3] in the checkpoint, expected [4, 1, 5, 5].",
                "The parameter 'fc.weight' [10, 4] is missing.",
                "The checkpoint has the parameter 'bn.running_mean', which the model does not have.",
            ],
            differences);
    }

    [Fact]
    public void Compare_TensorOfAnotherType_SaysWhichType()
    {
        var path = _directory.File("f64.safetensors");
        WriteRaw(path, """{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}""", new byte[16]);
        var checkpoint = TrainingCheckpoint.Load(path);

        var differences = checkpoint.Compare([new ParameterDescriptor("w", [2])], [], requireOptimizerState: false);

        Assert.Equal(["The parameter 'w' has type F64 in the checkpoint, expected F32."], differences);
    }

    [Fact]
    public void Compare_WithoutOptimizerState_MatchesUnlessRequired()
    {
        var checkpoint = CheckpointSamples.Create();
        foreach (var state in checkpoint.TensorsWithRole(CheckpointTensorRole.OptimizerState).ToList())
        {
            checkpoint.Tensors.Remove(state);
        }

        var parameters = CheckpointSamples.Parameters;
        Assert.Empty(checkpoint.Compare(parameters, CheckpointSamples.State, requireOptimizerState: false));
        Assert.Equal(4, checkpoint.Compare(parameters, CheckpointSamples.State, requireOptimizerState: true).Count);
    }

    private static void WriteRaw(string path, string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        stream.Write(data);
    }
}
