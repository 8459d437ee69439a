using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Diagnostics;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class MultitaskMethodsTests
{
    public static TheoryData<string> Names() => new(MultitaskMethods.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Create_EveryName_RunsOneStep(string name)
    {
        const int Tasks = 3;
        var options = name == "fixed" ? new Dictionary<string, object?> { ["weights"] = new[] { 1.0, 2.0, 0.5 } } : null;
        IMultitaskMethod method = MultitaskMethods.Create(name, Tasks, options);
        float[] losses = [0.7f, 1.3f, 2.1f];
        var weights = new float[Tasks];
        var heads = new float[Tasks];

        method.GetLossWeights(losses, weights);
        if (method.GradientSource != GradientSource.None)
        {
            float[][] rows = MatrixSamples.Create(Tasks, 16, Tasks, seed: 4);
            var update = new float[16];
            var diagnostics = new MultitaskDiagnostics(Tasks);
            method.Aggregate(new GradientMatrix(rows), losses, update, diagnostics);
            Assert.All(update, v => Assert.True(float.IsFinite(v)));
            Assert.InRange(diagnostics.ConflictShare, 0, 1);
        }

        method.GetHeadWeights(losses, heads);
        method.CompleteStep(losses, method.RequiresLossesAfterStep ? losses : []);
        method.CompleteEpoch();

        Assert.Equal(name, method.Name);
        Assert.All(weights, w => Assert.True(float.IsFinite(w) && w >= 0));
        Assert.All(heads, w => Assert.True(float.IsFinite(w)));
    }

    [Theory]
    [InlineData("ew", GradientSource.None)]
    [InlineData("uw", GradientSource.None)]
    [InlineData("famo", GradientSource.None)]
    [InlineData("pcgrad", GradientSource.SharedParameters)]
    [InlineData("mgda", GradientSource.SharedParameters)]
    [InlineData("mgdaub", GradientSource.Representation)]
    [InlineData("graddrop", GradientSource.Representation)]
    [InlineData("gradnorm", GradientSource.SharedParameters)]
    public void Create_Method_DeclaresItsGradientSource(string name, GradientSource expected)
    {
        Assert.Equal(expected, MultitaskMethods.Create(name, 2).GradientSource);
    }

    [Fact]
    public void Create_GradientSourceOption_OverridesTheDefault()
    {
        IMultitaskMethod method = MultitaskMethods.Create(
            "imtlg", 2, new Dictionary<string, object?> { ["gradient_source"] = "representation" });

        Assert.Equal(GradientSource.Representation, method.GradientSource);
    }

    [Fact]
    public void Create_FixedWithoutWeights_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<MultitaskConfigurationException>(() => MultitaskMethods.Create("fixed", 2));

        Assert.Contains("'weights'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownMethod_ListsTheKnownOnes()
    {
        var ex = Assert.Throws<MultitaskConfigurationException>(() => MultitaskMethods.Create("nash", 2));

        Assert.Contains("nashmtl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_LossWeighting_ThrowsBecauseItNeedsNoGradients()
    {
        IMultitaskMethod method = MultitaskMethods.Create("uw", 2);

        Assert.Throws<InvalidOperationException>(
            () => method.Aggregate(new GradientMatrix([[1f], [2f]]), [1f, 1f], new float[1], null));
    }

    [Fact]
    public void Create_StringOptionsFromAJobFile_AreParsed()
    {
        var options = new Dictionary<string, string> { ["c"] = "0.8", ["rescale"] = "0" };

        IMultitaskMethod method = MultitaskMethods.Create("cagrad", 2, options);

        Assert.Equal("cagrad", method.Name);
        Assert.Throws<MultitaskConfigurationException>(
            () => MultitaskMethods.Create("cagrad", 2, new Dictionary<string, string> { ["c"] = "wide" }));
    }
}
