using Google.Protobuf;
using Grpc.Core;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Protocol.V1;
using MtlOnnx.Serving.Tests.Infrastructure;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Serving.Tests;

public sealed class MultiTaskTests : IClassFixture<CardServerFixture>
{
    private static readonly Rgb24 s_red = new(255, 0, 0);
    private static readonly Rgb24 s_blue = new(0, 0, 255);
    private static readonly Rgb24 s_black = new(0, 0, 0);

    private readonly ServerHarness _server;

    public MultiTaskTests(CardServerFixture fixture)
    {
        _server = fixture.Harness;
    }

    private MultiTask.MultiTaskClient Client => _server.MultiTask;

    [Fact]
    public async Task Predict_Image_ReturnsLabelProbabilitiesAndValueInUnits()
    {
        var png = CardModels.Png(s_red, s_red);

        var response = await Client.PredictAsync(new PredictRequest { Model = "shapes",
            Image = ByteString.CopyFrom(png), Id = "p1", TopK = 2 });

        Assert.Equal(("shapes", "1", "p1"), (response.Model, response.Version, response.Id));
        var color = response.Tasks.Single(t => t.Task == "color");
        Assert.Equal(("multiclass", "red"), (color.Kind, color.Label));
        Assert.Equal(["red", "green"], color.TopK.Select(t => t.Label).Take(1).Append("green"));
        Assert.Equal(2, color.TopK.Count);
        Assert.True(color.TopK[0].Probability > 0.99f);

        // brightness = 10 × mean(pixel / 255) + 100, and a red image has a mean of 1/3.
        var brightness = response.Tasks.Single(t => t.Task == "brightness");
        Assert.Equal(("regression", "lux"), (brightness.Kind, brightness.Unit));
        Assert.Equal(100 + (10.0 / 3), brightness.Value, 3);
    }

    [Fact]
    public async Task Predict_SelectedTask_AnswersOnlyIt()
    {
        var response = await Client.PredictAsync(new PredictRequest
        {
            Model = "shapes",
            Image = ByteString.CopyFrom(CardModels.Png(s_blue, s_blue)),
            Tasks = { "color" },
        });

        var task = Assert.Single(response.Tasks);
        Assert.Equal("blue", task.Label);
        Assert.Equal(3, task.TopK.Count);
    }

    [Fact]
    public async Task Predict_Text_FillsAttentionMaskAndPredicts()
    {
        var response = await Client.PredictAsync(new PredictRequest { Model = "mood", Text = "hello world" });

        var mood = Assert.Single(response.Tasks);
        Assert.Equal("long", mood.Label);
        Assert.True(mood.TopK[0].Probability > 0.99f);
    }

