using MtlOnnx.Training.Data;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Data;

public sealed class ShapesDatasetTests
{
    private const string Job = """
        seed: 11
        data: { source: shapes, shapes: { train_size: 300, validation_size: 50, test_size: 200, compositional_holdout: true } }
        tasks:
          - { name: shape, kind: multiclass }
          - { name: position, kind: regression, columns: [x, y] }
          - { name: size, kind: regression, columns: [scale] }
        """;

    [Fact]
    public void Read_SameSeedAndIndex_GivesIdenticalImagesAndLabels()
    {
        var job = TestJobs.Parse(Job);
        var a = new ShapesDataset(job, "train");
        var b = new ShapesDataset(job, "train");
        var batchA = new Batch(a.Layout, 2);
        var batchB = new Batch(b.Layout, 2);

        a.Read(17, batchA, 0, SampleContext.Evaluation);
        b.Read(17, batchB, 0, SampleContext.Evaluation);
        a.Read(18, batchA, 1, SampleContext.Evaluation);

        Assert.Equal(batchA.InputRow(0).ToArray(), batchB.InputRow(0).ToArray());
        Assert.Equal(batchA.Tasks[0].Classes[0], batchB.Tasks[0].Classes[0]);
        Assert.NotEqual(batchA.InputRow(0).ToArray(), batchA.InputRow(1).ToArray());
    }

    [Fact]
    public void Render_ShapeArea_GrowsWithScaleAndDiffersByShape()
    {
        var dataset = new ShapesDataset(TestJobs.Parse(Job), "train");
        var pixels = new float[32 * 32];

        double Area(int shape, double scale)
        {
            dataset.Render(new ShapeFactors(shape, scale, 30, 0.5, 0.5), pixels);
            return pixels.Sum();
        }

        // Square 1.4² ≈ 1.96, ellipse π·0.5 ≈ 1.57, heart ≈ 2.3 (in units of radius²), at radius 10.24 px for scale 1.
        Assert.InRange(Area(0, 1.0), 1.96 * 104.9 * 0.9, 1.96 * 104.9 * 1.1);
        Assert.InRange(Area(1, 1.0), 1.57 * 104.9 * 0.9, 1.57 * 104.9 * 1.1);
        Assert.InRange(Area(0, 0.5) * 4, Area(0, 1.0) * 0.85, Area(0, 1.0) * 1.15);
        Assert.NotEqual(Area(2, 1.0), Area(0, 1.0), 1);
    }

    [Fact]
    public void CompositionalHoldout_TrainHasNoHeldOutCombination_TestHasOnlyThose()
    {
        var job = TestJobs.Parse(Job);
        var train = new ShapesDataset(job, "train");
        var test = new ShapesDataset(job, "test");

        var trainFactors = Enumerable.Range(0, train.Count).Select(train.Factors).ToList();
        var testFactors = Enumerable.Range(0, test.Count).Select(test.Factors).ToList();

        Assert.DoesNotContain(trainFactors, f => f.IsHeldOut);
        Assert.All(testFactors, f => Assert.True(f.IsHeldOut, f.ToString()));
        Assert.Equal(3, testFactors.Select(f => f.Shape).Distinct().Count());
    }

    [Fact]
    public void ReadLabels_MatchFactors()
    {
        var dataset = new ShapesDataset(TestJobs.Parse(Job), "validation");
        var batch = new Batch(dataset.Layout, 1);

        dataset.ReadLabels(7, batch, 0);
        var factors = dataset.Factors(7);

        Assert.Equal(factors.Shape, batch.Tasks[0].Classes[0]);
        Assert.Equal((float)factors.X, batch.Tasks[1].Values[0]);
        Assert.Equal((float)factors.Y, batch.Tasks[1].Values[1]);
        Assert.Equal((float)factors.Scale, batch.Tasks[2].Values[0]);
        Assert.Equal(1f, batch.Tasks[2].Mask[0]);
    }
}
