namespace MtlOnnx.Serving.Metrics;

/// <summary>Why a request failed, as Triton's <c>nv_inference_request_failure</c> labels it.</summary>
internal enum FailureReason
{
    /// <summary>Refused: a full queue or a model going away.</summary>
    Rejected,

    /// <summary>Cancelled by the client, or past its deadline.</summary>
    Canceled,

    /// <summary>ONNX Runtime failed.</summary>
    Backend,

    /// <summary>Anything else, bad input included.</summary>
    Other,
}
