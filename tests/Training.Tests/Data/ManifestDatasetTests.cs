using MtlOnnx.Training.Data;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Data;

public sealed class ManifestDatasetTests
{
    private const string TextJob = """
        input: { kind: text, vocabulary: vocab.txt, max_length: 8 }
        data: { source: SOURCE, path: MANIFEST, text_column: text, skip_bad_rows: SKIP }
        tasks:
          - { name: topic, kind: multiclass, labels: [sport, food] }
          - { name: urgent, kind: binary }
          - { name: tags, kind: multilabel, labels: [a, b, c] }
          - { name: score, kind: regression, columns: [score] }
        """;

    [Fact]
    public void Csv_MissingLabelsPerTask_AreMaskedAndOthersRead()
    {
        using var folder = new TempFolder();
        TestImages.WriteVocabulary(folder.Path, ["goal", "pizza", "match", "cheese"]);
        folder.Write("train.csv",
            "text,topic,urgent,tags,score\n\"goal match\",sport,1,a|c,2.5\npizza cheese,,no,,\n\"a, quoted\"\" text\",food,,b,-1\n");
        var dataset = ManifestDataset.Load(Job(folder, "csv", "train.csv", skip: false), folder.File("train.csv"));
        var batch = new Batch(dataset.Layout, 3);

        for (var i = 0; i < 3; i++)
        {
            dataset.Read(i, batch, i, SampleContext.Evaluation);
        }

        Assert.Equal(3, dataset.Count);
        Assert.Equal([1f, 0f, 1f], batch.Tasks[0].Mask);
        Assert.Equal([0L, 0L, 1L], batch.Tasks[0].Classes);
        Assert.Equal([1f, 1f, 0f], batch.Tasks[1].Mask);
        Assert.Equal([1f, 0f, 0f], batch.Tasks[1].Values);
        Assert.Equal([1f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f], batch.Tasks[2].Values);
        Assert.Equal([1f, 0f, 1f], batch.Tasks[3].Mask);
        Assert.Equal(2.5f, batch.Tasks[3].Values[0]);

        // [CLS] goal match [SEP] then padding, with the mask marking real tokens.
        Assert.Equal([2L, 5, 7, 3, 0, 0, 0, 0], batch.TokenRow(0).ToArray());
        Assert.Equal([1L, 1, 1, 1, 0, 0, 0, 0], batch.MaskRow(0).ToArray());
    }

    [Fact]
    public void JsonLines_ReadsArraysAndNulls()
    {
        using var folder = new TempFolder();
        TestImages.WriteVocabulary(folder.Path, ["goal", "pizza"]);
        folder.Write("train.jsonl", """
            {"text": "goal", "topic": "sport", "urgent": true, "tags": ["a", "b"], "score": 1.5}

            {"text": "pizza", "topic": null, "urgent": false, "tags": [], "score": null}
            """);
        var dataset = ManifestDataset.Load(Job(folder, "jsonl", "train.jsonl", skip: false), folder.File("train.jsonl"));
        var batch = new Batch(dataset.Layout, 2);

        dataset.Read(0, batch, 0, SampleContext.Evaluation);
        dataset.Read(1, batch, 1, SampleContext.Evaluation);

        Assert.Equal([1f, 0f], batch.Tasks[0].Mask);
        Assert.Equal([1f, 1f, 0f, 0f, 0f, 0f], batch.Tasks[2].Values);
        Assert.Equal([1f, 1f], batch.Tasks[2].Mask);
        Assert.Equal([1f, 0f], batch.Tasks[3].Mask);
    }

