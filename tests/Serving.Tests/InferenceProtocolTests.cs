using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

public sealed class InferenceProtocolTests : IClassFixture<StandardServerFixture>
{
    private readonly ServerHarness _server;

    public InferenceProtocolTests(StandardServerFixture fixture)
    {
        _server = fixture.Harness;
    }

    private GRPCInferenceService.GRPCInferenceServiceClient Client => _server.Inference;

    [Fact]
    public async Task HealthRpcs_ReportLiveAndReady()
    {
        Assert.True((await Client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await Client.ModelReadyAsync(new ModelReadyRequest { Name = "affine" })).Ready);
        Assert.True((await Client.ModelReadyAsync(new ModelReadyRequest { Name = "affine", Version = "2" })).Ready);
        Assert.False((await Client.ModelReadyAsync(new ModelReadyRequest { Name = "affine", Version = "9" })).Ready);
        Assert.False((await Client.ModelReadyAsync(new ModelReadyRequest { Name = "nothing" })).Ready);
    }

    [Fact]
    public async Task ServerMetadata_NamesStatisticsExtension()
    {
        var metadata = await Client.ServerMetadataAsync(new ServerMetadataRequest());

        Assert.Equal("mtlonnx", metadata.Name);
        Assert.Contains("statistics", metadata.Extensions);
        Assert.Contains("model_repository", metadata.Extensions);
    }

