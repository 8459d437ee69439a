using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>
/// Multi-Fashion (as in the Pareto MTL benchmark): two Fashion-MNIST items on a 36×36 canvas, one placed at the
/// top left and one at the bottom right, each shifted by up to 4 pixels, overlapping by pixel-wise maximum. The
/// first task is the top-left item's class, the second the bottom-right item's. The training split pairs every
/// image of Fashion-MNIST's training set twice, with two different partners (120,000 samples); the test split pairs
/// each test image once (10,000). Pairs and shifts are fixed by the job seed.
/// </summary>
public sealed class MultiFashionDataset : IDataset
{
    /// <summary>The default folder of the IDX files: where Debian's <c>dataset-fashion-mnist</c> package puts them.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The canvas side in pixels.</summary>
    public const int Side = 36;

    private const int Item = 28;
    private const int MaxShift = 4;
    private readonly byte[] _images;
    private readonly byte[] _labels;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly byte[] _shifts;
    private readonly float[] _table = new float[256];

    private MultiFashionDataset(byte[] images, byte[] labels, int[] left, int[] right, byte[] shifts,
        BatchLayout layout, string description, float mean, float std)
    {
        _images = images;
        _labels = labels;
        _left = left;
        _right = right;
        _shifts = shifts;
        Layout = layout;
        Description = description;
        for (var v = 0; v < 256; v++)
        {
            _table[v] = ((v / 255f) - mean) / std;
        }
    }

    /// <inheritdoc />
    public int Count => _left.Length;

    /// <inheritdoc />
    public BatchLayout Layout { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Builds one split from the IDX files in a folder.</summary>
    /// <param name="job">The job: folder, sizes, seed, normalisation and the two tasks.</param>
    /// <param name="split">The split: <c>train</c> or <c>test</c>.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="DataSourceException">
    /// The folder or a file is missing, or the files do not hold 28×28 images and matching labels.
    /// </exception>
    public static MultiFashionDataset Load(JobSpec job, string split)
    {
        ArgumentNullException.ThrowIfNull(job);
        var folder = job.Data.Path is null ? DefaultFolder : job.ResolvePath(job.Data.Path);
        var prefix = split == "train" ? "train" : "t10k";
        var imagesPath = Find(folder, $"{prefix}-images-idx3-ubyte");
        var labelsPath = Find(folder, $"{prefix}-labels-idx1-ubyte");
        var (imageDims, images) = IdxFile.Read(imagesPath);
        var (labelDims, labels) = IdxFile.Read(labelsPath);
        if (imageDims.Length != 3 || imageDims[1] != Item || imageDims[2] != Item)
        {
            throw new DataSourceException($"'{imagesPath}' holds images of shape [{string.Join(", ", imageDims)}], expected [N, 28, 28].");
        }

        if (labelDims.Length != 1 || labelDims[0] != imageDims[0])
        {
            throw new DataSourceException($"'{labelsPath}' holds {labelDims[0]} labels for {imageDims[0]} images in '{imagesPath}'.");
        }

        var n = imageDims[0];
        var passes = split == "train" ? 2 : 1;
        var limit = Math.Min(split == "train" ? job.Data.TrainLimit : job.Data.TestLimit, n * passes);
        var left = new int[limit];
        var right = new int[limit];
        var shifts = new byte[limit * 4];
        var random = SeededRandom.Derive((ulong)job.Seed, split == "train" ? 0xFA51UL : 0xFA52UL);
        var partners = new int[passes][];
        for (var p = 0; p < passes; p++)
        {
            partners[p] = Derangement(random, n, p == 0 ? null : partners[0]);
        }

        for (var k = 0; k < limit; k++)
        {
            var (pass, i) = Math.DivRem(k, n);
            left[k] = i;
            right[k] = partners[pass][i];
            for (var s = 0; s < 4; s++)
            {
                shifts[(k * 4) + s] = (byte)random.NextInt(MaxShift + 1);
            }
        }

        var description = $"multi-fashion/{split} ({limit} samples from {folder})";
        return new MultiFashionDataset(images, labels, left, right, shifts, BatchLayout.ForJob(job), description,
            job.Input.Image.Mean[0], job.Input.Image.Std[0]);
    }

    /// <inheritdoc />
    public void Read(int index, Batch batch, int row, SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var canvas = batch.InputRow(row);
        Span<byte> pixels = stackalloc byte[Side * Side];
        pixels.Clear();
        var shift = _shifts.AsSpan(index * 4, 4);

        // Top-left item moves right and down by up to 4 pixels; the bottom-right one left and up.
        Place(pixels, _left[index], shift[0], shift[1]);
        Place(pixels, _right[index], Side - Item - shift[2], Side - Item - shift[3]);
        for (var i = 0; i < pixels.Length; i++)
        {
            canvas[i] = _table[pixels[i]];
        }

        ReadLabels(index, batch, row);
    }

    /// <inheritdoc />
    public void ReadLabels(int index, Batch batch, int row)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Tasks[0].SetClass(row, _labels[_left[index]]);
        batch.Tasks[1].SetClass(row, _labels[_right[index]]);
    }

    /// <summary>Gets the Fashion-MNIST indices of a sample's two items.</summary>
    /// <param name="index">The sample.</param>
    /// <returns>The top-left and bottom-right items' indices in the source split.</returns>
    public (int Left, int Right) Items(int index) => (_left[index], _right[index]);

    private void Place(Span<byte> canvas, int image, int x0, int y0)
    {
        var source = _images.AsSpan(image * Item * Item, Item * Item);
        for (var y = 0; y < Item; y++)
        {
            var target = canvas.Slice(((y0 + y) * Side) + x0, Item);
            var line = source.Slice(y * Item, Item);
            for (var x = 0; x < Item; x++)
            {
                target[x] = Math.Max(target[x], line[x]);
            }
        }
    }

    private static int[] Derangement(SeededRandom random, int n, int[]? avoid)
    {
        // A random permutation with no fixed point (an image is never its own partner) that also differs from an
        // earlier pass everywhere, so each image gets two different partners. Conflicts are repaired by swaps.
        var p = random.Permutation(n);
        for (var i = 0; i < n; i++)
        {
            var guard = 0;
            while ((p[i] == i || (avoid is not null && p[i] == avoid[i])) && guard++ < 64)
            {
                var j = random.NextInt(n);
                if (p[j] != i && p[i] != j && (avoid is null || (p[j] != avoid[i] && p[i] != avoid[j])))
                {
                    (p[i], p[j]) = (p[j], p[i]);
                }
            }
        }

        return p;
    }

    private static string Find(string folder, string name)
    {
        if (!Directory.Exists(folder))
        {
            throw new DataSourceException(
                $"The Fashion-MNIST folder '{folder}' does not exist. Install Debian's dataset-fashion-mnist " +
                $"package, or set 'data.path' to a folder with the four IDX files ({name}.gz and the others).");
        }

        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new DataSourceException($"The Fashion-MNIST folder '{folder}' has no '{name}.gz' (or '{name}').");
    }
}
