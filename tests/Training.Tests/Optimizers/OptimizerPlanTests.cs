using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Tests.Optimizers;

public sealed class OptimizerPlanTests
{
    [Fact]
    public void Create_DefaultGroups_ExemptRankOneParametersFromDecay()
    {
        var plan = OptimizerPlan.Create(OptimizerSpec.AdamW(weightDecay: 0.1f), TinyMlp.Parameters);

        Assert.Equal(0.1f, plan.GroupOf(0).WeightDecay);
        Assert.Equal(0f, plan.GroupOf(1).WeightDecay);
        Assert.Equal(OptimizerPlan.DecayGroupName, plan.GroupOf(2).Name);
        Assert.Equal(OptimizerPlan.NoDecayGroupName, plan.GroupOf(3).Name);
        Assert.Equal([OptimizerNames.ExpAvgSlot, OptimizerNames.ExpAvgSqSlot], plan.StateSlots);
    }

    [Fact]
    public void Create_ExcludeRankOneOff_DecaysEveryParameterInOneGroup()
    {
        var spec = OptimizerSpec.Sgd(0.1f, weightDecay: 0.01f) with { ExcludeRankOneFromWeightDecay = false };

        var plan = OptimizerPlan.Create(spec, TinyMlp.Parameters);

        var group = Assert.Single(plan.Groups);
        Assert.Equal([0, 1, 2, 3], group.ParameterIndices);
        Assert.Empty(plan.StateSlots);
    }

    [Fact]
    public void Create_ExplicitGroup_KeepsItsRateAsMultipleOfTheBaseRate()
    {
        var spec = OptimizerSpec.Sgd(0.1f, momentum: 0.9f) with
        {
            Groups = [new ParameterGroup { Name = "head", Parameters = ["w2", "b2"], LearningRate = 0.025f }],
        };

        var plan = OptimizerPlan.Create(spec, TinyMlp.Parameters);

        Assert.Equal("head", plan.GroupOf(3).Name);
        Assert.Equal(0.25, plan.GroupOf(2).LearningRateMultiplier, 6);
        Assert.Equal(1.0, plan.GroupOf(0).LearningRateMultiplier);
        Assert.Equal([OptimizerNames.MomentumBufferSlot], plan.StateSlots);
    }

    [Fact]
    public void Create_ParameterInTwoGroups_NamesBothGroups()
    {
        var spec = OptimizerSpec.Adam() with
        {
            Groups =
            [
                new ParameterGroup { Name = "a", Parameters = ["w1"] },
                new ParameterGroup { Name = "b", Parameters = ["w1"] },
            ],
        };

        var error = Assert.Throws<ArgumentException>(() => OptimizerPlan.Create(spec, TinyMlp.Parameters));

        Assert.Contains("Parameter 'w1' is in two groups: 'a' and 'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_GroupNamesUnknownParameter_Throws()
    {
        var spec = OptimizerSpec.Adam() with { Groups = [new ParameterGroup { Name = "a", Parameters = ["w9"] }] };

        var error = Assert.Throws<ArgumentException>(() => OptimizerPlan.Create(spec, TinyMlp.Parameters));

        Assert.Contains("'w9', which is not a trainable parameter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nesterov-without-momentum", "Nesterov momentum needs a positive momentum")]
    [InlineData("negative-lr", "learning rate must be finite and not negative")]
    [InlineData("beta-one", "beta2 must be in [0, 1)")]
    [InlineData("zero-epsilon", "epsilon must be positive")]
    [InlineData("zero-clip", "largest gradient norm must be positive")]
    public void Validate_OutOfRange_SaysWhich(string scenario, string expected)
    {
        var spec = scenario switch
        {
            "nesterov-without-momentum" => OptimizerSpec.Sgd(0.1f, nesterov: true),
            "negative-lr" => OptimizerSpec.Adam(-1f),
            "beta-one" => OptimizerSpec.Adam(beta2: 1f),
            "zero-epsilon" => OptimizerSpec.AdamW(epsilon: 0f),
            _ => OptimizerSpec.Sgd(0.1f) with { MaxGradientNorm = 0f },
        };

        var error = Assert.Throws<ArgumentException>(spec.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_RoundTrips_EveryField()
    {
        var spec = OptimizerSpec.Sgd(0.05f, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f) with
        {
            MaxGradientNorm = 2.5f,
            ExcludeRankOneFromWeightDecay = false,
            Groups = [new ParameterGroup { Name = "head", Parameters = ["w2"], LearningRate = 0.01f, WeightDecay = 0f }],
        };

        var back = OptimizerSpecJson.Deserialize(OptimizerSpecJson.Serialize(spec));

        Assert.Equal(spec with { Groups = back.Groups }, back);
        var group = Assert.Single(back.Groups);
        Assert.Equal(
            ("head", "w2", 0.01f, 0f),
            (group.Name, group.Parameters.Single(), group.LearningRate, group.WeightDecay));
    }

    [Fact]
    public void CpuOptimizer_Step_AllocatesNothing()
    {
        var model = new TinyMlp(7);
        var plan = OptimizerPlan.Create(OptimizerSpec.AdamW() with { MaxGradientNorm = 1f }, TinyMlp.Parameters);
        var optimizer = new CpuOptimizer(plan);
        var total = (int)plan.Layout.TotalElementCount;
        var parameters = model.Initial.ToArray();
        var gradient = new float[total];
        model.Gradient(parameters, gradient);
        var first = new float[total];
        var second = new float[total];
        optimizer.Step(parameters, gradient, first, second, 1e-3f, 1);

        // A collection started by another test's thread can add this thread's unused allocation context to the
        // counter once; an allocation in the step shows in every window, so the quietest of three must be zero.
        var allocated = long.MaxValue;
        var step = 2;
        for (var window = 0; window < 3 && allocated > 0; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var end = step + 98; step < end; step++)
            {
                optimizer.Step(parameters, gradient, first, second, 1e-3f, step);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, allocated);
    }
}
