using MtlOnnx.Training.Schedulers;

namespace MtlOnnx.Training.Tests.Schedulers;

public sealed class LearningRateSchedulerTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.25)]
    [InlineData(3, 0.75)]
    [InlineData(4, 1.0)]
    [InlineData(7, 0.5)]
    [InlineData(10, 0.0)]
    [InlineData(13, 0.0)]
    public void Linear_FollowsWarmupThenDecay(long step, double expected)
    {
        var scheduler = new LinearScheduler(warmupSteps: 4, totalSteps: 10, initialLearningRate: 2f);

        Assert.Equal(expected, scheduler.Multiplier(step), 12);
        Assert.Equal((float)(2 * expected), scheduler.RateAt(step));
    }

    [Fact]
    public void Linear_WithoutWarmup_StartsAtTheInitialRate()
    {
        var scheduler = new LinearScheduler(0, 4, 1f);

        Assert.Equal([1f, 0.75f, 0.5f, 0.25f, 0f], Enumerable.Range(0, 5).Select(s => scheduler.RateAt(s)));
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(4, 0.55)]
    [InlineData(6, 0.1)]
    [InlineData(9, 0.1)]
    public void Cosine_FollowsWarmupThenHalfCosineToTheFloor(long step, double expected)
    {
        // warm-up 2, total 6, floor 0.1: at step 4 the cosine is halfway, 0.1 + 0.9 · 0.5.
        var scheduler = new CosineScheduler(2, 6, 1f, minimumRatio: 0.1);

        Assert.Equal(expected, scheduler.Multiplier(step), 12);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.5)]
    [InlineData(6, 0.25)]
    public void Step_DecaysEveryStepSizeSteps(long step, double expected)
    {
        var scheduler = new StepScheduler(stepSize: 3, gamma: 0.5, initialLearningRate: 1f);

        Assert.Equal(expected, scheduler.Multiplier(step), 12);
    }

    [Fact]
    public void Step_AdvancesTheCountAndReturnsTheNewRate()
    {
        var scheduler = new LinearScheduler(2, 4, 1f);

        Assert.Equal(0f, scheduler.LearningRate);
        Assert.Equal(0.5f, scheduler.Step());
        Assert.Equal(1f, scheduler.Step());
        Assert.Equal(2, scheduler.StepCount);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cosine")]
    [InlineData("step")]
    public void FromState_RestoresScheduleAndPosition(string kind)
    {
        LearningRateScheduler scheduler = kind switch
        {
            "linear" => new LinearScheduler(3, 20, 0.1f),
            "cosine" => new CosineScheduler(3, 20, 0.1f, 0.05),
            _ => new StepScheduler(4, 0.3, 0.1f),
        };
        for (var i = 0; i < 7; i++)
        {
            scheduler.Step();
        }

        var restored = LearningRateScheduler.FromState(scheduler.GetState());

        Assert.Equal(scheduler.GetType(), restored.GetType());
        Assert.Equal(7, restored.StepCount);
        Assert.Equal(scheduler.Step(), restored.Step());
        Assert.Equal(scheduler.GetState(), restored.GetState());
    }

    [Fact]
    public void FromState_UnknownKind_NamesTheKnownOnes()
    {
        var state = new SchedulerState { Kind = "onecycle" };

        var error = Assert.Throws<ArgumentException>(() => LearningRateScheduler.FromState(state));

        Assert.Contains("'onecycle'; expected 'linear', 'cosine' or 'step'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Linear_TotalBelowWarmup_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearScheduler(10, 5, 1f));
    }
}
