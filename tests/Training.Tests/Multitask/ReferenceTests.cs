namespace MtlOnnx.Training.Tests.Multitask;

public sealed class ReferenceTests : IClassFixture<ReferenceFixture>
{
    private readonly ReferenceFixture _fixture;

    public ReferenceTests(ReferenceFixture fixture) => _fixture = fixture;

    public static TheoryData<string> AggregatorCaseIds() =>
        new(ReferenceCases.Build().Select(c => c.Id));

    [Theory]
    [MemberData(nameof(AggregatorCaseIds))]
    public void Aggregator_FixedMatrices_MatchesIndependentReference(string id)
    {
        ReferenceCase c = _fixture.Cases.Single(x => x.Id == id);

        List<float[]> actual = ReferenceCases.RunAggregator(c);

        var expected = _fixture.Expected[id]!.AsArray();
        for (int step = 0; step < actual.Count; step++)
        {
            double[] reference = PythonReference.ToArray(expected[step]!);
            double scale = c.Steps[step].Rows.Sum(MatrixSamples.Norm);
            for (int k = 0; k < reference.Length; k++)
            {
                Assert.True(
                    Math.Abs(actual[step][k] - reference[k]) <= 1e-6 * Math.Max(scale, 1e-30),
                    $"{id}, step {step}, coordinate {k}: {actual[step][k]} vs reference {reference[k]}.");
            }
        }
    }

    public static TheoryData<string> WeightingCaseIds() =>
        new(WeightingReferenceCases.Build().Select(c => c.Id));

    [Theory]
    [MemberData(nameof(WeightingCaseIds))]
    public void Weighting_FixedSequences_MatchesIndependentReference(string id)
    {
        ReferenceCase c = _fixture.Cases.Single(x => x.Id == id);

        List<double[]> actual = WeightingReferenceCases.Run(c);

        var expected = _fixture.Expected[id]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        for (int step = 0; step < actual.Count; step++)
        {
            double[] reference = PythonReference.ToArray(expected[step]!);
            double scale = reference.Sum(Math.Abs);
            for (int k = 0; k < reference.Length; k++)
            {
                Assert.True(
                    Math.Abs(actual[step][k] - reference[k]) <= 1e-5 * Math.Max(scale, 1e-30),
                    $"{id}, step {step}, entry {k}: {actual[step][k]} vs reference {reference[k]}.");
            }
        }
    }
}
