using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Devices;

/// <summary>
/// One float tensor per parameter of a <see cref="ParameterLayout"/>, on a <see cref="TrainingDevice"/>, each
/// wrapped in an <see cref="OrtValue"/> that sessions bind without copying. On the CPU all tensors share one pinned
/// flat array, so the set can also be read and written as a single span.
/// </summary>
/// <remarks>The set must be disposed before its device.</remarks>
public sealed class DeviceTensorSet : IDisposable
{
    private readonly TrainingDevice _device;
    private readonly float[]? _host;
    private readonly OrtValue[] _values;

    internal DeviceTensorSet(TrainingDevice device, ParameterLayout layout)
    {
        _device = device;
        Layout = layout;
        _values = new OrtValue[layout.Count];
        if (!device.IsCuda)
        {
            // Pinned, so that the OrtValues can point into it for the set's whole life.
            _host = GC.AllocateArray<float>(checked((int)layout.TotalElementCount), pinned: true);
        }

        for (var i = 0; i < layout.Count; i++)
        {
            var parameter = layout.Parameters[i];
            _values[i] = _host is null
                ? device.Copier.Allocate(parameter.Shape)
                : OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance,
                    _host.AsMemory((int)layout.OffsetOf(i), (int)parameter.ElementCount),
                    parameter.Shape);
        }

        if (device.IsCuda)
        {
            Clear();
        }
    }

    /// <summary>Gets the layout.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Gets whether the tensors live in host memory, so that <see cref="HostSpan"/> can be used.</summary>
    public bool IsHostMemory => _host is not null;

    /// <summary>Gets the flat host buffer that backs every tensor of the set.</summary>
    /// <exception cref="InvalidOperationException">The set lives on a CUDA device.</exception>
    public Span<float> HostSpan =>
        _host ?? throw new InvalidOperationException(
            $"The tensors live on {_device.Name}; copy them with CopyTo and CopyFrom instead.");

    /// <summary>Gets the tensor of one parameter.</summary>
    /// <param name="index">The parameter's index in the layout.</param>
    /// <returns>The tensor; owned by the set.</returns>
    public OrtValue this[int index] => _values[index];

    /// <summary>Copies every tensor into a flat host buffer.</summary>
    /// <param name="destination">The buffer, <see cref="ParameterLayout.TotalElementCount"/> long.</param>
    /// <exception cref="ArgumentException">The buffer's length does not match the layout.</exception>
    public void CopyTo(Span<float> destination)
    {
        CheckFlat(destination.Length);
        if (_host is not null)
        {
            _host.CopyTo(destination);
            return;
        }

        for (var i = 0; i < Layout.Count; i++)
        {
            _device.Copier.Download(_values[i], Layout.Slice(destination, i));
        }
    }

    /// <summary>Copies a flat host buffer into every tensor.</summary>
    /// <param name="source">The buffer, <see cref="ParameterLayout.TotalElementCount"/> long.</param>
    /// <exception cref="ArgumentException">The buffer's length does not match the layout.</exception>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        CheckFlat(source.Length);
        if (_host is not null)
        {
            source.CopyTo(_host);
            return;
        }

        for (var i = 0; i < Layout.Count; i++)
        {
            _device.Copier.Upload(Layout.Slice(source, i), _values[i]);
        }
    }

    /// <summary>Copies one tensor into a host buffer.</summary>
    /// <param name="index">The parameter's index.</param>
    /// <param name="destination">The buffer, as long as the parameter.</param>
    /// <exception cref="ArgumentException">The buffer's length does not match the parameter.</exception>
    public void CopyTo(int index, Span<float> destination)
    {
        CheckOne(index, destination.Length);
        if (_host is not null)
        {
            Layout.Slice(_host.AsSpan(), index).CopyTo(destination);
            return;
        }

        _device.Copier.Download(_values[index], destination);
    }

    /// <summary>Copies a host buffer into one tensor.</summary>
    /// <param name="index">The parameter's index.</param>
    /// <param name="source">The buffer, as long as the parameter.</param>
    /// <exception cref="ArgumentException">The buffer's length does not match the parameter.</exception>
    public void CopyFrom(int index, ReadOnlySpan<float> source)
    {
        CheckOne(index, source.Length);
        if (_host is not null)
        {
            source.CopyTo(Layout.Slice(_host.AsSpan(), index));
            return;
        }

        _device.Copier.Upload(source, _values[index]);
    }

    /// <summary>Copies every tensor of another set with the same layout into this one.</summary>
    /// <param name="source">The other set.</param>
    /// <exception cref="ArgumentException">The layouts differ.</exception>
    public void CopyFrom(DeviceTensorSet source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ReferenceEquals(source.Layout, Layout) && source.Layout.TotalElementCount != Layout.TotalElementCount)
        {
            throw new ArgumentException("The two tensor sets have different layouts.", nameof(source));
        }

        if (_host is not null && source._host is not null)
        {
            source._host.CopyTo(_host.AsSpan());
            return;
        }

        for (var i = 0; i < Layout.Count; i++)
        {
            _device.Copier.Copy(source._values[i], _values[i]);
        }
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear()
    {
        if (_host is not null)
        {
            Array.Clear(_host);
            return;
        }

        for (var i = 0; i < Layout.Count; i++)
        {
            _device.Copier.Upload(new float[Layout.Parameters[i].ElementCount], _values[i]);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _values)
        {
            value?.Dispose();
        }
    }

    private void CheckFlat(int length)
    {
        if (length != Layout.TotalElementCount)
        {
            throw new ArgumentException(
                $"The buffer has {length} elements, but the tensors hold {Layout.TotalElementCount}.");
        }
    }

    private void CheckOne(int index, int length)
    {
        var parameter = Layout.Parameters[index];
        if (length != parameter.ElementCount)
        {
            throw new ArgumentException(
                $"The buffer has {length} elements, but '{parameter.Name}' {parameter.FormatShape()} holds " +
                $"{parameter.ElementCount}.");
        }
    }
}
