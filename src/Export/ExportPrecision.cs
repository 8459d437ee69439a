namespace MtlOnnx.Export;

/// <summary>
/// The numeric precision of an exported model.
/// </summary>
public enum ExportPrecision
{
    /// <summary>Float32 weights and compute, as trained.</summary>
    Float32,

    /// <summary>Float16 weights and compute; inputs, outputs and sensitive operators stay float32.</summary>
    Float16,

    /// <summary>INT8 weights for MatMul, Gemm and Conv with dynamic quantization of their inputs.</summary>
    Int8,
}
