using System.Globalization;
using System.Text.Json;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Session;

namespace MtlOnnx.Training.Tests.Optimizers;

/// <summary>
/// Runs <c>torch.optim</c> once for every <see cref="OptimizerCase"/> on the <see cref="TinyMlp"/> and keeps the
/// parameters after each of the <see cref="Steps"/> steps.
/// </summary>
public sealed class TorchOptimizerReference : IDisposable
{
    public const int Steps = 20;
    public const int Seed = 1234;

    private const string Script = """
        import json, sys
        import numpy as np
        import torch

        torch.set_num_threads(1)
        cfg = json.load(open(sys.argv[1]))
        shapes = cfg["shapes"]
        x = torch.tensor(np.array(cfg["x"], dtype=np.float32).reshape(cfg["batch"], -1))
        y = torch.tensor(np.array(cfg["y"], dtype=np.float32).reshape(cfg["batch"], -1))
        init = np.array(cfg["init"], dtype=np.float32)
        rows = []
        for case in cfg["cases"]:
            params, offset = [], 0
            for shape in shapes:
                count = int(np.prod(shape))
                params.append(torch.tensor(init[offset:offset + count].reshape(shape), requires_grad=True))
                offset += count
            groups = [{"params": [p], "lr": lr, "weight_decay": wd}
                      for p, lr, wd in zip(params, case["lrs"], case["wds"])]
            kind = case["kind"]
            if kind == "sgd":
                opt = torch.optim.SGD(groups, lr=case["lrs"][0], momentum=case["momentum"],
                                      dampening=case["dampening"], nesterov=case["nesterov"])
            elif kind == "adam":
                opt = torch.optim.Adam(groups, lr=case["lrs"][0], betas=(case["beta1"], case["beta2"]), eps=case["eps"])
            else:
                opt = torch.optim.AdamW(groups, lr=case["lrs"][0], betas=(case["beta1"], case["beta2"]), eps=case["eps"])
            for _ in range(cfg["steps"]):
                opt.zero_grad()
                w1, b1, w2, b2 = params
                pred = torch.relu(x @ w1.T + b1) @ w2.T + b2
                loss = ((pred - y) ** 2).mean()
                loss.backward()
                if case["max_norm"] is not None:
                    torch.nn.utils.clip_grad_norm_(params, case["max_norm"])
                opt.step()
                rows.append(torch.cat([p.detach().reshape(-1) for p in params]).numpy())
        np.stack(rows).astype(np.float32).tofile(sys.argv[2])
        print(torch.__version__)
        """;

    private readonly TempFolder _directory = new();

    public TorchOptimizerReference()
    {
        Model = new TinyMlp(Seed);
        var config = new
        {
            shapes = TinyMlp.Parameters.Select(p => p.Shape).ToArray(),
            batch = TinyMlp.Batch,
            x = Model.X,
            y = Model.Y,
            init = Model.Initial,
            steps = Steps,
            cases = OptimizerCase.All.Select(c => new
            {
                kind = c.Spec.Kind.ToString().ToLowerInvariant(),
                lrs = c.TorchLearningRates,
                wds = c.TorchWeightDecays,
                momentum = (double)c.Spec.Momentum,
                dampening = (double)c.Spec.Dampening,
                nesterov = c.Spec.Nesterov,
                beta1 = Decimal(c.Spec.Beta1),
                beta2 = Decimal(c.Spec.Beta2),
                eps = Decimal(c.Spec.Epsilon),
                max_norm = c.TorchMaxNorm,
            }).ToArray(),
        };

        var input = _directory.File("config.json");
        var output = _directory.File("trajectories.bin");
        File.WriteAllText(input, JsonSerializer.Serialize(config));
        TorchVersion = PythonTool.RunScriptIn(Script, _directory.Path, input, output).Trim();

        var bytes = File.ReadAllBytes(output);
        var all = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, all, 0, bytes.Length);
        var size = (int)TinyMlp.Layout.TotalElementCount;
        var row = 0;
        foreach (var c in OptimizerCase.All)
        {
            var steps = new float[Steps][];
            for (var s = 0; s < Steps; s++, row++)
            {
                steps[s] = all.AsSpan(row * size, size).ToArray();
            }

            Trajectories[c.Name] = steps;
        }
    }

    internal TinyMlp Model { get; }

    public string TorchVersion { get; }

    public Dictionary<string, float[][]> Trajectories { get; } = [];

    public void Dispose() => _directory.Dispose();

    // The decimal a PyTorch user writes (0.9, 1e-8), not the float32 value widened to double.
    private static double Decimal(float value) =>
        double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
