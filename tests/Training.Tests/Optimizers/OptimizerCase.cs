using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Tests.Optimizers;

/// <summary>
/// One optimizer configuration, given twice: as our specification, and as the plain per-parameter learning rates
/// and weight decays a PyTorch user would write for the same intent (w1, b1, w2, b2).
/// </summary>
internal sealed record OptimizerCase(
    string Name,
    OptimizerSpec Spec,
    double[] TorchLearningRates,
    double[] TorchWeightDecays,
    double? TorchMaxNorm = null)
{
    public static IReadOnlyList<OptimizerCase> All { get; } =
    [
        new("sgd", OptimizerSpec.Sgd(0.1f), [0.1, 0.1, 0.1, 0.1], [0, 0, 0, 0]),
        new(
            "sgd_momentum_decay_all",
            OptimizerSpec.Sgd(0.05f, momentum: 0.9f, weightDecay: 0.01f) with { ExcludeRankOneFromWeightDecay = false },
            [0.05, 0.05, 0.05, 0.05],
            [0.01, 0.01, 0.01, 0.01]),
        new(
            "sgd_nesterov_default_groups",
            OptimizerSpec.Sgd(0.05f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f),
            [0.05, 0.05, 0.05, 0.05],
            [0.01, 0, 0.01, 0]),
        new(
            "sgd_dampening",
            OptimizerSpec.Sgd(0.05f, momentum: 0.8f, dampening: 0.3f),
            [0.05, 0.05, 0.05, 0.05],
            [0, 0, 0, 0]),
        new(
            "sgd_momentum_clip",
            OptimizerSpec.Sgd(0.1f, momentum: 0.9f) with { MaxGradientNorm = 0.1f },
            [0.1, 0.1, 0.1, 0.1],
            [0, 0, 0, 0],
            0.1),
        new("adam", OptimizerSpec.Adam(0.01f), [0.01, 0.01, 0.01, 0.01], [0, 0, 0, 0]),
        new(
            "adam_l2_all",
            OptimizerSpec.Adam(0.01f, weightDecay: 0.05f) with { ExcludeRankOneFromWeightDecay = false },
            [0.01, 0.01, 0.01, 0.01],
            [0.05, 0.05, 0.05, 0.05]),
        new(
            "adamw_default_groups",
            OptimizerSpec.AdamW(0.01f, weightDecay: 0.1f),
            [0.01, 0.01, 0.01, 0.01],
            [0.1, 0, 0.1, 0]),
        new(
            "adamw_groups_clip",
            OptimizerSpec.AdamW(0.01f, weightDecay: 0.1f) with
            {
                MaxGradientNorm = 0.5f,
                Groups =
                [
                    new ParameterGroup
                    {
                        Name = "head", Parameters = ["w2", "b2"], LearningRate = 0.003f, WeightDecay = 0.2f,
                    },
                ],
            },
            [0.01, 0.01, 0.003, 0.003],
            [0.1, 0, 0.2, 0.2],
            0.5),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in All)
            {
                data.Add(c.Name);
            }

            return data;
        }
    }

    public static OptimizerCase Get(string name) => All.Single(c => c.Name == name);

    public override string ToString() => Name;
}
