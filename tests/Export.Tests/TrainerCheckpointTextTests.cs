using System.Globalization;
using System.Security.Cryptography;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Export.Tests;

public sealed class TrainerCheckpointTextTests
{
    private const int Rows = 120;

    [Fact]
    public void Export_TextJobCheckpoint_CarriesTheTokenizerFileAndItsHash()
    {
        using var temp = new TempFolder();
        var vocabulary = WriteTickets(temp);
        var jobText = $$"""
            name: tickets
            seed: 3
            epochs: 1
            output: run
            input: { kind: text, tokenizer: wordpiece, vocabulary: vocab.txt, max_length: 12 }
            trunk: { kind: text-encoder, dim: 16, depth: 1, heads: 2 }
            tasks:
              - { name: topic, kind: multiclass, labels: [billing, shipping, account] }
              - { name: urgent, kind: binary }
              - { name: minutes, kind: regression, units: minutes }
            data: { source: csv, path: tickets.csv, text_column: text, validation_fraction: 0.25, batch_size: 16 }
            optimizer: { kind: adam, learning_rate: 0.003 }

            """;
        File.WriteAllText(temp.Combine("tickets.yaml"), jobText);
        var job = JobFile.Load(temp.Combine("tickets.yaml"));
        var checkpoint = new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false }).Run().BestCheckpoint!;

        var source = TrainerCheckpoint.Load(job, checkpoint, new TrainerCheckpointOptions
        {
            JobHash = TrainerCheckpoint.HashJob(jobText),
        });
        var result = ModelExporter.Export(source, new ExportOptions { Repository = temp.Combine("repo") });

        var vocabularyBytes = File.ReadAllBytes(vocabulary);
        Assert.Equal(vocabularyBytes, File.ReadAllBytes(Path.Combine(result.VersionDirectory, "vocab.txt")));
        var card = ModelCard.ReadFrom(OnnxModelIO.Load(result.ModelPath), result.ModelPath);
        var input = card.Inputs.Single();
        Assert.Equal(ModelCards.InputKind.Text, input.Kind);
        Assert.Equal(new Dim[] { Dim.Symbol("batch"), 12 }, input.Shape);
        Assert.Equal("attention_mask", input.Text!.AttentionMaskInput);
        var file = Assert.Single(input.Text.Files);
        Assert.Equal("vocab.txt", file.Name);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(vocabularyBytes)), file.Sha256);
        Assert.Equal(ModelCards.TaskKind.Binary, card.FindTask("urgent")!.Kind);
        Assert.Equal("minutes", card.FindTask("minutes")!.Units);
        Assert.Equal(TrainerCheckpoint.HashJob(jobText), card.Provenance!.JobHash);

        // Rows that miss the topic (every 7th) or the minutes (every 5th) are left out of the validation set.
        Assert.InRange(source.Validation!.Count, 1, (Rows / 4) - 1);
        Assert.True(result.VerifiedDifference <= 1e-5, $"verified difference {result.VerifiedDifference}");
    }

    private static string WriteTickets(TempFolder temp)
    {
        var vocabulary = temp.Combine("vocab.txt");
        string[] special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        File.WriteAllLines(vocabulary, special.Concat(["refund", "late", "password", "invoice", "parcel", "login",
            "please", "my", "the", "again"]));
        var lines = new List<string> { "text,topic,urgent,minutes" };
        string[] topics = ["billing", "shipping", "account"];
        string[] keys = ["invoice refund", "parcel late", "password login"];
        for (var i = 0; i < Rows; i++)
        {
            var topic = i % 3;
            var urgent = (i / 3) % 2;
            var minutes = (10 + (topic * 20) + (urgent * 5)).ToString(CultureInfo.InvariantCulture);
            lines.Add($"{(urgent == 1 ? "again please" : "my")} {keys[topic]} the,{(i % 7 == 0 ? "" : topics[topic])}," +
                $"{urgent},{(i % 5 == 0 ? "" : minutes)}");
        }

        File.WriteAllLines(temp.Combine("tickets.csv"), lines);
        return vocabulary;
    }
}
