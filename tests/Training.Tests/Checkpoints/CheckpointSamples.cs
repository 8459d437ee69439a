using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Schedulers;

namespace MtlOnnx.Training.Tests.Checkpoints;

internal static class CheckpointSamples
{
    public static ParameterDescriptor[] Parameters { get; } =
    [
        new("conv.weight", [4, 1, 3, 3]),
        new("conv.bias", [4]),
        new("bn.running_mean", [4]),
    ];

    public static ParameterDescriptor[] State { get; } =
    [
        new("conv.weight.exp_avg", [4, 1, 3, 3]),
        new("conv.weight.exp_avg_sq", [4, 1, 3, 3]),
        new("conv.bias.exp_avg", [4]),
        new("conv.bias.exp_avg_sq", [4]),
    ];

    public static TrainingCheckpoint Create(float scale = 1f, long step = 42)
    {
        var checkpoint = new TrainingCheckpoint
        {
            Step = step,
            LearningRate = 2.5e-4f,
            LearningRateIsConstant = false,
            Scheduler = new LinearScheduler(10, 100, 1e-3f).GetState() with { StepCount = step },
            RandomState = [0x0123456789abcdefUL, ulong.MaxValue, 0UL, 7UL],
            MethodState = [1, 2, 3, 250],
            Optimizer = OptimizerSpec.AdamW(1e-3f),
        };

        var seed = 0;
        foreach (var p in Parameters)
        {
            var role = p.Name.StartsWith("bn.", StringComparison.Ordinal)
                ? CheckpointTensorRole.Frozen
                : CheckpointTensorRole.Trainable;
            checkpoint.Tensors.Add(new CheckpointTensor(p.Name, role, p.Shape, Values(p.ElementCount, scale, seed++)));
        }

        foreach (var s in State)
        {
            var values = Values(s.ElementCount, scale, seed++);
            checkpoint.Tensors.Add(new CheckpointTensor(s.Name, CheckpointTensorRole.OptimizerState, s.Shape, values));
        }

        checkpoint.Properties.AddProperty("epoch", 3L);
        checkpoint.Properties.AddProperty("best_loss", 0.125f);
        checkpoint.Properties.AddProperty("run", "fashion-two-task");
        return checkpoint;
    }

    public static float[] Values(long count, float scale, int seed) =>
        Enumerable.Range(0, (int)count).Select(i => scale * ((seed * 100) + i + 0.5f)).ToArray();
}
