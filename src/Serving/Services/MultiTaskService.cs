using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.ModelCards;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Protocol.V1;
using MtlOnnx.Serving.Repository;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Serving.Services;

/// <summary>
/// The typed multi-task service (<c>mtlonnx.v1.MultiTask</c>): an encoded image or a text in, per task the label,
/// probabilities or value out, preprocessed and decoded as the model card says. Requests go through the same
/// schedulers as the inference protocol, so they are batched with it.
/// </summary>
internal sealed class MultiTaskService : MultiTask.MultiTaskBase
{
    /// <summary>The number of labels returned per task when the request asks for none.</summary>
    public const int DefaultTopK = 5;

    private const int StreamParallelism = 32;

    private readonly ModelRepository _repository;
    private readonly InferenceGate _gate;
    private readonly ServingOptions _options;

    /// <summary>Initializes the service.</summary>
    /// <param name="repository">The model repository.</param>
    /// <param name="gate">The run gate, for explanation runs.</param>
    /// <param name="options">The server options.</param>
    public MultiTaskService(ModelRepository repository, InferenceGate gate, IOptions<ServingOptions> options)
    {
        _repository = repository;
        _gate = gate;
        _options = options.Value;
    }

    /// <inheritdoc />
    public override async Task<PredictResponse> Predict(PredictRequest request, ServerCallContext context)
    {
        using var deadline = new RequestDeadline(context, _options.Limits.DefaultTimeout);
        return await PredictCoreAsync(request, deadline).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task<PredictStreamResponse> PredictStream(IAsyncStreamReader<PredictRequest> requestStream,
        ServerCallContext context)
    {
        using var deadline = new RequestDeadline(context, _options.Limits.DefaultTimeout);
        using var slots = new SemaphoreSlim(StreamParallelism, StreamParallelism);
        var pending = new List<Task<PredictResult>>();
        await foreach (var request in requestStream.ReadAllAsync(deadline.Token).ConfigureAwait(false))
        {
            if (pending.Count >= _options.Limits.MaxStreamItems)
            {
                throw new ServingException(StatusCode.ResourceExhausted,
                    $"The stream sent more than {_options.Limits.MaxStreamItems} requests, the server's limit per call.");
            }

            await slots.WaitAsync(deadline.Token).ConfigureAwait(false);
            pending.Add(OneAsync(request, deadline, slots));
        }

        var response = new PredictStreamResponse();
        foreach (var task in pending)
        {
            var result = await task.ConfigureAwait(false);
            response.Results.Add(result);
            if (result.ResultCase == PredictResult.ResultOneofCase.Prediction)
            {
                response.Succeeded++;
            }
            else
            {
                response.Failed++;
            }
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<ExplainResponse> Explain(ExplainRequest request, ServerCallContext context)
    {
        using var deadline = new RequestDeadline(context, _options.Limits.DefaultTimeout);
        var model = _repository.Acquire(request.Model, request.Version);
        try
        {
            var extras = CardOf(model);
            if (extras.Explainer is not { } explainer)
            {
                throw new ServingException(StatusCode.FailedPrecondition,
                    $"{Capital(model.Label)} has no explanation model ({CardExtrasLoader.ExplainFile} in its version " +
                    "folder); export it with --explain to use Explain.");
            }

            if (extras.ImageInput is not { } imageInput)
            {
                throw new ServingException(StatusCode.Unimplemented,
                    $"Explain draws saliency over an image; {model.Label} does not take one image input.");
            }

            if (request.Image.IsEmpty)
            {
                throw ServingException.Invalid("The request has no image; Explain needs the encoded image in 'image'.");
            }

            var tasks = SelectTasks(extras.Card, request.Tasks, model);
            var pixels = extras.PreprocessImages(imageInput, [request.Image.Memory], deadline.Token);
            var predicted = await RunAsync(model, [pixels], deadline).ConfigureAwait(false);
            var saliency = await ExplainAsync(explainer, pixels, tasks, deadline.Token).ConfigureAwait(false);

            var image = extras.Card.FindInput(imageInput)!.Image!;
            var response = new ExplainResponse { Model = model.Name, Version = model.VersionText };
            for (var t = 0; t < tasks.Length; t++)
            {
                var prediction = Decode(tasks[t], predicted, model, 1);
                response.Tasks.Add(new TaskSaliency
                {
                    Task = tasks[t].Name,
                    Target = tasks[t].Kind == TaskKind.Regression
                        ? prediction.Value.ToString("G6", CultureInfo.InvariantCulture)
                        : prediction.Label.Length > 0 ? prediction.Label : string.Join(",", prediction.Labels),
                    Png = ByteString.CopyFrom(Heatmap(saliency[t], image.Width, image.Height, image.Layout)),
                    Width = (uint)image.Width,
                    Height = (uint)image.Height,
                });
            }

            return response;
        }
        catch (OperationCanceledException)
        {
            throw deadline.Stopped();
        }
        finally
        {
            model.Release();
        }
    }

    /// <inheritdoc />
    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        foreach (var model in _repository.Served.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var summary = new ModelSummary
            {
                Name = model.Name,
                Versions = { model.Versions.Select(v => v.VersionText) },
                InputKind = "tensor",
                Explainable = model.Latest.Extras.CanExplain,
            };

            if (model.Latest.Extras is CardModelExtras extras)
            {
                summary.InputKind = extras.ImageInput is not null ? "image" : extras.TextInput is not null ? "text" : "tensor";
                foreach (var task in extras.Card.Tasks)
                {
                    summary.Tasks.Add(new TaskSummary
                    {
                        Name = task.Name,
                        Kind = TaskDecoder.KindName(task.Kind),
                        Labels = { task.Labels },
                        Unit = task.Units ?? string.Empty,
                    });
                }
            }

            response.Models.Add(summary);
        }

        return Task.FromResult(response);
    }

    private async Task<PredictResult> OneAsync(PredictRequest request, RequestDeadline deadline, SemaphoreSlim slots)
    {
        try
        {
            return new PredictResult { Prediction = await PredictCoreAsync(request, deadline).ConfigureAwait(false) };
        }
        catch (ServingException error)
        {
            return new PredictResult { Error = new ItemError { Code = (int)error.Code, Message = error.Message } };
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<PredictResponse> PredictCoreAsync(PredictRequest request, RequestDeadline deadline)
    {
        var started = Clock.Now;
        var model = _repository.Acquire(request.Model, request.Version);
        try
        {
            var extras = CardOf(model);
            var tasks = SelectTasks(extras.Card, request.Tasks, model);
            var decodeStart = Clock.Now;
            var inputs = Inputs(request, model, extras, deadline.Token);
            var decodeNs = Clock.Nanoseconds(decodeStart, Clock.Now);
            var result = await RunAsync(model, inputs, deadline).ConfigureAwait(false);
            var encodeStart = Clock.Now;
            var topK = request.TopK == 0 ? DefaultTopK : (int)Math.Min(request.TopK, 1000);
            var response = new PredictResponse { Model = model.Name, Version = model.VersionText, Id = request.Id };
            foreach (var task in tasks)
            {
                response.Tasks.Add(Decode(task, result, model, topK));
            }

            var done = Clock.Now;
            model.Statistics.RecordSuccess(Clock.Nanoseconds(started, done), result.QueueNanoseconds,
                result.InputNanoseconds, result.InferNanoseconds, result.OutputNanoseconds, decodeNs,
                Clock.Nanoseconds(encodeStart, done));
            return response;
        }
        catch (OperationCanceledException)
        {
            model.Statistics.RecordFailure(Clock.Nanoseconds(started, Clock.Now), FailureReason.Canceled);
            throw deadline.Stopped();
        }
        catch (ServingException error)
        {
            model.Statistics.RecordFailure(Clock.Nanoseconds(started, Clock.Now), error.Code);
            throw;
        }
        finally
        {
            model.Release();
        }
    }

    private static InferTensor[] Inputs(PredictRequest request, ModelVersion model, CardModelExtras extras,
        CancellationToken cancellationToken)
    {
        var inputs = new List<InferTensor>();
        switch (request.InputCase)
        {
            case PredictRequest.InputOneofCase.Image:
                var image = extras.ImageInput ?? throw ServingException.Invalid(
                    $"{Capital(model.Label)} does not take an image; send 'text' instead.");
                inputs.Add(extras.PreprocessImages(image, [request.Image.Memory], cancellationToken));
                break;
            case PredictRequest.InputOneofCase.Text:
                var text = extras.TextInput ?? throw ServingException.Invalid(
                    $"{Capital(model.Label)} does not take a text; send 'image' instead.");
                inputs.AddRange(extras.PreprocessText(text, [request.Text]));
                break;
            default:
                throw ServingException.Invalid("The request has neither 'image' nor 'text'; send one of them.");
        }

        // The typed API serves models whose every input comes from the one image or text.
        var ordered = new InferTensor[model.Inputs.Count];
        for (var i = 0; i < ordered.Length; i++)
        {
            ordered[i] = inputs.Find(t => t.Name == model.Inputs[i].Name) ?? throw new ServingException(
                StatusCode.FailedPrecondition,
                $"{Capital(model.Label)} also needs input '{model.Inputs[i].Name}', which Predict cannot fill; use " +
                "ModelInfer of the inference protocol.");
        }

        return ordered;
    }

    private static async Task<InferResult> RunAsync(ModelVersion model, InferTensor[] inputs, RequestDeadline deadline)
    {
        var outputs = model.Outputs.Select(o => o.Name).ToArray();
        var batch = model.MaxBatchSize > 0 ? inputs[0].Shape[0] : 1;
        var work = new InferenceWork(inputs, outputs, batch, deadline.Token);
        return await model.Scheduler.RunAsync(work).ConfigureAwait(false);
    }

    private async Task<float[][]> ExplainAsync(OnnxModelRunner explainer, InferTensor pixels, ModelCardTask[] tasks,
        CancellationToken cancellationToken)
    {
        if (explainer.Inputs.Count != 1 || explainer.Inputs[0].Name != pixels.Name)
        {
            throw new ServingException(StatusCode.FailedPrecondition,
                $"The explanation model must take exactly the image input '{pixels.Name}'.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
            var names = tasks.Select(t => t.Name + CardExtrasLoader.SaliencySuffix).ToArray();
            var outputs = explainer.Run([pixels], names, runOptions);
            return [.. outputs.Select(o => o.ElementType == TensorElementType.Float
                ? MemoryMarshal.Cast<byte, float>(o.Data.Span).ToArray()
                : throw new ServingException(StatusCode.Internal, $"Saliency output '{o.Name}' is not FP32."))];
        }
        catch (OnnxRuntimeException error)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new ServingException(StatusCode.Internal, $"The explanation model failed: {error.Message}", error);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static byte[] Heatmap(float[] gradient, int width, int height, TensorLayout layout)
    {
        var pixels = width * height;
        var channels = gradient.Length / pixels;
        if (channels < 1 || channels * pixels != gradient.Length)
        {
            throw new ServingException(StatusCode.Internal,
                $"A saliency output has {gradient.Length} values; a {width}x{height} image needs a multiple of {pixels}.");
        }

        // Saliency per pixel: the largest gradient magnitude over its channels, scaled so the brightest pixel is 255.
        var map = new float[pixels];
        for (var p = 0; p < pixels; p++)
        {
            var best = 0f;
            for (var c = 0; c < channels; c++)
            {
                var index = layout == TensorLayout.Nchw ? (c * pixels) + p : (p * channels) + c;
                best = Math.Max(best, Math.Abs(gradient[index]));
            }

            map[p] = best;
        }

        var max = map.Max();
        using var image = new Image<L8>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = max > 0 ? map[(y * width) + x] / max : 0f;
                image[x, y] = new L8((byte)Math.Round(value * 255));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static TaskPrediction Decode(ModelCardTask task, InferResult result, ModelVersion model, int topK)
    {
        var output = result.Find(task.Outputs[0]) ?? throw new ServingException(StatusCode.Internal,
            $"{Capital(model.Label)} did not compute output '{task.Outputs[0]}' of task '{task.Name}'.");
        if (output.ElementType != TensorElementType.Float)
        {
            throw new ServingException(StatusCode.Internal,
                $"Output '{output.Name}' of task '{task.Name}' is {output.ElementType}; the typed API reads FP32 outputs.");
        }

        var values = MemoryMarshal.Cast<byte, float>(output.Data.Span);
        var width = task.OutputWidth();
        if (values.Length < width)
        {
            throw new ServingException(StatusCode.Internal,
                $"Output '{output.Name}' of task '{task.Name}' has {values.Length} values; the model card says {width}.");
        }

        return TaskDecoder.Decode(task, values[..width], topK);
    }

    private static CardModelExtras CardOf(ModelVersion model) => model.Extras as CardModelExtras
        ?? throw new ServingException(StatusCode.FailedPrecondition,
            $"{Capital(model.Label)} has no model card, so the typed API cannot preprocess for it or name its " +
            "outputs; call ModelInfer of the inference protocol instead.");

    private static ModelCardTask[] SelectTasks(ModelCard card, Google.Protobuf.Collections.RepeatedField<string> names,
        ModelVersion model)
    {
        if (names.Count == 0)
        {
            return [.. card.Tasks];
        }

        return [.. names.Select(name => card.FindTask(name) ?? throw ServingException.Invalid(
            $"{Capital(model.Label)} has no task '{ModelNames.Shorten(name)}'; its tasks are " +
            $"{string.Join(", ", card.Tasks.Select(t => $"'{t.Name}'"))}."))];
    }

    private static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
