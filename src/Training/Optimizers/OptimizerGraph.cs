using MtlOnnx.Onnx;
using MtlOnnx.Training.Optimizers.Internal;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Builds <c>optimizer_model.onnx</c>: the update rule of an <see cref="OptimizerPlan"/> as a graph of standard
/// <c>ai.onnx</c> operators, so that parameters and optimizer state can stay on the device that trains.
/// </summary>
/// <remarks>
/// <para>
/// Inputs: <c>learning_rate</c> (float [1]), <c>step</c> (int64 [1], the 1-based number of the update), then for
/// each trainable parameter <c>p</c> in layout order: <c>p</c>, <c>p_grad</c> and its state tensors
/// (<c>p.momentum_buffer</c>, or <c>p.exp_avg</c> and <c>p.exp_avg_sq</c>). Outputs: <c>p.updated</c> and the
/// updated state tensors (<c>p.exp_avg.updated</c>, ...). ONNX Runtime never aliases an input to an output, so the
/// caller keeps two sets of buffers and swaps them after each step.
/// </para>
/// <para>
/// The graph uses the same float operations in the same order as <see cref="CpuOptimizer"/>, and computes the
/// per-step scalars (bias corrections, step sizes) in double as it does.
/// </para>
/// </remarks>
public static class OptimizerGraph
{
    /// <summary>The metadata key under which the optimizer graph records its specification as JSON.</summary>
    public const string SpecMetadataKey = "mtlonnx.optimizer";

    /// <summary>Builds the optimizer graph of a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <returns>The model, at opset <see cref="GraphBuilder.DefaultOpset"/>.</returns>
    public static ModelProto Build(OptimizerPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var spec = plan.Spec;
        var b = new GraphBuilder("optimizer");
        var scalarShape = GraphConstants.Int64s(b, [], "scalar_shape");
        var learningRate = b.AddInput(OptimizerNames.LearningRate, ElementType.Float, 1);
        var stepInput = b.AddInput(OptimizerNames.Step, ElementType.Int64, 1);
        var step = b.Node("Reshape", [stepInput, scalarShape]);
        var lrDouble = Cast(b, b.Node("Reshape", [learningRate, scalarShape]), ElementType.Double);
        var stepDouble = Cast(b, step, ElementType.Double);
        var one = GraphConstants.Int64(b, 1, "one");
        var first = b.Node("Equal", [step, one]);

        var parameters = new (GraphValue Value, GraphValue Gradient, GraphValue[] State)[plan.Layout.Count];
        for (var i = 0; i < plan.Layout.Count; i++)
        {
            var descriptor = plan.Layout.Parameters[i];
            var dims = descriptor.Shape.Select(d => (Dim)d).ToArray();
            var value = b.AddInput(descriptor.Name, ElementType.Float, dims);
            var gradient = b.AddInput(OptimizerNames.Gradient(descriptor.Name), ElementType.Float, dims);
            var state = plan.StateSlots
                .Select(slot => b.AddInput(OptimizerNames.State(descriptor.Name, slot), ElementType.Float, dims))
                .ToArray();
            parameters[i] = (value, gradient, state);
        }

        var clip = spec.MaxGradientNorm is { } maxNorm
            ? ClipCoefficient(b, parameters.Select(p => p.Gradient), maxNorm)
            : (GraphValue?)null;
        foreach (var group in plan.Groups)
        {
            var scalars = new GroupScalars(b, spec, group, lrDouble, stepDouble, first);
            foreach (var index in group.ParameterIndices)
            {
                var (value, gradient, state) = parameters[index];
                var g = clip is { } coefficient ? b.Mul(gradient, coefficient) : gradient;
                var updated = spec.Kind == OptimizerKind.Sgd
                    ? Sgd(b, spec, scalars, value, g, state)
                    : Adam(b, spec, scalars, value, g, state);

                var descriptor = plan.Layout.Parameters[index];
                var dims = descriptor.Shape.Select(d => (Dim)d).ToArray();
                Output(b, updated[0], OptimizerNames.Updated(descriptor.Name), dims);
                for (var s = 0; s < state.Length; s++)
                {
                    Output(b, updated[s + 1], OptimizerNames.Updated(state[s].Name), dims);
                }
            }
        }

        var model = b.ToModel();
        model.MetadataProps.Add(
            new StringStringEntryProto { Key = SpecMetadataKey, Value = OptimizerSpecJson.Serialize(spec) });
        return model;
    }

    private static GraphValue[] Sgd(
        GraphBuilder b,
        OptimizerSpec spec,
        GroupScalars s,
        GraphValue p,
        GraphValue g,
        GraphValue[] state)
    {
        var d = s.WeightDecay is { } wd ? b.Add(b.Mul(p, wd), g) : g;
        GraphValue[] newState = [];
        if (state.Length == 1)
        {
            var buffer = b.Add(b.Mul(state[0], s.MomentumFactor!.Value), b.Mul(d, s.GradientFactor!.Value));
            newState = [buffer];
            d = spec.Nesterov ? b.Add(b.Mul(buffer, s.Momentum!.Value), d) : buffer;
        }

        return [b.Add(b.Mul(d, s.NegativeLearningRate), p), .. newState];
    }