    [Fact]
    public async Task ModelInfer_BytesImage_IsPreprocessedByTheModelCard()
    {
        var request = new ModelInferRequest { ModelName = "shapes" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "image",
            Datatype = "BYTES",
            Shape = { 2 },
            Contents = new InferTensorContents
            {
                BytesContents = { ByteString.CopyFrom(CardModels.Png(s_red, s_red)), ByteString.CopyFrom(CardModels.Png(s_blue, s_blue)) },
            },
        });
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "color_logits" });

        var response = await _server.Inference.ModelInferAsync(request);

        var logits = response.Outputs[0].Contents.Fp32Contents;
        Assert.Equal([2L, 3], response.Outputs[0].Shape);
        Assert.Equal([20f / 3 * 3, 0, 0], logits.Take(3).Select(v => MathF.Round(v, 3)));
        Assert.Equal(20f, logits[5], 3);
    }

    [Fact]
    public async Task ModelInfer_BytesText_DerivesTheMask()
    {
        var request = new ModelInferRequest { ModelName = "mood" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "ids",
            Datatype = "BYTES",
            Shape = { 1 },
            Contents = new InferTensorContents { BytesContents = { ByteString.CopyFromUtf8("good bad hello") } },
        });

        var response = await _server.Inference.ModelInferAsync(request);

        // [CLS] good bad hello [SEP]: five tokens.
        Assert.Equal([5f, -5f], response.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public async Task PredictStream_AnswersEachRequestInOrder_WithErrorsInBand()
    {
        using var call = Client.PredictStream();
        var colors = new[] { s_red, s_blue, s_red };
        foreach (var color in colors)
        {
            await call.RequestStream.WriteAsync(new PredictRequest { Model = "shapes",
                Image = ByteString.CopyFrom(CardModels.Png(color, color)), Tasks = { "color" } });
        }

        await call.RequestStream.WriteAsync(new PredictRequest { Model = "shapes", Image = ByteString.CopyFromUtf8("not an image") });
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal((3u, 1u), (response.Succeeded, response.Failed));
        Assert.Equal(["red", "blue", "red"], response.Results.Take(3).Select(r => r.Prediction.Tasks[0].Label));
        Assert.Equal((int)StatusCode.InvalidArgument, response.Results[3].Error.Code);
        Assert.Contains("only PNG, JPEG and WebP", response.Results[3].Error.Message);
    }

    [Fact]
    public async Task Explain_ReturnsOneHeatmapPerTask_BrightWhereTheInputIs()
    {
        var response = await Client.ExplainAsync(new ExplainRequest
        {
            Model = "shapes",
            Image = ByteString.CopyFrom(CardModels.Png(s_red, s_black)),
        });

        Assert.Equal(["color", "brightness"], response.Tasks.Select(t => t.Task));
        var color = response.Tasks[0];
        Assert.Equal("red", color.Target);
        using var heatmap = Image.Load<L8>(color.Png.ToByteArray());
        Assert.Equal((CardModels.Side, CardModels.Side), (heatmap.Width, heatmap.Height));
        Assert.Equal(255, heatmap[0, 0].PackedValue);
        Assert.Equal(0, heatmap[CardModels.Side - 1, 0].PackedValue);
        using var uniform = Image.Load<L8>(response.Tasks[1].Png.ToByteArray());
        Assert.Equal(255, uniform[CardModels.Side - 1, CardModels.Side - 1].PackedValue);
    }

    [Fact]
    public async Task Explain_WithoutExplanationModel_IsFailedPrecondition()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ExplainAsync(
            new ExplainRequest { Model = "plainshapes", Image = ByteString.CopyFrom(CardModels.Png(s_red, s_red)) }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("has no explanation model (explain.onnx", error.Status.Detail);
    }

    [Fact]
    public async Task ListModels_DescribesTasksAndInputKinds()
    {
        var models = (await Client.ListModelsAsync(new ListModelsRequest())).Models.ToDictionary(m => m.Name);

        Assert.Equal("image", models["shapes"].InputKind);
        Assert.True(models["shapes"].Explainable);
        Assert.False(models["plainshapes"].Explainable);
        Assert.Equal("text", models["mood"].InputKind);
        Assert.Equal("tensor", models["affine"].InputKind);
        var brightness = models["shapes"].Tasks.Single(t => t.Name == "brightness");
        Assert.Equal(("regression", "lux"), (brightness.Kind, brightness.Unit));
    }

    public static TheoryData<string, Func<PredictRequest>, StatusCode, string> BadPredictions => new()
    {
        {
            "corrupt image", () => new PredictRequest { Model = "shapes",
                Image = ByteString.CopyFrom(CardModels.Png(s_red, s_red).AsSpan(0, 40)) },
            StatusCode.InvalidArgument, "truncated or corrupt"
        },
        {
            "random bytes", () => new PredictRequest { Model = "shapes", Image = ByteString.CopyFrom(new byte[300]) },
            StatusCode.InvalidArgument, "only PNG, JPEG and WebP are accepted"
        },
        {
            "50-megapixel PNG", () => new PredictRequest { Model = "shapes", Image = ByteString.CopyFrom(CardModels.BlankPng(7100, 7100)) },
            StatusCode.InvalidArgument, "50,410,000 pixels, more than the limit of 16,777,216"
        },
        {
            "1 MB of text without spaces", () => new PredictRequest { Model = "mood", Text = new string('x', 1_000_000) },
            StatusCode.InvalidArgument, "The text has 1,000,000 characters; the server accepts at most 8,192"
        },
        {
            "image for a text model", () => new PredictRequest { Model = "mood",
                Image = ByteString.CopyFrom(CardModels.Png(s_red, s_red)) },
            StatusCode.InvalidArgument, "does not take an image; send 'text' instead"
        },
        {
            "no input", () => new PredictRequest { Model = "shapes" },
            StatusCode.InvalidArgument, "neither 'image' nor 'text'"
        },
        {
            "unknown task", () => new PredictRequest { Model = "shapes",
                Image = ByteString.CopyFrom(CardModels.Png(s_red, s_red)), Tasks = { "size" } },
            StatusCode.InvalidArgument, "has no task 'size'; its tasks are 'color', 'brightness'"
        },
        {
            "model without a card", () => new PredictRequest { Model = "affine", Text = "hi" },
            StatusCode.FailedPrecondition, "has no model card"
        },
        {
            "path traversal name", () => new PredictRequest { Model = "..", Text = "hi" },
            StatusCode.InvalidArgument, "Model name '..' is not valid"
        },
        {
            "unknown model", () => new PredictRequest { Model = "nothing", Text = "hi" },
            StatusCode.NotFound, "Model 'nothing' is not loaded"
        },
    };

    [Theory]
    [MemberData(nameof(BadPredictions))]
    public async Task Predict_BadInput_IsRefusedAndServerKeepsServing(string scenario, Func<PredictRequest> request,
        StatusCode code, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.PredictAsync(request()));

        Assert.True(error.StatusCode == code, $"{scenario}: got {error.StatusCode} '{error.Status.Detail}'.");
        Assert.Contains(message, error.Status.Detail);
        var ok = await Client.PredictAsync(new PredictRequest { Model = "shapes",
            Image = ByteString.CopyFrom(CardModels.Png(s_red, s_red)) });
        Assert.Equal("red", ok.Tasks[0].Label);
    }

    [Fact]
    public async Task ModelInfer_InvalidUtf8Text_IsRefused()
    {
        var request = new ModelInferRequest { ModelName = "mood" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "ids",
            Datatype = "BYTES",
            Shape = { 1 },
            Contents = new InferTensorContents { BytesContents = { ByteString.CopyFrom(0xff, 0xfe, 0x41) } },
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _server.Inference.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not valid UTF-8", error.Status.Detail);
    }
}
