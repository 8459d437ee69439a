using System.Text.Json;
using MtlOnnx.Training.Data;

namespace MtlOnnx.Bench.TrainerReplay;

/// <summary>
/// Writes the files bench/trainer/torch_replay.py reads: parameter folders (one raw float32 file per tensor and an
/// index.json of names and shapes) and batch files (per batch: the row count as int32, the pixels as bytes, then each
/// task's class labels as int64). Shared by the replay tool and the trainer's PyTorch comparison test.
/// </summary>
internal static class ReplayFiles
{
    /// <summary>Writes every batch of the given epochs, in the order the loader yields them.</summary>
    /// <param name="path">The batch file.</param>
    /// <param name="loader">The loader.</param>
    /// <param name="epochs">The number of epochs, from the first.</param>
    public static void WriteEpochs(string path, BatchLoader loader, int epochs)
    {
        using var stream = File.Create(path);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var batch in loader.Epoch(epoch))
            {
                WriteBatch(stream, batch);
            }
        }
    }

    /// <summary>Writes one batch.</summary>
    /// <param name="stream">The batch file.</param>
    /// <param name="batch">The batch, whose inputs are pixels scaled by 1/255.</param>
    /// <exception cref="InvalidOperationException">A pixel is not a multiple of 1/255.</exception>
    public static void WriteBatch(Stream stream, Batch batch)
    {
        // Pixels go out as bytes: the preset's normalisation is v / 255, so v = x * 255 is an integer.
        var count = batch.Count * batch.Layout.SampleSize;
        var pixels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var v = batch.Inputs[i] * 255f;
            var rounded = MathF.Round(v);
            if (MathF.Abs(v - rounded) > 1e-3f)
            {
                throw new InvalidOperationException(
                    $"Input {i} of the batch is {batch.Inputs[i]}, not a pixel scaled by 1/255; the replay needs a job " +
                    "without mean and std.");
            }

            pixels[i] = (byte)rounded;
        }

        stream.Write(BitConverter.GetBytes(batch.Count));
        stream.Write(pixels);
        foreach (var task in batch.Tasks)
        {
            var labels = new byte[batch.Count * sizeof(long)];
            Buffer.BlockCopy(task.Classes, 0, labels, 0, labels.Length);
            stream.Write(labels);
        }
    }

    /// <summary>Writes a parameter folder.</summary>
    /// <param name="folder">The folder, created if missing.</param>
    /// <param name="tensors">The tensors: MtlOnnx name, shape and values.</param>
    public static void WriteParameters(string folder, IEnumerable<(string Name, long[] Shape, float[] Data)> tensors)
    {
        Directory.CreateDirectory(folder);
        var index = new List<object>();
        foreach (var (name, shape, data) in tensors)
        {
            var file = name.Replace('/', '_').Replace(':', '_') + ".f32";
            var bytes = new byte[data.Length * sizeof(float)];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(Path.Combine(folder, file), bytes);
            index.Add(new { name, shape, file });
        }

        File.WriteAllText(Path.Combine(folder, "index.json"), JsonSerializer.Serialize(index));
    }
}
