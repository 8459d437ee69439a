using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Tests;

public sealed class ProtoTextParserTests
{
    [Fact]
    public void Parse_TritonConfig_ReadsEverySupportedField()
    {
        const string Text = """
            # A config as Triton's documentation writes them.
            name: "shapes"
            platform: "onnxruntime_onnx"
            max_batch_size: 32
            version_policy: { specific: { versions: [1, 3] } }
            input [
              {
                name: "image"
                data_type: TYPE_FP32
                format: FORMAT_NCHW
                dims: [ 3, 64, 64 ]
              }
            ]
            output [ { name: "logits", data_type: TYPE_FP32, dims: [ 10 ], label_filename: "labels.txt" } ]
            dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100
              default_queue_policy { max_queue_size: 64 } }
            instance_group [ { count: 2 kind: KIND_CPU } ]
            parameters { key: "note" value: { string_value: "a" 'b' } }
            """;

        var config = ProtoTextParser.Parse<ModelConfig>(Text, "config.pbtxt");

        Assert.Equal(("shapes", "onnxruntime_onnx", 32), (config.Name, config.Platform, config.MaxBatchSize));
        Assert.Equal([1L, 3], config.VersionPolicy.Specific.Versions);
        Assert.Equal([3L, 64, 64], config.Input[0].Dims);
        Assert.Equal(ModelInput.Types.Format.Nchw, config.Input[0].Format);
        Assert.Equal("labels.txt", config.Output[0].LabelFilename);
        Assert.Equal([4, 8], config.DynamicBatching.PreferredBatchSize);
        Assert.Equal(100UL, config.DynamicBatching.MaxQueueDelayMicroseconds);
        Assert.Equal(64U, config.DynamicBatching.DefaultQueuePolicy.MaxQueueSize);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup[0].Kind);
        Assert.Equal("ab", config.Parameters["note"].StringValue);
    }

    [Theory]
    [InlineData("sequence_batching { }", "line 1: ModelConfig has no field 'sequence_batching' that MtlOnnx supports")]
    [InlineData("max_batch_size: many", "line 1: field 'max_batch_size' takes a Int32 number, found 'many'")]
    [InlineData("name: \"a\"\ninput [ { data_type: TYPE_FLOAT } ]", "line 2: field 'data_type' takes one of TYPE_INVALID")]
    [InlineData("input { name: \"x\"", "is not closed with '}'")]
    [InlineData("name: \"unterminated", "line 1: a string is not closed")]
    [InlineData("max_batch_size: [1, 2]", "field 'max_batch_size' takes one value, not a list")]
    public void Parse_BadText_NamesLineAndProblem(string text, string message)
    {
        var error = Assert.Throws<ModelLoadException>(() => ProtoTextParser.Parse<ModelConfig>(text, "m/config.pbtxt"));

        Assert.StartsWith("m/config.pbtxt line ", error.Message);
        Assert.Contains(message, error.Message);
    }
}
