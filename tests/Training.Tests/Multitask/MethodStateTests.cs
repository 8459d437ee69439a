using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Optimization;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class MethodStateTests
{
    private const int Tasks = 3;
    private const int Length = 23;
    private const int Steps = 14;

    // Methods whose next step depends on what earlier steps left behind; a fresh method must differ from them.
    private static readonly HashSet<string> s_stateful =
    [
        "uw", "dwa", "rlw", "famo", "gradnorm", "dbmtl", "pcgrad", "gradvac", "nashmtl", "graddrop",
    ];

    public static TheoryData<string, int> NamesAndSplits()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in MultitaskMethods.Names)
        {
            data.Add(name, 5);
            data.Add(name, 9);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NamesAndSplits))]
    public void SaveThenLoadIntoAFreshMethod_ContinuesBitForBitLikeAnUninterruptedRun(string name, int split)
    {
        var straight = Create(name);
        var reference = Enumerable.Range(0, Steps).Select(s => Drive(straight, s)).ToArray();

        var first = Create(name);
        for (var s = 0; s < split; s++)
        {
            Drive(first, s);
        }

        var bytes = first.SaveState().ToBytes();
        var resumed = Create(name);
        resumed.LoadState(MethodState.FromBytes(bytes));
        var fresh = Create(name);
        for (var s = split; s < Steps; s++)
        {
            // Every output of the step (loss weights, update, head weights) is compared bit for bit.
            Assert.Equal(reference[s], Drive(resumed, s));
        }

        var freshOutputs = Enumerable.Range(split, Steps - split).Select(s => Drive(fresh, s)).ToArray();
        if (s_stateful.Contains(name))
        {
            Assert.NotEqual(reference[split..], freshOutputs);
        }
    }

    [Fact]
    public void TaskDecoupledAdam_SavedAndLoadedMidway_ContinuesBitForBit()
    {
        const int P = 31;
        var straight = new TaskDecoupledAdam(P, 2);
        var first = new TaskDecoupledAdam(P, 2);
        var straightParameters = new float[P];
        var parameters = new float[P];
        for (var s = 0; s < 4; s++)
        {
            AdamStep(straight, straightParameters, s);
            AdamStep(first, parameters, s);
        }

        var state = new MethodState("dualoptim", 2);
        first.SaveState(state, "optimizer");
        var resumed = new TaskDecoupledAdam(P, 2);
        resumed.LoadState(MethodState.FromBytes(state.ToBytes()), "optimizer");
        for (var s = 4; s < 9; s++)
        {
            AdamStep(straight, straightParameters, s);
            AdamStep(resumed, parameters, s);
        }

        Assert.Equal(straightParameters, parameters);
        Assert.Equal(straight.StepCount, resumed.StepCount);
    }

    [Fact]
    public void Load_StateOfAnotherMethod_FailsNamingBothMethods()
    {
        var bytes = Create("pcgrad").SaveState().ToBytes();

        var error = Assert.Throws<MethodStateException>(
            () => Create("gradvac").LoadState(MethodState.FromBytes(bytes)));

        Assert.Contains("'pcgrad'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'gradvac'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StateForAnotherTaskCount_FailsNamingBothCounts()
    {
        var state = MultitaskMethods.Create("uw", 2).SaveState();

        var error = Assert.Throws<MethodStateException>(() => Create("uw").LoadState(state));

        Assert.Contains("2 tasks", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 tasks", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uw", "log_variances")]
    [InlineData("gradvac", "random")]
    [InlineData("famo", "logits")]
    [InlineData("nashmtl", "weights")]
    [InlineData("dbmtl", "step")]
    public void Load_StateWithoutAField_FailsNamingTheMethodAndTheField(string name, string field)
    {
        var error = Assert.Throws<MethodStateException>(() => Create(name).LoadState(new MethodState(name, Tasks)));

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FieldOfTheWrongLength_FailsNamingTheFieldAndBothLengths()
    {
        var state = Create("gradvac").SaveState();
        state.SetDoubles("targets", new double[4]);

        var error = Assert.Throws<MethodStateException>(() => Create("gradvac").LoadState(state));

        Assert.Contains("'gradvac'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'targets'", error.Message, StringComparison.Ordinal);
        Assert.Contains("4 values", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FieldOfTheWrongKind_FailsNamingTheField()
    {
        var state = Create("nashmtl").SaveState();
        state.SetDoubles("step", [1.0]);

        var error = Assert.Throws<MethodStateException>(() => Create("nashmtl").LoadState(state));

        Assert.Contains("'step'", error.Message, StringComparison.Ordinal);
        Assert.Contains("64-bit integers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_OneByteFlipped_FailsTheChecksum()
    {
        var method = Create("famo");
        Drive(method, 0);
        var bytes = method.SaveState().ToBytes();
        bytes[bytes.Length / 2] ^= 0x10;

        var error = Assert.Throws<MethodStateException>(() => MethodState.FromBytes(bytes));

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void FromBytes_TruncatedOrForeignBytes_FailsSayingItIsNoMethodState(int length)
    {
        var bytes = Create("rlw").SaveState().ToBytes();

        var error = Assert.Throws<MethodStateException>(() => MethodState.FromBytes(bytes.AsSpan(0, length)));

        Assert.Contains("marker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToBytesThenFromBytes_KeepsEveryFieldExactly()
    {
        var state = new MethodState("x", 2);
        state.SetDoubles("d", [Math.PI, double.NaN, -0.0, double.MaxValue]);
        state.SetFloats("f", [1.1f, float.Epsilon]);
        state.SetInt64s("i", [long.MinValue, -1, long.MaxValue]);

        var copy = MethodState.FromBytes(state.ToBytes());
        var d = new double[4];
        var f = new float[2];
        var i = new long[3];
        copy.ReadDoubles("d", d);
        copy.ReadFloats("f", f);
        copy.ReadInt64s("i", i);

        Assert.Equal(("x", 2), (copy.Method, copy.TaskCount));
        Assert.Equal([Math.PI, double.NaN, -0.0, double.MaxValue], d);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(d[2]));
        Assert.Equal([1.1f, float.Epsilon], f);
        Assert.Equal([long.MinValue, -1, long.MaxValue], i);
    }

    private static IMultitaskMethod Create(string name)
    {
        IReadOnlyDictionary<string, object?>? options = name switch
        {
            "fixed" => new Dictionary<string, object?> { ["weights"] = new[] { 1.0, 2.0, 0.5 } },

            // Weights solved every fourth step, so the cached weights carry across steps (and the splits).
            "nashmtl" => new Dictionary<string, object?> { ["update_weights_every"] = 4 },
            _ => null,
        };
        return MultitaskMethods.Create(name, Tasks, options);
    }

    /// <summary>Runs step <paramref name="step"/> of a fixed protocol; returns every value the method produced.</summary>
    private static float[] Drive(IMultitaskMethod method, int step)
    {
        // Gradients that conflict (a third of the pairs on average) and losses that fall with noise.
        var rows = MatrixSamples.Create(Tasks, Length, Tasks, seed: 100 + step);
        var random = new Random(step);
        var losses = Enumerable.Range(0, Tasks).Select(t => (float)((2.0 + t) / (1 + (0.3 * step))
            + (0.2 * random.NextDouble()))).ToArray();
        var after = losses.Select(l => l * (float)(0.9 + (0.05 * random.NextDouble()))).ToArray();
        var output = new List<float>();
        var weights = new float[Tasks];
        method.GetLossWeights(losses, weights);
        output.AddRange(weights);
        if (method.GradientSource != GradientSource.None)
        {
            var update = new float[Length];
            method.Aggregate(new GradientMatrix(rows), losses, update, null);
            output.AddRange(update);
        }

        method.GetHeadWeights(losses, weights);
        output.AddRange(weights);
        method.CompleteStep(losses, method.RequiresLossesAfterStep ? after : []);
        if (step % 4 == 3)
        {
            method.CompleteEpoch();
        }

        return [.. output];
    }

    private static void AdamStep(TaskDecoupledAdam optimizer, float[] parameters, int step)
    {
        var rows = MatrixSamples.Create(2, parameters.Length, 2, seed: 40 + step);
        var update = rows[0].Zip(rows[1], (a, b) => 0.5f * (a + b)).ToArray();
        optimizer.Step(parameters, update, new GradientMatrix(rows), conflict: 0.5, learningRate: 0.01f);
    }
}
