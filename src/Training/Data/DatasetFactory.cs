using MtlOnnx.Preprocessing;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>Creates the train, validation and test splits a job's data section describes.</summary>
public static class DatasetFactory
{
    /// <summary>Creates the splits and measures the regression targets on the training split.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The splits.</returns>
    /// <exception cref="DataSourceException">A file or folder is missing or malformed.</exception>
    /// <exception cref="DataRowException">A manifest row is bad and bad rows are not skipped.</exception>
    public static DataSplits Create(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        IDataset train;
        IDataset validation;
        IDataset? test = null;
        var warnings = new List<string>();
        TextPreprocessor? text = null;
        switch (job.Data.Source)
        {
            case DataSourceKind.Shapes:
                train = new ShapesDataset(job, "train");
                validation = new ShapesDataset(job, "validation");
                test = new ShapesDataset(job, "test");
                break;
            case DataSourceKind.MultiFashion:
                var all = MultiFashionDataset.Load(job, "train");
                test = MultiFashionDataset.Load(job, "test");
                if (job.Data.ValidationFraction > 0)
                {
                    (train, validation) = SubsetDataset.Split(all, job.Data.ValidationFraction, job.Seed, "multi-fashion");
                }
                else
                {
                    // The benchmark trains on all 120,000 pairs and reports the test split, as the papers do.
                    train = all;
                    validation = test;
                }

                break;
            default:
                var manifest = ManifestDataset.Load(job, job.ResolvePath(job.Data.Path!));
                text = manifest.Text;
                warnings.AddRange(manifest.Warnings);
                if (job.Data.Validation is { } validationPath)
                {
                    var held = ManifestDataset.Load(job, job.ResolvePath(validationPath), text);
                    warnings.AddRange(held.Warnings);
                    (train, validation) = (manifest, held);
                }
                else
                {
                    (train, validation) = SubsetDataset.Split(manifest, Math.Max(job.Data.ValidationFraction,
                        1e-9), job.Seed, Path.GetFileName(job.Data.Path!));
                }

                if (job.Data.Test is { } testPath)
                {
                    var tested = ManifestDataset.Load(job, job.ResolvePath(testPath), text);
                    warnings.AddRange(tested.Warnings);
                    test = tested;
                }

                break;
        }

        return new DataSplits
        {
            Train = train,
            Validation = validation,
            Test = test,
            Warnings = warnings,
            Text = text,
            VocabularySize = text is null ? 0 : ManifestDataset.VocabularySize(job, text),
            TargetStatistics = BatchLoader.MeasureTargets(train),
        };
    }
}
