using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Tests.Data;

public sealed class SeededRandomTests
{
    [Fact]
    public void Reset_RestartsTheSequenceFromTheSeed()
    {
        var random = new SeededRandom(42);
        var first = Draw(random);
        random.Reset();

        Assert.Equal(first, Draw(random));
        Assert.Equal(first, Draw(new SeededRandom(42)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public void RestoreState_OfAWrittenState_ContinuesTheSameSequence(int normalsBefore)
    {
        // An odd number of normal draws leaves a spare value, which the state must carry too.
        var random = new SeededRandom(7);
        for (var i = 0; i < normalsBefore; i++)
        {
            random.Normal();
        }

        var state = new ulong[SeededRandom.StateLength];
        random.WriteState(state);
        var copy = new SeededRandom(99);
        copy.RestoreState(state);

        Assert.Equal(Draw(random), Draw(copy));
    }

    [Fact]
    public void RestoreState_AllZeroOrWrongLength_Throws()
    {
        var random = new SeededRandom(1);

        Assert.Throws<ArgumentException>(() => random.RestoreState(new ulong[SeededRandom.StateLength]));
        Assert.Throws<ArgumentException>(() => random.RestoreState(new ulong[3]));
    }

    private static double[] Draw(SeededRandom random) =>
        [random.Normal(), random.NextDouble(), random.NextInt(17), random.Normal(), random.Normal()];
}
