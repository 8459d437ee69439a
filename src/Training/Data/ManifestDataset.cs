using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing;
using MtlOnnx.Training.Data.Internal;
using MtlOnnx.Training.Jobs;
using InputKind = MtlOnnx.Training.Jobs.InputKind;
using TaskKind = MtlOnnx.Training.Jobs.TaskKind;

namespace MtlOnnx.Training.Data;

/// <summary>
/// A data set read from a CSV or JSON Lines manifest: one row per sample with an image path (relative to the
/// manifest), a text or feature columns, and one column per task (regression tasks may use several). Images go
/// through MtlOnnx's image preprocessing (PNG, JPEG and WebP only; seeded augmentation in training), text through
/// its tokenizers, so that serving later applies exactly the same steps.
/// </summary>
/// <remarks>
/// Every row is checked when the manifest is loaded: labels against the tasks' label sets, numbers, file
/// existence, and each image's header. A bad row raises <see cref="DataRowException"/> naming its row, line and
/// column, or, with <see cref="DataSpec.SkipBadRows"/>, is left out and counted in <see cref="Warnings"/>.
/// </remarks>
public sealed class ManifestDataset : IDataset
{
    private readonly List<ManifestRecord> _records;
    private readonly ImagePreprocessor? _images;
    private readonly ImageAugmentation _augmentation;
    private readonly TextPreprocessor? _text;
    private readonly string _name;

    private ManifestDataset(
        List<ManifestRecord> records,
        BatchLayout layout,
        ImagePreprocessor? images,
        ImageAugmentation augmentation,
        TextPreprocessor? text,
        string name,
        IReadOnlyList<string> warnings)
    {
        _records = records;
        _images = images;
        _augmentation = augmentation;
        _text = text;
        _name = name;
        Layout = layout;
        Warnings = warnings;
        Description = $"{name} ({records.Count} samples{(warnings.Count > 0 ? $", {warnings.Count} bad rows skipped" : string.Empty)})";
    }

    /// <inheritdoc />
    public int Count => _records.Count;

    /// <inheritdoc />
    public BatchLayout Layout { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Gets the messages of the rows that were skipped as bad.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Gets the text preprocessor, for text inputs; <see langword="null"/> otherwise.</summary>
    public TextPreprocessor? Text => _text;

    /// <summary>Loads and checks a manifest.</summary>
    /// <param name="job">The job: input, tasks and data options.</param>
    /// <param name="path">The manifest file.</param>
    /// <param name="text">The text preprocessor to share between splits, or <see langword="null"/> to create one.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="DataSourceException">The manifest is missing or has no usable rows, or a column is missing.</exception>
    /// <exception cref="DataRowException">A row is bad and bad rows are not skipped.</exception>
    public static ManifestDataset Load(JobSpec job, string path, TextPreprocessor? text = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var warnings = new List<string>();
        var jsonLines = job.Data.Source == DataSourceKind.JsonLines;
        var records = new ManifestParser(job, path).Parse(jsonLines, job.Data.SkipBadRows, warnings);
        var name = Path.GetFileName(path);

        ImagePreprocessor? images = null;
        var augmentation = ImageAugmentation.None;
        if (job.Input.Kind == InputKind.Image)
        {
            images = new ImagePreprocessor(ImageSpecOf(job));
            augmentation = AugmentationOf(job.Input.Augmentation);
            records = CheckImages(records, name, job.Data.SkipBadRows, warnings, job.Data.ImageColumn!);
        }
        else if (job.Input.Kind == InputKind.Text)
        {
            text ??= CreateTextPreprocessor(job);
        }

        return new ManifestDataset(records, BatchLayout.ForJob(job), images, augmentation, text, name, warnings);
    }

    /// <summary>Gets the image preprocessing of a job as the model card records it.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The image spec.</returns>
    public static ImageSpec ImageSpecOf(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var image = job.Input.Image;
        return new ImageSpec
        {
            Width = image.Width,
            Height = image.Height,
            Channels = image.Channels,
            Mean = [.. image.Mean],
            Std = [.. image.Std],
        };
    }

    /// <summary>Gets the text preprocessing of a job as the model card records it.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The text spec; its files' hashes are computed from the job's files.</returns>
    public static TextSpec TextSpecOf(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var text = job.Input.Text;
        return new TextSpec
        {
            Tokenizer = text.Tokenizer switch
            {
                "bpe" => TokenizerKind.Bpe,
                "tiktoken" => TokenizerKind.Tiktoken,
                "sentencepiece" => TokenizerKind.SentencePiece,
                _ => TokenizerKind.WordPiece,
            },
            Encoding = text.Encoding,
            Files = [.. text.Vocabulary.Select(f => TokenizerFile.FromFile(job.ResolvePath(f)))],
            MaxLength = text.MaxLength,
            Lowercase = text.Lowercase,
            PadToken = text.Tokenizer == "wordpiece" ? "[PAD]" : null,
            UnknownToken = text.Tokenizer == "wordpiece" ? "[UNK]" : null,
            AttentionMaskInput = Architectures.ModelInput.AttentionMaskName,
        };
    }

    /// <summary>Creates the tokenizer a job names, from its files.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The text preprocessor.</returns>
    /// <exception cref="DataSourceException">A tokenizer file is missing or cannot be read.</exception>
    public static TextPreprocessor CreateTextPreprocessor(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        foreach (var file in job.Input.Text.Vocabulary)
        {
            if (!File.Exists(job.ResolvePath(file)))
            {
                throw new DataSourceException($"The tokenizer file '{job.ResolvePath(file)}' named by 'input.vocabulary' does not exist.");
            }
        }

        var folders = job.Input.Text.Vocabulary.Select(f => Path.GetDirectoryName(job.ResolvePath(f))).Distinct().ToList();
        if (folders.Count > 1)
        {
            throw new DataSourceException("The tokenizer files named by 'input.vocabulary' must be in one folder.");
        }

        try
        {
            return TextPreprocessor.Create(TextSpecOf(job), folders.FirstOrDefault());
        }
        catch (ModelCardException ex)
        {
            throw new DataSourceException($"The tokenizer of 'input' cannot be created: {ex.Message}", ex);
        }
    }

    /// <summary>Gets the number of rows an embedding table needs for a tokenizer's ids.</summary>
    /// <param name="job">The job.</param>
    /// <param name="text">The text preprocessor.</param>
    /// <returns>One more than the largest id the tokenizer can produce.</returns>
    public static int VocabularySize(JobSpec job, TextPreprocessor text)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(text);
        var tokenizer = text.Tokenizer;
        var largest = tokenizer switch
        {
            Microsoft.ML.Tokenizers.BpeTokenizer bpe => bpe.Vocabulary.Values.DefaultIfEmpty().Max(),

            // The packaged encodings number their special tokens after every ordinary token.
            Microsoft.ML.Tokenizers.TiktokenTokenizer tiktoken => tiktoken.SpecialTokens?.Values.DefaultIfEmpty(50_256).Max() ?? 50_256,
            Microsoft.ML.Tokenizers.SentencePieceTokenizer piece => piece.Vocabulary.Values.DefaultIfEmpty().Max(),

            // WordPiece ids are line numbers of the vocabulary file.
            _ => File.ReadLines(job.ResolvePath(job.Input.Text.Vocabulary[0])).Count() - 1,
        };
        return (int)Math.Max(largest, text.PadId) + 1;
    }

