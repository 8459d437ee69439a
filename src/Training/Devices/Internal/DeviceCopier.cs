using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Devices.Internal;

/// <summary>
/// A one-node <c>Identity</c> session on the CUDA execution provider. Resolving a device runs it once to prove that
/// CUDA works; afterwards it allocates device tensors and copies tensors between host and device, because IO
/// binding copies an input to the device its consumer runs on and an output to the memory it is bound to.
/// </summary>
internal sealed class DeviceCopier : IDisposable
{
    private const string InputName = "x";
    private const string OutputName = "y";

    private readonly InferenceSession _session;
    private readonly OrtAllocator _allocator;
    private readonly RunOptions _runOptions = new();

    private DeviceCopier(InferenceSession session, OrtMemoryInfo deviceMemory)
    {
        _session = session;
        DeviceMemory = deviceMemory;
        _allocator = new OrtAllocator(session, deviceMemory);
    }

    public OrtMemoryInfo DeviceMemory { get; }

    public static DeviceCopier Create(int deviceId, bool quiet)
    {
        // The input has no shape, so one session copies tensors of every rank.
        var b = new GraphBuilder("copy");
        b.Graph.Input.Add(ValueInfos.Tensor(InputName, ElementType.Float, null));
        b.NewNode("Identity", [InputName], [OutputName]);
        b.AddOutput(new GraphValue(OutputName), ElementType.Float);
        var model = OnnxModelIO.ToBytes(b.ToModel());

        // ONNX Runtime logs its own error line when CUDA is missing; 'auto' reports the fallback once, itself.
        var env = OrtEnv.Instance();
        var level = env.EnvLogLevel;
        if (quiet)
        {
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        }

        try
        {
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(deviceId);
            var session = new InferenceSession(model, options);
            var memory = new OrtMemoryInfo(
                OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default);
            DeviceCopier copier;
            try
            {
                copier = new DeviceCopier(session, memory);
            }
            catch
            {
                memory.Dispose();
                session.Dispose();
                throw;
            }

            try
            {
                using var probe = copier.Allocate([4]);
                copier.Upload([1f, 2f, 3f, 4f], probe);
                Span<float> back = stackalloc float[4];
                copier.Download(probe, back);
                if (back[3] != 4f)
                {
                    throw new DeviceUnavailableException("a copy through the CUDA device returned wrong values");
                }
            }
            catch
            {
                copier.Dispose();
                throw;
            }

            return copier;
        }
        finally
        {
            env.EnvLogLevel = level;
        }
    }

    public OrtValue Allocate(long[] shape)
    {
        return OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, shape);
    }

    public void Upload(ReadOnlySpan<float> source, OrtValue destination)
    {
        var shape = destination.GetTensorTypeAndShape().Shape;
        using var host = OrtValue.CreateTensorValueFromMemory(source.ToArray(), shape);
        Run(host, destination);
    }

    public void Download(OrtValue source, Span<float> destination)
    {
        var shape = source.GetTensorTypeAndShape().Shape;
        var buffer = new float[destination.Length];
        using (var host = OrtValue.CreateTensorValueFromMemory(buffer, shape))
        {
            Run(source, host);
        }

        buffer.CopyTo(destination);
    }

    public void Copy(OrtValue source, OrtValue destination) => Run(source, destination);

    public void Dispose()
    {
        _runOptions.Dispose();
        _allocator.Dispose();
        _session.Dispose();
        DeviceMemory.Dispose();
    }

    private void Run(OrtValue source, OrtValue destination)
    {
        using var binding = _session.CreateIoBinding();
        binding.BindInput(InputName, source);
        binding.BindOutput(OutputName, destination);
        _session.RunWithBinding(_runOptions, binding);
        binding.SynchronizeBoundOutputs();
    }
}
