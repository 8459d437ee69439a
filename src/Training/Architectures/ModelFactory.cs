using System.Text.RegularExpressions;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures.Trunks;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures;

/// <summary>Builds the multi-task forward graph a job describes: inputs, trunk, sharing scheme, heads and losses.</summary>
public static class ModelFactory
{
    /// <summary>Builds the forward graph of a job.</summary>
    /// <param name="job">The job.</param>
    /// <param name="options">Facts measured on the data: regression statistics and vocabulary size.</param>
    /// <returns>The model.</returns>
    /// <exception cref="JobFileException">A frozen-parameter pattern matches no parameter.</exception>
    /// <exception cref="ModelFormatException">An imported trunk cannot be used.</exception>
    public static MultiTaskModel Build(JobSpec job, ModelBuildOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        options ??= new ModelBuildOptions();

        ModelProto? imported = null;
        var opset = GraphBuilder.DefaultOpset;
        if (job.Trunk.Kind == TrunkKind.Onnx)
        {
            imported = OnnxTrunk.Load(job.ResolvePath(job.Trunk.Path!), job.Trunk.FeatureOutput!);
            opset = Math.Max(opset, OnnxTrunk.Opset(imported));
        }

        var network = new NetworkBuilder(job.Seed, opset);
        var g = network.Graph;
        var (inputs, trunkInput) = DeclareInputs(g, job, options);
        var trunkScope = network.Root.Child("trunk");
        var features = job.Trunk.Kind switch
        {
            TrunkKind.Mlp => MlpTrunk.Build(trunkScope, trunkInput.Primary, job.Trunk),
            TrunkKind.LeNet => LeNetTrunk.Build(trunkScope, trunkInput.Primary, job.Trunk),
            TrunkKind.ResNet => ResNetTrunk.Build(trunkScope, trunkInput.Primary, job.Trunk),
            TrunkKind.Vit => VitTrunk.Build(trunkScope, trunkInput.Primary, job.Trunk),
            TrunkKind.TextEncoder => TextEncoderTrunk.Build(trunkScope, trunkInput, job.Trunk),
            _ => OnnxTrunk.Build(trunkScope, trunkInput.Primary, imported!, job.Trunk.FeatureOutput!, job.Trunk.InputName),
        };
        var representation = SharingSchemes.NameOutput(g, features.Value, "representation");
        features = features.With(new GraphValue(representation));

        var regularizers = new List<RegularizerOutput>();
        var perTask = SharingSchemes.Build(network.Root, features, job.Tasks, job.Architecture, regularizers);
        var tasks = new List<TaskOutputs>();
        foreach (var task in job.Tasks)
        {
            options.TargetStatistics.TryGetValue(task.Name, out var statistics);
            tasks.Add(TaskHeads.Build(network.Root, task, perTask[task.Name], statistics));
        }

        foreach (var regularizer in regularizers)
        {
            g.AddOutput(new GraphValue(regularizer.OutputName), ElementType.Float, []);
        }

        return new MultiTaskModel
        {
            Forward = g.ToModel(),
            Inputs = inputs,
            Tasks = tasks,
            Regularizers = regularizers,
            Parameters = network.Parameters.ToArray(),
            BufferUpdates = new Dictionary<string, string>(network.BufferUpdates, StringComparer.Ordinal),
            Frozen = ResolveFrozen(job, network.Parameters),
            RepresentationName = representation,
        };
    }

    /// <summary>
    /// Converts a name pattern with <c>*</c> (any run of characters) and <c>?</c> (one character) to a regular expression.
    /// </summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>An anchored regular expression.</returns>
    public static Regex PatternToRegex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var escaped = Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal);
        return new Regex($"^{escaped}$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static HashSet<string> ResolveFrozen(JobSpec job, IReadOnlyList<ParameterInfo> parameters)
    {
        var frozen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pattern in job.Trunk.Frozen)
        {
            var regex = PatternToRegex(pattern);
            var matched = parameters.Where(p => !p.IsBuffer && regex.IsMatch(p.Name)).Select(p => p.Name).ToList();
            if (matched.Count == 0)
            {
                var sample = string.Join(", ", parameters.Where(p => !p.IsBuffer).Take(12).Select(p => p.Name));
                throw new JobFileException(
                    $"The frozen pattern '{pattern}' in 'trunk.frozen' matches no parameter. Parameters include: {sample}.");
            }

            frozen.UnionWith(matched);
        }

        return frozen;
    }

    private static (List<ModelInput> Inputs, TrunkInput Trunk) DeclareInputs(
        GraphBuilder g,
        JobSpec job,
        ModelBuildOptions options)
    {
        var batch = ModelInput.BatchDim;
        switch (job.Input.Kind)
        {
            case InputKind.Text:
                var length = job.Input.Text.MaxLength;
                var ids = g.AddInput(ModelInput.TokenIdsName, ElementType.Int64, batch, length);
                var mask = g.AddInput(ModelInput.AttentionMaskName, ElementType.Int64, batch, length);
                return (
                    [
                        new ModelInput(ModelInput.TokenIdsName, ElementType.Int64, [length]),
                        new ModelInput(ModelInput.AttentionMaskName, ElementType.Int64, [length]),
                    ],
                    new TrunkInput(default, ids, mask, length, options.VocabularySize));
            case InputKind.Vector:
                var size = job.Input.VectorSize;
                var vector = g.AddInput(ModelInput.InputName, ElementType.Float, batch, size);
                return (
                    [new ModelInput(ModelInput.InputName, ElementType.Float, [size])],
                    new TrunkInput(Activation.Of(vector, size), GraphValue.None, GraphValue.None, 0, 0));
            default:
                var image = job.Input.Image;
                var x = g.AddInput(ModelInput.InputName, ElementType.Float, batch, image.Channels, image.Height, image.Width);
                return (
                    [new ModelInput(ModelInput.InputName, ElementType.Float, [image.Channels, image.Height, image.Width])],
                    new TrunkInput(Activation.Of(x, image.Channels, image.Height, image.Width), GraphValue.None, GraphValue.None, 0, 0));
        }
    }
}