    [Theory]
    [InlineData("goal,tennis,1,a,1",
        "row 1 (line 2), column 'topic': label 'tennis' is not in the label set of task 'topic' (sport, food)")]
    [InlineData("goal,sport,maybe,a,1", "row 1 (line 2), column 'urgent': 'maybe' is not a binary label")]
    [InlineData("goal,sport,1,a|q,1", "row 1 (line 2), column 'tags': label 'q' is not in the label set of task 'tags' (a, b, c)")]
    [InlineData("goal,sport,1,a,high", "row 1 (line 2), column 'score': 'high' is not a finite number")]
    [InlineData("goal,sport,1", "row 1 (line 2): the row has 3 fields, but the header has 5")]
    public void Csv_BadRow_IsReportedWithRowLineAndColumn(string row, string expected)
    {
        using var folder = new TempFolder();
        TestImages.WriteVocabulary(folder.Path, ["goal"]);
        folder.Write("train.csv", $"text,topic,urgent,tags,score\n{row}\ngoal,food,0,b,2\n");

        var error = Assert.Throws<DataRowException>(() =>
            ManifestDataset.Load(Job(folder, "csv", "train.csv", skip: false), folder.File("train.csv")));

        Assert.Contains("train.csv, " + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_SkipBadRows_CountsThemAsWarnings()
    {
        using var folder = new TempFolder();
        TestImages.WriteVocabulary(folder.Path, ["goal"]);
        folder.Write("train.csv", "text,topic,urgent,tags,score\ngoal,tennis,1,a,1\ngoal,food,0,b,2\ngoal,sport,1,a,x\n");

        var dataset = ManifestDataset.Load(Job(folder, "csv", "train.csv", skip: true), folder.File("train.csv"));

        Assert.Equal(1, dataset.Count);
        Assert.Equal(2, dataset.Warnings.Count);
        Assert.Contains("row 1 (line 2)", dataset.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("row 3 (line 4)", dataset.Warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_MissingColumn_NamesColumnAndHeader()
    {
        using var folder = new TempFolder();
        TestImages.WriteVocabulary(folder.Path, ["goal"]);
        folder.Write("train.csv", "text,topic,urgent,score\ngoal,food,0,2\n");

        var error = Assert.Throws<DataSourceException>(() =>
            ManifestDataset.Load(Job(folder, "csv", "train.csv", skip: false), folder.File("train.csv")));

        Assert.Contains("no column 'tags'", error.Message, StringComparison.Ordinal);
        Assert.Contains("text, topic, urgent, score", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageManifest_MissingAndUndecodableFiles_AreReportedWithTheirRows()
    {
        using var folder = new TempFolder();
        TestImages.Write(folder.File("images/a.png"), 16, bright: true, red: true, noiseSeed: 1);
        File.WriteAllBytes(folder.File("images/broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6, 7]);
        folder.Write("train.csv", "image,kind\nimages/a.png,bright\nimages/none.png,dark\nimages/broken.png,dark\n");
        var yaml = $$"""
            input: { width: 16, height: 16, channels: 3 }
            data: { source: csv, path: {{folder.File("train.csv")}}, image_column: image, skip_bad_rows: SKIP }
            tasks:
              - { name: kind, kind: multiclass, labels: [bright, dark] }
            """;

        var missing = Assert.Throws<DataRowException>(() =>
            ManifestDataset.Load(TestJobs.Parse(yaml.Replace("SKIP", "false", StringComparison.Ordinal)), folder.File("train.csv")));
        var skipped = ManifestDataset.Load(TestJobs.Parse(yaml.Replace("SKIP", "true", StringComparison.Ordinal)),
            folder.File("train.csv"));

        Assert.Contains("row 2 (line 3), column 'image': the image file 'images/none.png' does not exist",
            missing.Message, StringComparison.Ordinal);
        Assert.Equal(1, skipped.Count);
        Assert.Equal(2, skipped.Warnings.Count);
        Assert.Contains("row 3 (line 4), column 'image': the image 'broken.png' cannot be decoded",
            skipped.Warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ImageManifest_Read_DecodesNormalisedRgbPlanes()
    {
        using var folder = new TempFolder();
        TestImages.Write(folder.File("a.png"), 16, bright: true, red: true, noiseSeed: 1);
        folder.Write("train.csv", "image,kind\na.png,bright\n");
        var job = TestJobs.Parse($$"""
            input: { width: 16, height: 16, channels: 3 }
            data: { source: csv, path: {{folder.File("train.csv")}}, image_column: image }
            tasks:
              - { name: kind, kind: multiclass, labels: [bright, dark] }
            """);
        var dataset = ManifestDataset.Load(job, folder.File("train.csv"));
        var batch = new Batch(dataset.Layout, 1);

        dataset.Read(0, batch, 0, SampleContext.Evaluation);
        var pixels = batch.InputRow(0).ToArray();

        Assert.Equal(3 * 16 * 16, pixels.Length);
        Assert.InRange(pixels[0], 0.8f, 1f);
        Assert.InRange(pixels[15], 0.1f, 0.3f);
        Assert.InRange(pixels[256], 0.1f, 0.13f);
    }

    private static MtlOnnx.Training.Jobs.JobSpec Job(TempFolder folder, string source, string manifest, bool skip) =>
        TestJobs.Parse(
            TextJob.Replace("SOURCE", source, StringComparison.Ordinal)
                .Replace("MANIFEST", manifest, StringComparison.Ordinal)
                .Replace("SKIP", skip ? "true" : "false", StringComparison.Ordinal),
            folder.Path);
}
