namespace MtlOnnx.Training.Checkpoints.Internal;

/// <summary>One tensor described by a safetensors header: dtype, shape and byte range in the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);
