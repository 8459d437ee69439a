using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>
/// The built-in shapes data set, generated on the fly like dSprites: a white square, ellipse or heart on black, with
/// a random scale, rotation and position, rendered with 4×4 supersampling. Every image is a pure function of the
/// seed, the split and the index, so it needs no files and no memory. The optional compositional split holds out
/// each shape in one quadrant (<see cref="ShapeFactors.IsHeldOut"/>): training and validation never show those
/// combinations, and the test split shows only them.
/// </summary>
public sealed class ShapesDataset : IDataset
{
    private const int Supersampling = 4;
    private readonly int _seed;
    private readonly ulong _stream;
    private readonly int _size;
    private readonly bool _holdout;
    private readonly bool _heldOutOnly;
    private readonly float _mean;
    private readonly float _std;
    private readonly int[][] _factorsOfTask;

    /// <summary>Initializes one split of the data set.</summary>
    /// <param name="job">The job: seed, image normalisation, tasks and shapes options.</param>
    /// <param name="split">The split: <c>train</c>, <c>validation</c> or <c>test</c>.</param>
    /// <exception cref="ArgumentException">The split is unknown or a task reads no shapes factor.</exception>
    public ShapesDataset(JobSpec job, string split)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = job.Data.Shapes;
        (_stream, Count) = split switch
        {
            "train" => (1UL, spec.TrainSize),
            "validation" => (2UL, spec.ValidationSize),
            "test" => (3UL, spec.TestSize),
            _ => throw new ArgumentException($"'{split}' is not a split; use train, validation or test.", nameof(split)),
        };
        _seed = job.Seed;
        _size = spec.ImageSize;
        _holdout = spec.CompositionalHoldout;
        _heldOutOnly = _holdout && split == "test";
        _mean = job.Input.Image.Mean[0];
        _std = job.Input.Image.Std[0];
        Layout = BatchLayout.ForJob(job);
        Split = split;
        var factorNames = new[] { "shape", "scale", "rotation", "x", "y" };
        _factorsOfTask = new int[job.Tasks.Count][];
        for (var t = 0; t < job.Tasks.Count; t++)
        {
            var task = job.Tasks[t];
            var columns = task.Kind == TaskKind.Regression ? task.Columns : [task.Column ?? task.Name];
            _factorsOfTask[t] = columns.Select(c => Array.IndexOf(factorNames, c)).ToArray();
            if (_factorsOfTask[t].Any(i => i < 0))
            {
                throw new ArgumentException($"Task '{task.Name}' reads '{string.Join(", ", columns)}', which is not a shapes factor.",
                    nameof(job));
            }

        }

        Description = $"shapes/{split} ({Count} samples{(_holdout ? ", compositional hold-out" : string.Empty)})";
    }

    /// <summary>Gets the split's name.</summary>
    public string Split { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public BatchLayout Layout { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Draws the factors of one sample.</summary>
    /// <param name="index">The sample index.</param>
    /// <returns>The factors.</returns>
    public ShapeFactors Factors(int index)
    {
        var random = SeededRandom.Derive((ulong)_seed, 0x5A9E0000UL + _stream, (ulong)index);
        while (true)
        {
            var factors = new ShapeFactors(
                random.NextInt(3),
                random.Uniform(0.5, 1.0),
                random.Uniform(0, 360),
                random.NextDouble(),
                random.NextDouble());
            if (!_holdout || factors.IsHeldOut == _heldOutOnly)
            {
                return factors;
            }

            if (_heldOutOnly)
            {
                // Move the shape into its held-out quadrant, keeping its position inside the quadrant.
                var quadrant = factors.Shape;
                return factors with
                {
                    X = ((factors.X % 0.5) + (quadrant % 2 == 1 ? 0.5 : 0)),
                    Y = ((factors.Y % 0.5) + (quadrant >= 2 ? 0.5 : 0)),
                };
            }
        }
    }

    /// <inheritdoc />
    public void Read(int index, Batch batch, int row, SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var factors = Factors(index);
        Render(factors, batch.InputRow(row));
        WriteLabels(factors, batch, row);
    }

    /// <inheritdoc />
    public void ReadLabels(int index, Batch batch, int row)
    {
        ArgumentNullException.ThrowIfNull(batch);
        WriteLabels(Factors(index), batch, row);
    }

    /// <summary>Renders the image of some factors, normalised as the job asks.</summary>
    /// <param name="factors">The factors.</param>
    /// <param name="destination">Receives size × size floats, row by row.</param>
    public void Render(ShapeFactors factors, Span<float> destination)
    {
        var size = _size;

        // The shape fits in a circle of this radius (pixels); the centre keeps it inside the canvas.
        var radius = factors.Scale * size * 0.32;
        var margin = radius + 0.5;
        var cx = margin + (factors.X * (size - (2 * margin)));
        var cy = margin + (factors.Y * (size - (2 * margin)));
        var angle = factors.Rotation * Math.PI / 180;
        var (sin, cos) = Math.SinCos(angle);
        const double Step = 1.0 / Supersampling;
        for (var py = 0; py < size; py++)
        {
            for (var px = 0; px < size; px++)
            {
                var hits = 0;
                var far = Math.Abs(px + 0.5 - cx) > radius + 1 || Math.Abs(py + 0.5 - cy) > radius + 1;
                if (!far)
                {
                    for (var sy = 0; sy < Supersampling; sy++)
                    {
                        for (var sx = 0; sx < Supersampling; sx++)
                        {
                            var dx = (px + ((sx + 0.5) * Step) - cx) / radius;
                            var dy = (py + ((sy + 0.5) * Step) - cy) / radius;

                            // Rotate into the shape's frame; v points up so the heart's lobes are on top.
                            var u = (cos * dx) + (sin * dy);
                            var v = -((-sin * dx) + (cos * dy));
                            if (Inside(factors.Shape, u, v))
                            {
                                hits++;
                            }
                        }
                    }
                }

                var value = hits / (float)(Supersampling * Supersampling);
                destination[(py * size) + px] = (value - _mean) / _std;
            }
        }
    }

    private static bool Inside(int shape, double u, double v)
    {
        switch (shape)
        {
            case 0:
                return Math.Abs(u) <= 0.7 && Math.Abs(v) <= 0.7;
            case 1:
                return ((u * u) / (1.0 * 1.0)) + ((v * v) / (0.5 * 0.5)) <= 1;
            default:
                // The classic heart curve (x² + y² − 1)³ − x²·y³ ≤ 0, scaled and shifted into the unit circle.
                var x = u * 1.2;
                var y = (v * 1.2) + 0.1;
                var r = (x * x) + (y * y) - 1;
                return (r * r * r) - (x * x * y * y * y) <= 0;
        }
    }

    private void WriteLabels(ShapeFactors factors, Batch batch, int row)
    {
        Span<float> values = stackalloc float[5];
        for (var t = 0; t < batch.Tasks.Count; t++)
        {
            var labels = batch.Tasks[t];
            if (labels.Task.Kind == TaskKind.Multiclass)
            {
                labels.SetClass(row, factors.Shape);
                continue;
            }

            var names = _factorsOfTask[t];
            for (var d = 0; d < names.Length; d++)
            {
                values[d] = (float)factors.Factor(FactorName(names[d]));
            }

            labels.SetValues(row, values[..names.Length]);
        }

    }

    private static string FactorName(int index) => index switch
    {
        0 => "shape",
        1 => "scale",
        2 => "rotation",
        3 => "x",
        _ => "y",
    };
}
