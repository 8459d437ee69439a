using MtlOnnx.Training.Devices;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// The trainable parameters and the optimizer state of one side of a ping-pong pair: what one optimizer step reads,
/// or what it writes.
/// </summary>
public sealed class OptimizerBuffers : IDisposable
{
    /// <summary>Allocates zeroed parameter and state tensors for a plan on a device.</summary>
    /// <param name="plan">The plan, which gives the layout and the state slots.</param>
    /// <param name="device">The device.</param>
    public OptimizerBuffers(OptimizerPlan plan, TrainingDevice device)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(device);
        Parameters = device.Allocate(plan.Layout);
        var state = new DeviceTensorSet[plan.StateSlots.Count];
        for (var s = 0; s < state.Length; s++)
        {
            state[s] = device.Allocate(plan.Layout);
        }

        State = state;
    }

    /// <summary>Gets the trainable parameters.</summary>
    public DeviceTensorSet Parameters { get; }

    /// <summary>Gets the state tensors, one set per slot of <see cref="OptimizerPlan.StateSlots"/>.</summary>
    public IReadOnlyList<DeviceTensorSet> State { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Parameters.Dispose();
        foreach (var state in State)
        {
            state.Dispose();
        }
    }
}
