using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Devices.Internal;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Devices;

/// <summary>
/// The device a training session runs on, resolved from <c>cpu</c>, <c>cuda</c>, <c>cuda:&lt;id&gt;</c> or
/// <c>auto</c>: it creates the ONNX Runtime session options for that device and allocates the buffers that hold
/// parameters, gradients and optimizer state there.
/// </summary>
/// <remarks>
/// Resolving <c>cuda</c> or <c>auto</c> loads ONNX Runtime's CUDA execution provider once and runs a one-node graph
/// on it, so that a device that cannot train is found before any training graph is loaded. The instance must be
/// disposed; on CUDA it holds that probe session, which also copies tensors between host and device.
/// </remarks>
public sealed class TrainingDevice : IDisposable
{
    private readonly DeviceCopier? _copier;
    private readonly OrtMemoryInfo? _cudaMemory;

    private TrainingDevice(
        DeviceKind requested,
        DeviceKind kind,
        int deviceId,
        string? fallbackReason,
        DeviceCopier? copier)
    {
        RequestedKind = requested;
        Kind = kind;
        DeviceId = deviceId;
        FallbackReason = fallbackReason;
        _copier = copier;
        _cudaMemory = copier?.DeviceMemory;
    }

    /// <summary>Gets the device that was asked for.</summary>
    public DeviceKind RequestedKind { get; }

    /// <summary>Gets the device in use: <see cref="DeviceKind.Cpu"/> or <see cref="DeviceKind.Cuda"/>.</summary>
    public DeviceKind Kind { get; }

    /// <summary>Gets whether the CUDA execution provider is in use.</summary>
    public bool IsCuda => Kind == DeviceKind.Cuda;

    /// <summary>Gets the CUDA device ordinal; zero on the CPU.</summary>
    public int DeviceId { get; }

    /// <summary>Gets the device's name: <c>cpu</c> or <c>cuda:&lt;id&gt;</c>.</summary>
    public string Name => IsCuda ? $"cuda:{DeviceId}" : "cpu";

    /// <summary>Gets why <c>auto</c> fell back to the CPU, or <see langword="null"/> when it did not.</summary>
    public string? FallbackReason { get; }

    /// <summary>Gets the memory that training buffers live in.</summary>
    public OrtMemoryInfo MemoryInfo => _cudaMemory ?? OrtMemoryInfo.DefaultInstance;

    internal DeviceCopier Copier =>
        _copier ?? throw new InvalidOperationException("The CPU device needs no copies between host and device.");

    /// <summary>Creates the CPU device.</summary>
    /// <returns>The device.</returns>
    public static TrainingDevice Cpu() => new(DeviceKind.Cpu, DeviceKind.Cpu, 0, null, null);

    /// <summary>Resolves a device from its name.</summary>
    /// <param name="device"><c>cpu</c>, <c>cuda</c>, <c>cuda:&lt;id&gt;</c> or <c>auto</c>, in any case.</param>
    /// <param name="logger">Receives the fallback line of <c>auto</c>; <see langword="null"/> for none.</param>
    /// <returns>The device, which must be disposed.</returns>
    /// <exception cref="ArgumentException">The name is not a known device.</exception>
    /// <exception cref="DeviceUnavailableException"><c>cuda</c> was requested and cannot be used.</exception>
    public static TrainingDevice Resolve(string device, ILogger? logger = null)
    {
        var (kind, id) = Parse(device);
        return Resolve(kind, id, logger);
    }

    /// <summary>Resolves a device.</summary>
    /// <param name="kind">The requested kind.</param>
    /// <param name="deviceId">The CUDA device ordinal.</param>
    /// <param name="logger">Receives the fallback line of <see cref="DeviceKind.Auto"/>.</param>
    /// <returns>The device, which must be disposed.</returns>
    /// <exception cref="DeviceUnavailableException">
    /// <see cref="DeviceKind.Cuda"/> was requested and cannot be used.
    /// </exception>
    public static TrainingDevice Resolve(DeviceKind kind, int deviceId = 0, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        logger ??= NullLogger.Instance;
        if (kind == DeviceKind.Cpu)
        {
            TrainingDeviceLog.Resolved(logger, "cpu");
            return Cpu();
        }

        DeviceCopier copier;
        try
        {
            copier = DeviceCopier.Create(deviceId, quiet: kind == DeviceKind.Auto);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DeviceUnavailableException)
        {
            var reason = FirstLine(ex.Message);
            if (kind == DeviceKind.Cuda)
            {
                throw new DeviceUnavailableException(
                    $"Device 'cuda:{deviceId}' was requested, but ONNX Runtime cannot use its CUDA execution " +
                    $"provider: {reason}. Install the CUDA and cuDNN libraries that ONNX Runtime " +
                    $"{OrtEnv.Instance().GetVersionString()} needs, or choose 'cpu' or 'auto'.",
                    ex);
            }

            TrainingDeviceLog.CudaFallback(logger, reason);
            return new TrainingDevice(DeviceKind.Auto, DeviceKind.Cpu, 0, reason, null);
        }

        var resolved = new TrainingDevice(kind, DeviceKind.Cuda, deviceId, null, copier);
        TrainingDeviceLog.Resolved(logger, resolved.Name);
        return resolved;
    }

    /// <summary>Parses a device name.</summary>
    /// <param name="device"><c>cpu</c>, <c>cuda</c>, <c>cuda:&lt;id&gt;</c> or <c>auto</c>, in any case.</param>
    /// <returns>The kind and the CUDA device ordinal.</returns>
    /// <exception cref="ArgumentException">The name is not a known device.</exception>
    public static (DeviceKind Kind, int DeviceId) Parse(string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        var text = device.Trim().ToLowerInvariant();
        if (text == "cpu")
        {
            return (DeviceKind.Cpu, 0);
        }

        if (text == "auto")
        {
            return (DeviceKind.Auto, 0);
        }

        if (text == "cuda")
        {
            return (DeviceKind.Cuda, 0);
        }

        if (text.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return (DeviceKind.Cuda, id);
        }

        throw new ArgumentException(
            $"Unknown device '{device}'; expected 'cpu', 'cuda', 'cuda:<id>' or 'auto'.", nameof(device));
    }

    /// <summary>Creates session options that run on this device.</summary>
    /// <param name="intraOpThreads">The number of intra-op threads; zero lets ONNX Runtime choose.</param>
    /// <param name="optimizationLevel">The graph optimisation level.</param>
    /// <returns>The options, which the caller must dispose.</returns>
    public SessionOptions CreateSessionOptions(
        int intraOpThreads = 0,
        GraphOptimizationLevel optimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = optimizationLevel,
        };

        if (IsCuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(DeviceId);
            }
            catch
            {
                options.Dispose();
                throw;
            }
        }

        return options;
    }

    /// <summary>Allocates one float tensor per parameter of a layout on this device, filled with zeros.</summary>
    /// <param name="layout">The layout.</param>
    /// <returns>The tensors, which the caller must dispose before the device.</returns>
    public DeviceTensorSet Allocate(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new DeviceTensorSet(this, layout);
    }

    /// <inheritdoc />
    public void Dispose() => _copier?.Dispose();

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim().TrimEnd('.');
    }
}
