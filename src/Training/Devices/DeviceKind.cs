namespace MtlOnnx.Training.Devices;

/// <summary>
/// The devices training can run on.
/// </summary>
public enum DeviceKind
{
    /// <summary>ONNX Runtime's CPU execution provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider; fails when CUDA cannot be loaded.</summary>
    Cuda,

    /// <summary>CUDA when it can be loaded, otherwise the CPU (with one log line that says why).</summary>
    Auto,
}