    /// <inheritdoc />
    public void Read(int index, Batch batch, int row, SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var record = _records[index];
        if (_images is not null)
        {
            try
            {
                var bytes = File.ReadAllBytes(record.ImagePath!);
                var augment = context.Augment ? _augmentation : ImageAugmentation.None;
                var seed = ImageAugmentation.SampleSeed((ulong)context.Seed, context.Epoch, index);
                _images.Preprocess(bytes, batch.InputRow(row), augment, seed);
            }
            catch (Exception ex) when (ex is ImageRejectedException or IOException)
            {
                throw new DataRowException(_name, record.Row, record.Line, null,
                    $"the image '{record.ImagePath}' cannot be used: {ex.Message}", ex);
            }
        }
        else if (_text is not null)
        {
            try
            {
                _text.Encode(record.Text!, batch.TokenRow(row), batch.MaskRow(row));
            }
            catch (TextRejectedException ex)
            {
                throw new DataRowException(_name, record.Row, record.Line, null, $"the text cannot be used: {ex.Message}", ex);
            }
        }
        else
        {
            record.Features.CopyTo(batch.InputRow(row));
        }

        ReadLabels(index, batch, row);
    }

    /// <inheritdoc />
    public void ReadLabels(int index, Batch batch, int row)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var record = _records[index];
        for (var t = 0; t < batch.Tasks.Count; t++)
        {
            var labels = batch.Tasks[t];
            if (labels.Task.Kind == TaskKind.Multiclass)
            {
                if (record.Classes[t] >= 0)
                {
                    labels.SetClass(row, record.Classes[t]);
                }
                else
                {
                    labels.SetMissing(row);
                }
            }
            else if (record.Values[t] is { } values)
            {
                labels.SetValues(row, values);
            }
            else
            {
                labels.SetMissing(row);
            }
        }
    }

    private static ImageAugmentation AugmentationOf(AugmentationSpec spec) => new()
    {
        RandomResizedCrop = spec.CropScaleMin < 1.0,
        MinCropScale = spec.CropScaleMin,
        MaxCropScale = spec.CropScaleMax,
        HorizontalFlipProbability = spec.HorizontalFlip,
        Brightness = spec.Brightness,
        Contrast = spec.Contrast,
        Saturation = spec.Saturation,
    };

    private static List<ManifestRecord> CheckImages(
        List<ManifestRecord> records,
        string name,
        bool skip,
        List<string> warnings,
        string column)
    {
        var kept = new List<ManifestRecord>(records.Count);
        foreach (var record in records)
        {
            try
            {
                ImageDecoding.Identify(File.ReadAllBytes(record.ImagePath!));
                kept.Add(record);
            }
            catch (Exception ex) when (ex is ImageRejectedException or IOException)
            {
                var error = new DataRowException(name, record.Row, record.Line, column,
                    $"the image '{Path.GetFileName(record.ImagePath)}' cannot be decoded: {ex.Message}", ex);
                if (!skip)
                {
                    throw error;
                }

                warnings.Add(error.Message);
            }
        }

        if (kept.Count == 0)
        {
            throw new DataSourceException($"The manifest '{name}' has no usable rows: every image was rejected.");
        }

        return kept;
    }
}