    private static GraphValue[] Adam(
        GraphBuilder b,
        OptimizerSpec spec,
        GroupScalars s,
        GraphValue p,
        GraphValue g,
        GraphValue[] state)
    {
        if (spec.Kind == OptimizerKind.Adam && s.WeightDecay is { } wd)
        {
            g = b.Add(b.Mul(p, wd), g);
        }
        else if (spec.Kind == OptimizerKind.AdamW && s.DecoupledDecayFactor is { } factor)
        {
            p = b.Mul(p, factor);
        }

        var expAvg = b.Add(b.Mul(state[0], s.Beta1!.Value), b.Mul(g, s.OneMinusBeta1!.Value));
        var expAvgSq = b.Add(b.Mul(state[1], s.Beta2!.Value), b.Mul(b.Mul(g, g), s.OneMinusBeta2!.Value));
        var denominator = b.Add(b.Div(b.Node("Sqrt", [expAvgSq]), s.BiasCorrection2Sqrt!.Value), s.Epsilon!.Value);
        var updated = b.Add(b.Mul(b.Div(expAvg, denominator), s.NegativeStepSize!.Value), p);
        return [updated, expAvg, expAvgSq];
    }

    private static GraphValue ClipCoefficient(GraphBuilder b, IEnumerable<GraphValue> gradients, float maxNorm)
    {
        var squares = gradients.Select(g => b.Node("ReduceSumSquare", [g], Attr.Int("keepdims", 0))).ToArray();
        var total = squares.Length == 1 ? squares[0] : b.Node("Sum", squares);
        var norm = b.Node("Sqrt", [total]);
        var epsilon = GraphConstants.Float(b, OptimizerScalars.ClipEpsilon, "clip_eps");
        var coefficient = b.Div(GraphConstants.Float(b, maxNorm, "max_grad_norm"), b.Add(norm, epsilon));
        return b.Node("Min", [coefficient, GraphConstants.Float(b, 1f, "one")]);
    }

    private static void Output(GraphBuilder b, GraphValue value, string name, Dim[] dims)
    {
        // Renaming the producing node's output avoids the copy an Identity node would cost on every step.
        if (b.UniqueName(name) != name)
        {
            throw new ArgumentException($"The optimizer graph needs the output name '{name}', which is already taken.");
        }

        foreach (var node in b.Graph.Node)
        {
            Rename(node.Output, value.Name, name);
            Rename(node.Input, value.Name, name);
        }

        b.AddOutput(new GraphValue(name), ElementType.Float, dims);
    }

    private static void Rename(Google.Protobuf.Collections.RepeatedField<string> names, string from, string to)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == from)
            {
                names[i] = to;
            }
        }
    }

    private static GraphValue Cast(GraphBuilder b, GraphValue value, ElementType to) =>
        b.Node("Cast", [value], Attr.Int("to", (long)to));

    /// <summary>The per-group scalar values, each a rank-0 float tensor of the graph.</summary>
    private sealed class GroupScalars
    {
        public GroupScalars(
            GraphBuilder b,
            OptimizerSpec spec,
            ResolvedParameterGroup group,
            GraphValue lrDouble,
            GraphValue stepDouble,
            GraphValue first)
        {
            var multiplier = GraphConstants.Double(b, group.LearningRateMultiplier, group.Name + ".lr_multiplier");
            var lr = b.Mul(lrDouble, multiplier);
            NegativeLearningRate = b.Node("Neg", [Cast(b, lr, ElementType.Float)]);
            WeightDecay = group.WeightDecay != 0
                ? GraphConstants.Float(b, group.WeightDecay, group.Name + ".weight_decay")
                : null;
            if (spec.Kind == OptimizerKind.Sgd)
            {
                Momentum = GraphConstants.Float(b, spec.Momentum, "momentum");
                MomentumFactor = b.Node("Where", [first, GraphConstants.Float(b, 0f, "zero"), Momentum.Value]);
                var undamped = GraphConstants.Float(b, (float)(1.0 - spec.Dampening), "one_minus_dampening");
                GradientFactor = b.Node("Where", [first, GraphConstants.Float(b, 1f, "one"), undamped]);
                return;
            }

            if (group.WeightDecay != 0)
            {
                var weightDecay = GraphConstants.Double(b, group.WeightDecay, group.Name + ".weight_decay_d");
                var decay = b.Sub(GraphConstants.Double(b, 1.0, "one"), b.Mul(lr, weightDecay));
                DecoupledDecayFactor = Cast(b, decay, ElementType.Float);
            }

            Beta1 = GraphConstants.Float(b, spec.Beta1, "beta1");
            Beta2 = GraphConstants.Float(b, spec.Beta2, "beta2");
            OneMinusBeta1 = GraphConstants.Float(b, (float)(1.0 - spec.Beta1), "one_minus_beta1");
            OneMinusBeta2 = GraphConstants.Float(b, (float)(1.0 - spec.Beta2), "one_minus_beta2");
            Epsilon = GraphConstants.Float(b, spec.Epsilon, "epsilon");
            var one = GraphConstants.Double(b, 1.0, "one");
            var correction1 = b.Sub(one, b.Node("Pow", [GraphConstants.Double(b, spec.Beta1, "beta1_d"), stepDouble]));
            var correction2 = b.Sub(one, b.Node("Pow", [GraphConstants.Double(b, spec.Beta2, "beta2_d"), stepDouble]));
            BiasCorrection2Sqrt = Cast(b, b.Node("Sqrt", [correction2]), ElementType.Float);
            NegativeStepSize = b.Node("Neg", [Cast(b, b.Div(lr, correction1), ElementType.Float)]);
        }

        public GraphValue NegativeLearningRate { get; }

        public GraphValue? WeightDecay { get; }

        public GraphValue? Momentum { get; }

        public GraphValue? MomentumFactor { get; }

        public GraphValue? GradientFactor { get; }

        public GraphValue? DecoupledDecayFactor { get; }

        public GraphValue? Beta1 { get; }

        public GraphValue? Beta2 { get; }

        public GraphValue? OneMinusBeta1 { get; }

        public GraphValue? OneMinusBeta2 { get; }

        public GraphValue? BiasCorrection2Sqrt { get; }

        public GraphValue? NegativeStepSize { get; }

        public GraphValue? Epsilon { get; }
    }
}