    [Fact]
    public async Task ModelMetadata_DescribesInputsOutputsAndVersions()
    {
        var metadata = await Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "affine" });

        Assert.Equal(["2", "1"], metadata.Versions);
        Assert.Equal("onnx_onnxv1", metadata.Platform);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("x", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 4], input.Shape);
        Assert.Equal(["y", "s"], metadata.Outputs.Select(o => o.Name));
        Assert.Equal([-1L], metadata.Outputs[1].Shape);
    }

    [Fact]
    public async Task ModelConfig_CompletesConfigurationFromTheGraph()
    {
        var newest = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = "affine" })).Config;
        var fixedConfig = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = "fixed" })).Config;

        Assert.Equal("affine", newest.Name);
        Assert.Equal("onnxruntime_onnx", newest.Platform);
        Assert.Equal(8, newest.MaxBatchSize);
        Assert.Null(newest.DynamicBatching);
        Assert.Equal([4L], Assert.Single(newest.Input).Dims);
        Assert.Equal(DataType.TypeFp32, newest.Input[0].DataType);
        Assert.Equal(0, fixedConfig.MaxBatchSize);
        Assert.Equal([1L, 3], Assert.Single(fixedConfig.Input).Dims);
    }

    [Theory]
    [InlineData("", "2", 3f)]
    [InlineData("1", "1", 2f)]
    [InlineData("2", "2", 3f)]
    public async Task ModelInfer_RawFp32_RunsTheRequestedVersion(string version, string expectedVersion, float scale)
    {
        float[] x = [1, 2, 3, 4, -1, 0, 0.5f, 2];

        var response = await Client.ModelInferAsync(Requests.AffineRaw(x, version: version));

        Assert.Equal(("affine", expectedVersion, "req-1"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Equal(x.Select(v => (v * scale) + 1), Requests.Floats(response, "y"));
        Assert.Equal([10f, 1.5f], Requests.Floats(response, "s"));
        Assert.Equal([2L, 4], response.Outputs[0].Shape);
    }

    [Fact]
    public async Task ModelInfer_TypedRequest_GetsTypedOutputs()
    {
        var request = Requests.AffineTyped([1, 1, 1, 1]);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "s" });

        var response = await Client.ModelInferAsync(request);

        Assert.Empty(response.RawOutputContents);
        var output = Assert.Single(response.Outputs);
        Assert.Equal("s", output.Name);
        Assert.Equal([4f], output.Contents.Fp32Contents);
    }

    [Fact]
    public async Task ModelInfer_FixedShapeModel_RunsWithoutBatchDimension()
    {
        var request = new ModelInferRequest { ModelName = "fixed" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "x",
            Datatype = "FP32",
            Shape = { 1, 3 },
            Contents = new InferTensorContents { Fp32Contents = { -1f, 2f, -3f } },
        });

        var response = await Client.ModelInferAsync(request);

        Assert.Equal([0f, 2f, 0f], response.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public async Task ModelInfer_EveryDatatypeTyped_RoundTrips()
    {
        var request = new ModelInferRequest { ModelName = "typed" };
        void Add(string name, string datatype, InferTensorContents contents) => request.Inputs.Add(
            new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype, Shape = { 1, 2 }, Contents = contents });
        Add("b", "BOOL", new() { BoolContents = { true, false } });
        Add("u8", "UINT8", new() { UintContents = { 0, 255 } });
        Add("i8", "INT8", new() { IntContents = { -128, 127 } });
        Add("i16", "INT16", new() { IntContents = { -32768, 32767 } });
        Add("i32", "INT32", new() { IntContents = { int.MinValue, int.MaxValue } });
        Add("i64", "INT64", new() { Int64Contents = { long.MinValue, long.MaxValue } });
        Add("f32", "FP32", new() { Fp32Contents = { -1.5f, float.MaxValue } });
        Add("f64", "FP64", new() { Fp64Contents = { Math.PI, -0.0 } });

        // FP16 has no typed field, and raw and typed contents cannot be mixed: the FP16 input is left to its own test.
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("lacks input 'f16'", error.Status.Detail);

        Add("f16", "FP16", new());
        error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(request));
        Assert.Contains("raw_input_contents", error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_EveryTypedField_RoundTripsExtremesExactly()
    {
        var request = new ModelInferRequest { ModelName = "typed-fields" };
        void Add(string name, string datatype, InferTensorContents contents) => request.Inputs.Add(
            new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype, Shape = { 1, 2 },
                Contents = contents });
        Add("b", "BOOL", new() { BoolContents = { true, false } });
        Add("u8", "UINT8", new() { UintContents = { 0, 255 } });
        Add("u16", "UINT16", new() { UintContents = { 1, 65535 } });
        Add("u32", "UINT32", new() { UintContents = { 2, uint.MaxValue } });
        Add("u64", "UINT64", new() { Uint64Contents = { 3, ulong.MaxValue } });
        Add("i8", "INT8", new() { IntContents = { -128, 127 } });
        Add("i16", "INT16", new() { IntContents = { -32768, 32767 } });
        Add("i32", "INT32", new() { IntContents = { int.MinValue, int.MaxValue } });
        Add("i64", "INT64", new() { Int64Contents = { long.MinValue, long.MaxValue } });
        Add("f32", "FP32", new() { Fp32Contents = { -1.5f, float.MaxValue } });
        Add("f64", "FP64", new() { Fp64Contents = { Math.PI, -0.0 } });

        var response = await Client.ModelInferAsync(request);

        // Typed in, typed out: each output carries its input's values in the same field.
        Assert.Empty(response.RawOutputContents);
        Assert.Equal(request.Inputs.Count, response.Outputs.Count);
        foreach (var input in request.Inputs)
        {
            var output = response.Outputs.Single(o => o.Name == "out_" + input.Name);
            Assert.Equal(input.Datatype, output.Datatype);
            Assert.Equal([1L, 2], output.Shape);
            Assert.Equal(input.Contents, output.Contents);
        }
    }

    [Theory]
    [InlineData("i8", 128, "Input 'i8' is INT8, but element 1 of int_contents is 128, outside [-128, 127]")]
    [InlineData("i16", -32769, "Input 'i16' is INT16, but element 1 of int_contents is -32769, outside [-32768, 32767]")]
    [InlineData("u8", 256, "Input 'u8' is UINT8, but element 1 of uint_contents is 256, outside [0, 255]")]
    [InlineData("u16", 65536, "Input 'u16' is UINT16, but element 1 of uint_contents is 65536, outside [0, 65535]")]
    public async Task ModelInfer_TypedValueOutsideItsType_IsRefused(string name, long value, string expected)
    {
        var bad = TypedFieldsRequest();
        var contents = bad.Inputs.Single(i => i.Name == name).Contents;
        if (name.StartsWith('u'))
        {
            contents.UintContents[1] = (uint)value;
        }
        else
        {
            contents.IntContents[1] = (int)value;
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(bad));
        var ok = await Client.ModelInferAsync(TypedFieldsRequest());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail);
        Assert.Equal(TestModels.TypedFieldInputs.Length, ok.Outputs.Count);
    }

    /// <summary>A valid typed request for the typed-fields model: [1, 2] of ones (true) in each input's field.</summary>
    private static ModelInferRequest TypedFieldsRequest()
    {
        var request = new ModelInferRequest { ModelName = "typed-fields" };
        foreach (var (name, type) in TestModels.TypedFieldInputs)
        {
            var contents = new InferTensorContents();
            var datatype = type switch
            {
                Onnx.ElementType.Bool => Set(contents.BoolContents, true, "BOOL"),
                Onnx.ElementType.UInt8 => Set(contents.UintContents, 1u, "UINT8"),
                Onnx.ElementType.UInt16 => Set(contents.UintContents, 1u, "UINT16"),
                Onnx.ElementType.UInt32 => Set(contents.UintContents, 1u, "UINT32"),
                Onnx.ElementType.UInt64 => Set(contents.Uint64Contents, 1ul, "UINT64"),
                Onnx.ElementType.Int8 => Set(contents.IntContents, 1, "INT8"),
                Onnx.ElementType.Int16 => Set(contents.IntContents, 1, "INT16"),
                Onnx.ElementType.Int32 => Set(contents.IntContents, 1, "INT32"),
                Onnx.ElementType.Int64 => Set(contents.Int64Contents, 1L, "INT64"),
                Onnx.ElementType.Float => Set(contents.Fp32Contents, 1f, "FP32"),
                _ => Set(contents.Fp64Contents, 1.0, "FP64"),
            };
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
            {
                Name = name,
                Datatype = datatype,
                Shape = { 1, 2 },
                Contents = contents,
            });
        }

        return request;

        static string Set<T>(Google.Protobuf.Collections.RepeatedField<T> field, T one, string datatype)
        {
            field.Add([one, one]);
            return datatype;
        }
    }

    [Fact]
    public async Task ModelInfer_EveryDatatypeRaw_RoundTripsBytes()
    {
        var request = new ModelInferRequest { ModelName = "typed" };
        var payloads = new Dictionary<string, byte[]>
        {
            ["b"] = [1, 0],
            ["u8"] = [7, 250],
            ["i8"] = [0x80, 0x7f],
            ["i16"] = MemoryMarshal.AsBytes<short>([-2, 300]).ToArray(),
            ["i32"] = MemoryMarshal.AsBytes<int>([-70000, 5]).ToArray(),
            ["i64"] = MemoryMarshal.AsBytes<long>([long.MinValue, 1]).ToArray(),
            ["f16"] = MemoryMarshal.AsBytes<Half>([(Half)1.5, (Half)(-2)]).ToArray(),
            ["f32"] = MemoryMarshal.AsBytes<float>([0.25f, -8]).ToArray(),
            ["f64"] = MemoryMarshal.AsBytes<double>([1e-300, 2]).ToArray(),
        };
        var datatypes = new Dictionary<string, string>
        {
            ["b"] = "BOOL", ["u8"] = "UINT8", ["i8"] = "INT8", ["i16"] = "INT16", ["i32"] = "INT32",
            ["i64"] = "INT64", ["f16"] = "FP16", ["f32"] = "FP32", ["f64"] = "FP64",
        };
        foreach (var (name, bytes) in payloads)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatypes[name], Shape = { 1, 2 } });
            request.RawInputContents.Add(ByteString.CopyFrom(bytes));
        }

        var response = await Client.ModelInferAsync(request);

        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var name = response.Outputs[i].Name["out_".Length..];
            Assert.Equal(datatypes[name], response.Outputs[i].Datatype);
            Assert.Equal(payloads[name], response.RawOutputContents[i].ToByteArray());
        }

        Assert.Equal(payloads.Count, response.Outputs.Count);
    }

    [Fact]
    public async Task ModelInfer_BytesTensor_RawAndTypedFormsAgree()
    {
        string[] texts = ["héllo", string.Empty, "third"];
        var raw = new MemoryStream();
        foreach (var text in texts)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            raw.Write(BitConverter.GetBytes((uint)bytes.Length));
            raw.Write(bytes);
        }

        var rawRequest = new ModelInferRequest { ModelName = "strings" };
        rawRequest.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "text", Datatype = "BYTES", Shape = { 3 } });
        rawRequest.RawInputContents.Add(ByteString.CopyFrom(raw.ToArray()));
        var typedRequest = new ModelInferRequest { ModelName = "strings" };
        typedRequest.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "text",
            Datatype = "BYTES",
            Shape = { 3 },
            Contents = new InferTensorContents { BytesContents = { texts.Select(ByteString.CopyFromUtf8) } },
        });

        var rawResponse = await Client.ModelInferAsync(rawRequest);
        var typedResponse = await Client.ModelInferAsync(typedRequest);

        Assert.Equal(raw.ToArray(), rawResponse.RawOutputContents[0].ToByteArray());
        Assert.Equal(texts, typedResponse.Outputs[0].Contents.BytesContents.Select(b => b.ToStringUtf8()));
    }

    public static TheoryData<string, Func<ModelInferRequest>, StatusCode, string> BadRequests => new()
    {
        {
            "wrong datatype", () =>
            {
                var r = Requests.AffineTyped([1, 2, 3, 4]);
                r.Inputs[0].Datatype = "FP64";
                return r;
            },
            StatusCode.InvalidArgument, "has datatype FP64; model 'affine' version 2 expects FP32"
        },
        {
            "unknown datatype", () =>
            {
                var r = Requests.AffineTyped([1, 2, 3, 4]);
                r.Inputs[0].Datatype = "FLOAT";
                return r;
            },
            StatusCode.InvalidArgument, "'FLOAT', which the protocol does not define"
        },
        {
            "wrong shape", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4, 5, 6, 7, 8]);
                r.Inputs[0].Shape.Clear();
                r.Inputs[0].Shape.Add([4, 2]);
                return r;
            },
            StatusCode.InvalidArgument, "has shape [4,2]; model 'affine' version 2 expects [-1,4]"
        },
        {
            "byte count mismatch", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.RawInputContents[0] = ByteString.CopyFrom(new byte[15]);
                return r;
            },
            StatusCode.InvalidArgument, "has 15 bytes of raw contents; shape [1,4] of FP32 needs 16 bytes"
        },
        {
            "typed count mismatch", () => Requests.AffineTyped([1, 2, 3, 4, 5]),
            StatusCode.InvalidArgument, "elements in fp32_contents"
        },
        {
            "raw and typed mixed", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { 1, 2, 3, 4 } };
                return r;
            },
            StatusCode.InvalidArgument, "sets contents while the request uses raw_input_contents"
        },
        {
            "typed data in the wrong field", () =>
            {
                var r = Requests.AffineTyped([1, 2, 3, 4]);
                r.Inputs[0].Contents = new InferTensorContents { IntContents = { 1, 2, 3, 4 } };
                return r;
            },
            StatusCode.InvalidArgument, "its data is in int_contents; FP32 goes in fp32_contents"
        },
        {
            "unknown model", () => Requests.AffineRaw([1, 2, 3, 4], model: "nope"),
            StatusCode.NotFound, "Model 'nope' is not loaded"
        },
        {
            "unknown version", () => Requests.AffineRaw([1, 2, 3, 4], version: "7"),
            StatusCode.NotFound, "has no ready version 7; ready versions: 2, 1"
        },
        {
            "malformed version", () => Requests.AffineRaw([1, 2, 3, 4], version: "latest"),
            StatusCode.InvalidArgument, "Model version 'latest' is not valid"
        },
        {
            "path traversal name", () => Requests.AffineRaw([1, 2, 3, 4], model: "../affine"),
            StatusCode.InvalidArgument, "Model name '../affine' is not valid"
        },
        {
            "unknown input", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.Inputs[0].Name = "z";
                return r;
            },
            StatusCode.InvalidArgument, "has no input 'z'; its inputs are 'x'"
        },
        {
            "unknown output", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "q" });
                return r;
            },
            StatusCode.InvalidArgument, "has no output 'q'"
        },
        {
            "batch above max_batch_size", () => Requests.AffineRaw(new float[4 * 9]),
            StatusCode.InvalidArgument, "more than the max_batch_size 8"
        },
        {
            "negative dimension", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.Inputs[0].Shape[0] = -1;
                return r;
            },
            StatusCode.InvalidArgument, "every dimension must be positive"
        },
        {
            "too few raw entries", () =>
            {
                var r = Requests.AffineRaw([1, 2, 3, 4]);
                r.RawInputContents.Add(ByteString.Empty);
                return r;
            },
            StatusCode.InvalidArgument, "2 raw_input_contents entries for 1 inputs"
        },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ModelInfer_BadRequest_IsRefusedAndServerKeepsServing(string scenario,
        Func<ModelInferRequest> request, StatusCode code, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(request()));

        Assert.True(error.StatusCode == code, $"{scenario}: got {error.StatusCode} '{error.Status.Detail}'.");
        Assert.Contains(message, error.Status.Detail);
        var ok = await Client.ModelInferAsync(Requests.AffineRaw([1, 1, 1, 1]));
        Assert.Equal([4f, 4, 4, 4], Requests.Floats(ok, "y"));
    }

    [Fact]
    public async Task ModelInfer_BadBytesPrefix_IsRefused()
    {
        var request = new ModelInferRequest { ModelName = "strings" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "text", Datatype = "BYTES", Shape = { 1 } });
        request.RawInputContents.Add(ByteString.CopyFrom([200, 0, 0, 0, 65]));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("claims 200 bytes, but only 1 remain", error.Status.Detail);
    }

    [Fact]
    public async Task ModelStatistics_CountsRequestsAndExecutions()
    {
        await Client.ModelInferAsync(Requests.AffineRaw(new float[12], version: "1"));
        await Client.ModelInferAsync(Requests.AffineRaw(new float[4], version: "1"));

        var stats = (await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "affine", Version = "1" }))
            .ModelStats.Single();
        var all = await Client.ModelStatisticsAsync(new ModelStatisticsRequest());

        Assert.True(stats.InferenceStats.Success.Count >= 2);
        Assert.True(stats.InferenceCount >= 4);
        Assert.True(stats.ExecutionCount >= 2);
        Assert.True(stats.InferenceStats.ComputeInfer.Ns > 0);
        Assert.Contains(stats.BatchStats, b => b.BatchSize == 3);
        Assert.Contains(all.ModelStats, s => s.Name == "typed");
    }

    [Fact]
    public async Task RepositoryIndex_ListsEveryVersionAsReady()
    {
        var index = await Client.RepositoryIndexAsync(new RepositoryIndexRequest());

        Assert.Contains(index.Models, m => m.Name == "affine" && m.Version == "1" && m.State == "READY");
        Assert.Contains(index.Models, m => m.Name == "affine" && m.Version == "2" && m.State == "READY");
        Assert.Equal(6, index.Models.Count);
    }

    [Fact]
    public async Task RepositoryModelLoad_InDefaultMode_IsRefused()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "affine" }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("model control mode 'None'", error.Status.Detail);
    }

    [Fact]
    public async Task GrpcHealth_ReportsServerAndModels()
    {
        var overall = await _server.Health.CheckAsync(new HealthCheckRequest());
        var model = await _server.Health.CheckAsync(new HealthCheckRequest { Service = "affine" });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _server.Health.CheckAsync(new HealthCheckRequest { Service = "nothing" }));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, model.Status);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Metrics_ExposeTritonNamedCounters()
    {
        await Client.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]));
        using var http = new HttpClient();

        var text = await http.GetStringAsync(new Uri(_server.Server.MetricsAddress!, "/metrics"));

        Assert.Matches("nv_inference_request_success\\{model=\"affine\",version=\"2\"\\} [1-9]", text);
        Assert.Contains("nv_inference_request_failure{model=\"affine\",version=\"2\",reason=\"REJECTED\"}", text);
        Assert.Contains("mtlonnx_inference_batch_size_bucket{model=\"affine\",version=\"2\",le=\"1\"}", text);
        Assert.Contains("# TYPE mtlonnx_inference_request_duration_seconds histogram", text);
        Assert.Matches("mtlonnx_inference_decode_duration_us\\{model=\"affine\",version=\"2\"\\} \\d+", text);
        Assert.Matches("mtlonnx_inference_encode_duration_us\\{model=\"affine\",version=\"2\"\\} \\d+", text);
        Assert.Contains("process_resident_memory_bytes", text);
    }

    [Fact]
    public async Task Reflection_ListsBothServices()
    {
        var client = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(_server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();

        Assert.Contains("inference.GRPCInferenceService", services);
        Assert.Contains("mtlonnx.v1.MultiTask", services);
    }
}
