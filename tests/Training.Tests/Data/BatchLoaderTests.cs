using MtlOnnx.Training.Data;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Data;

public sealed class BatchLoaderTests
{
    private static readonly ShapesDataset Dataset = new(
        TestJobs.Parse("""
            data: { source: shapes, shapes: { train_size: 103 } }
            tasks:
              - { name: shape, kind: multiclass }
              - { name: position, kind: regression, columns: [x, y] }
            """),
        "train");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Epoch_PrefetchedOrNot_GivesSameBatchesCoveringEverySampleOnce(int prefetch, int workers)
    {
        var reference = Collect(new BatchLoader(Dataset, new BatchLoaderOptions { BatchSize = 10, Shuffle = true,
            Seed = 4, Prefetch = 0 }), 1);
        var loader = new BatchLoader(Dataset, new BatchLoaderOptions { BatchSize = 10, Shuffle = true, Seed = 4,
            Prefetch = prefetch, Workers = workers });

        var batches = Collect(loader, 1);

        Assert.Equal(11, batches.Count);
        Assert.Equal(3, batches[^1].Indices.Length);
        Assert.Equal(Enumerable.Range(0, 103), batches.SelectMany(b => b.Indices).Order());
        Assert.Equal(reference.Select(b => b.Indices), batches.Select(b => b.Indices));
        Assert.Equal(reference.Select(b => b.Pixels), batches.Select(b => b.Pixels));
    }

    [Fact]
    public void Order_DiffersBetweenEpochs_AndIsStableForOneEpoch()
    {
        var loader = new BatchLoader(Dataset, new BatchLoaderOptions { Shuffle = true, Seed = 9 });

        Assert.Equal(loader.Order(3), loader.Order(3));
        Assert.NotEqual(loader.Order(3), loader.Order(4));
    }

    [Fact]
    public void Epoch_SkipBatches_ResumesWithTheSameRemainingBatches()
    {
        var loader = new BatchLoader(Dataset, new BatchLoaderOptions { BatchSize = 16, Shuffle = true, Seed = 2, DropLast = true });

        var full = Collect(loader, 5);
        var resumed = loader.Epoch(5, skipBatches: 4).Select(b => b.Indices[..b.Count].ToArray()).ToList();

        Assert.Equal(6, full.Count);
        Assert.Equal(full.Skip(4).Select(b => b.Indices), resumed);
    }

    [Fact]
    public void Epoch_StandardisesRegressionTargets_WithMeasuredStatistics()
    {
        var statistics = BatchLoader.MeasureTargets(Dataset);
        var loader = new BatchLoader(Dataset, new BatchLoaderOptions { BatchSize = 103, TargetStatistics = statistics, Prefetch = 0 });

        var values = loader.Epoch(0).Single().Tasks[1].Values.ToArray();
        var x = values.Where((_, i) => i % 2 == 0).ToArray();

        Assert.Equal(0, x.Average(), 4);
        Assert.Equal(1, Math.Sqrt(x.Select(v => v * v).Average()), 3);
        Assert.InRange(statistics["position"].Mean[0], 0.35, 0.65);
    }

    [Fact]
    public void Epoch_AbandonedEarly_StopsTheProducer()
    {
        var loader = new BatchLoader(Dataset, new BatchLoaderOptions { BatchSize = 5, Prefetch = 2 });

        var first = loader.Epoch(0).Take(2).Select(b => b.Indices[0]).ToList();

        Assert.Equal([0, 5], first);
    }

    private static List<(int[] Indices, float[] Pixels)> Collect(BatchLoader loader, int epoch) =>
        loader.Epoch(epoch).Select(b => (b.Indices[..b.Count].ToArray(), b.Inputs[..(b.Count * b.Layout.SampleSize)].ToArray())).ToList();
}
