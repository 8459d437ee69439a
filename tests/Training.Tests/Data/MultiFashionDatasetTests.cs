using MtlOnnx.Training.Data;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Data;

public sealed class MultiFashionDatasetTests
{
    private const string Job = """
        seed: 3
        input: { width: 36, height: 36 }
        data: { source: multi-fashion, validation_fraction: 0 }
        tasks:
          - { name: left, kind: multiclass }
          - { name: right, kind: multiclass }
        """;

    [Fact]
    public void Load_DebianFiles_Gives120000TrainPairsWithTwoDifferentPartnersPerImage()
    {
        RequireData();
        var train = MultiFashionDataset.Load(TestJobs.Parse(Job), "train");

        Assert.Equal(120_000, train.Count);
        for (var i = 0; i < 60_000; i += 997)
        {
            var (left0, right0) = train.Items(i);
            var (left1, right1) = train.Items(i + 60_000);
            Assert.Equal(i, left0);
            Assert.Equal(i, left1);
            Assert.NotEqual(i, right0);
            Assert.NotEqual(right0, right1);
        }
    }

    [Fact]
    public void Read_Canvas_IsMaxOfShiftedItems_AndLabelsAreTheItemsClasses()
    {
        RequireData();
        var job = TestJobs.Parse(Job);
        var test = MultiFashionDataset.Load(job, "test");
        var (images, labels) = (IdxFile.Read(Path.Combine(MultiFashionDataset.DefaultFolder, "t10k-images-idx3-ubyte.gz")).Data,
            IdxFile.Read(Path.Combine(MultiFashionDataset.DefaultFolder, "t10k-labels-idx1-ubyte.gz")).Data);
        var batch = new Batch(test.Layout, 1);

        test.Read(5, batch, 0, SampleContext.Evaluation);
        var (left, right) = test.Items(5);
        var canvas = batch.InputRow(0).ToArray();

        Assert.Equal(10_000, test.Count);
        Assert.Equal(labels[left], batch.Tasks[0].Classes[0]);
        Assert.Equal(labels[right], batch.Tasks[1].Classes[0]);

        // Every pixel is one of the two items' pixels or black, and the brightest pixels of both items appear.
        var leftMax = images.AsSpan(left * 784, 784).ToArray().Max() / 255f;
        var rightMax = images.AsSpan(right * 784, 784).ToArray().Max() / 255f;
        Assert.Contains(canvas, v => Math.Abs(v - leftMax) < 1e-6);
        Assert.Contains(canvas, v => Math.Abs(v - rightMax) < 1e-6);
        Assert.Equal(0f, canvas[(35 * 36) + 0]);
        Assert.Equal(0f, canvas[35]);
    }

    [Fact]
    public void Load_MissingFolder_NamesFolderAndDebianPackage()
    {
        using var folder = new TempFolder();
        var job = TestJobs.Parse(Job.Replace("validation_fraction: 0", $"path: {folder.File("nothing")}", StringComparison.Ordinal));

        var error = Assert.Throws<DataSourceException>(() => MultiFashionDataset.Load(job, "train"));

        Assert.Contains(folder.File("nothing"), error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset-fashion-mnist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdxFile_WrongMagicOrTruncated_IsRejected()
    {
        using var folder = new TempFolder();
        var wrong = folder.File("wrong-idx");
        File.WriteAllBytes(wrong, [0, 0, 0x0D, 3, 0, 0, 0, 1]);
        var truncated = folder.File("short-idx");
        File.WriteAllBytes(truncated, [0, 0, 8, 1, 0, 0, 0, 9, 1, 2, 3]);

        Assert.Contains("magic number", Assert.Throws<DataSourceException>(() => IdxFile.Read(wrong)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<DataSourceException>(() => IdxFile.Read(truncated)).Message, StringComparison.Ordinal);
    }

    private static void RequireData()
    {
        Assert.True(
            File.Exists(Path.Combine(MultiFashionDataset.DefaultFolder, "train-images-idx3-ubyte.gz")),
            "Fashion-MNIST is missing: install Debian's dataset-fashion-mnist package (.ci/run does).");
    }
}
