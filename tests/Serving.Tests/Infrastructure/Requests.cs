using System.Runtime.InteropServices;
using Google.Protobuf;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>Builds inference requests and reads responses.</summary>
internal static class Requests
{
    /// <summary>A raw FP32 request for the affine model.</summary>
    public static ModelInferRequest AffineRaw(float[] x, string model = "affine", string version = "")
    {
        var request = new ModelInferRequest { ModelName = model, ModelVersion = version, Id = "req-1" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "x",
            Datatype = "FP32",
            Shape = { x.Length / 4, 4 },
        });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(x.AsSpan())));
        return request;
    }

    /// <summary>A typed FP32 request for the affine model.</summary>
    public static ModelInferRequest AffineTyped(float[] x, string model = "affine")
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "x",
            Datatype = "FP32",
            Shape = { x.Length / 4, 4 },
            Contents = new InferTensorContents { Fp32Contents = { x } },
        });
        return request;
    }

    /// <summary>Reads an FP32 output, raw or typed.</summary>
    public static float[] Floats(ModelInferResponse response, string name)
    {
        var index = response.Outputs.ToList().FindIndex(o => o.Name == name);
        Assert.True(index >= 0, $"The response has no output '{name}'.");
        if (response.RawOutputContents.Count > 0)
        {
            return MemoryMarshal.Cast<byte, float>(response.RawOutputContents[index].Span).ToArray();
        }

        return [.. response.Outputs[index].Contents.Fp32Contents];
    }
}
