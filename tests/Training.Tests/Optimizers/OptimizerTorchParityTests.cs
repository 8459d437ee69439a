using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Tests.Optimizers;

public sealed class OptimizerTorchParityTests(TorchOptimizerReference torch) : IClassFixture<TorchOptimizerReference>
{
    private const double Relative = 1e-5;
    private const double Absolute = 1e-7;

    [Theory]
    [MemberData(nameof(OptimizerCase.Names), MemberType = typeof(OptimizerCase))]
    public void CpuOptimizer_MatchesTorchOptim_StepByStepOver20Steps(string name)
    {
        var c = OptimizerCase.Get(name);
        var plan = OptimizerPlan.Create(c.Spec, TinyMlp.Parameters);
        var optimizer = new CpuOptimizer(plan);
        var total = (int)plan.Layout.TotalElementCount;
        var parameters = torch.Model.Initial.ToArray();
        var gradient = new float[total];
        var first = new float[plan.StateSlots.Count >= 1 ? total : 0];
        var second = new float[plan.StateSlots.Count >= 2 ? total : 0];

        for (var step = 1; step <= TorchOptimizerReference.Steps; step++)
        {
            torch.Model.Gradient(parameters, gradient);
            optimizer.Step(parameters, gradient, first, second, c.Spec.LearningRate, step);
            AssertClose(torch.Trajectories[name][step - 1], parameters, $"{name}, CPU path, step {step}");
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerCase.Names), MemberType = typeof(OptimizerCase))]
    public void GraphOptimizer_MatchesTorchOptimAndCpuPath_StepByStepOver20Steps(string name)
    {
        var c = OptimizerCase.Get(name);
        var plan = OptimizerPlan.Create(c.Spec, TinyMlp.Parameters);
        var cpu = new CpuOptimizer(plan);
        var total = (int)plan.Layout.TotalElementCount;
        var cpuParameters = torch.Model.Initial.ToArray();
        var cpuFirst = new float[plan.StateSlots.Count >= 1 ? total : 0];
        var cpuSecond = new float[plan.StateSlots.Count >= 2 ? total : 0];
        var gradient = new float[total];

        using var device = TrainingDevice.Cpu();
        using var graph = new GraphOptimizer(plan, device, intraOpThreads: 1);
        using var even = new OptimizerBuffers(plan, device);
        using var odd = new OptimizerBuffers(plan, device);
        using var gradients = device.Allocate(plan.Layout);
        even.Parameters.CopyFrom(torch.Model.Initial);
        var (current, next) = (even, odd);
        var worstCpuGap = 0.0;

        for (var step = 1; step <= TorchOptimizerReference.Steps; step++)
        {
            torch.Model.Gradient(current.Parameters.HostSpan, gradients.HostSpan);
            graph.Step(current, gradients, next, c.Spec.LearningRate, step);
            (current, next) = (next, current);
            var graphParameters = current.Parameters.HostSpan.ToArray();
            AssertClose(torch.Trajectories[name][step - 1], graphParameters, $"{name}, graph path, step {step}");

            // The CPU path runs on the graph path's own gradients, so the two see the same inputs at every step.
            gradients.HostSpan.CopyTo(gradient);
            cpu.Step(cpuParameters, gradient, cpuFirst, cpuSecond, c.Spec.LearningRate, step);
            worstCpuGap = Math.Max(worstCpuGap, MaxRelativeGap(cpuParameters, graphParameters));
            cpuParameters.CopyTo(current.Parameters.HostSpan);
        }

        // Without clipping both paths run the same float operations in the same order: bit for bit equal.
        // With clipping the norm is summed in a different order, which moves the coefficient by a few ulps.
        if (c.Spec.MaxGradientNorm is null)
        {
            Assert.Equal(0.0, worstCpuGap);
        }
        else
        {
            Assert.True(worstCpuGap < 1e-6, $"{name}: CPU and graph paths differ by {worstCpuGap:E2} relative.");
        }
    }

    private static double MaxRelativeGap(float[] a, float[] b)
    {
        var worst = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(Math.Abs(b[i]), 1e-6));
        }

        return worst;
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = (Relative * Math.Abs(expected[i])) + Absolute;
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail(
                    $"{where}: element {i} is {actual[i]:R}, torch has {expected[i]:R} " +
                    $"(difference {Math.Abs(expected[i] - actual[i]):E2}, tolerance {tolerance:E2}).");
            }
        }
    }
}
