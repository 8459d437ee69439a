using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// Builds the backward graph of a forward graph in one reverse sweep over its nodes.
/// </summary>
/// <remarks>
/// Tensors downstream of a <see cref="GradientRequest.PerLossWithRespectTo"/> tensor carry one adjoint per loss;
/// all others carry the adjoint of the weighted loss sum. Where the two regions meet, the per-loss adjoints are
/// combined once (<c>Σᵢ wᵢ·adjᵢ</c>), so the part of the backward pass that all losses share is built once.
/// Contributions to a tensor with several consumers are added as they arrive, which frees them early.
/// Backward nodes follow the reverse forward order, so each activation's last use comes as soon as its layer is
/// reached; masks and shapes that rules derive from forward tensors are placed right after their producers, so
/// that a large activation can die once its small derivative (a boolean mask, a shape) exists.
/// </remarks>
internal sealed class GradientEngine
{
    private const int MinOpset = 13;
    private const int MaxOpset = 21;
    private const int Weighted = -1;

    private readonly GradientRequest _request;
    private readonly GradientRuleRegistry _rules;
    private readonly GraphBuilder _builder;
    private readonly GraphProto _graph;
    private readonly ShapeTracker _shapes;
    private readonly GraphEmitter _emitter;
    private readonly Dictionary<string, string> _runningStatistics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _maskInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tensor, int Loss), string> _adjoints = [];
    private readonly Dictionary<string, string> _combined = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Loss, ElementType Type), string> _weightScalars = [];
    private readonly Dictionary<string, string> _renamed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializersBefore;
    private readonly HashSet<string> _varied = new(StringComparer.Ordinal);
    private readonly HashSet<string> _variedShared = new(StringComparer.Ordinal);
    private readonly List<HashSet<string>> _useful = [];
    private readonly HashSet<string> _usefulAny = new(StringComparer.Ordinal);

    private readonly ILogger _logger;

    public GradientEngine(ModelProto forward, GradientRequest request, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(request);
        _request = request;
        _logger = logger ?? NullLogger.Instance;
        _rules = request.Rules ?? GradientRuleRegistry.Default;
        _builder = GraphBuilder.FromModel(forward);
        _graph = _builder.Graph;
        if (_builder.Opset is < MinOpset or > MaxOpset)
        {
            throw new ArgumentException(
                $"The model imports ai.onnx opset {_builder.Opset}; Autodiff supports opsets {MinOpset} to " +
                $"{MaxOpset}. Convert the model with onnx.version_converter first.",
                nameof(forward));
        }

        _shapes = new ShapeTracker(_builder.Opset);
        _emitter = new GraphEmitter(_builder, _shapes, [.. _graph.Node], _logger);
        _initializersBefore = _graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
    }

    public GradientResult Run()
    {
        var watch = Stopwatch.StartNew();
        Validate();
        AutodiffLog.Starting(
            _logger,
            _request.Losses.Count,
            _request.WithRespectTo.Count,
            _request.PerLossWithRespectTo.Count,
            _builder.Opset);
        var forwardCount = _graph.Node.Count;
        PromoteParameters();
        DeclareFacts();
        TrainingRewrites.Apply(_emitter, _request, _graph, _runningStatistics, _maskInputs, _logger);
        ConvPoolRewrite.Apply(_emitter, _request, _rules, _graph, _logger);
        _emitter.ReindexForward();
        Analyze();
        Seed();
        Sweep();
        var (gradients, perLoss) = AddGradientOutputs();
        Assemble();
        AutodiffLog.Built(_logger, forwardCount, _graph.Node.Count - forwardCount, watch.ElapsedMilliseconds);
        var model = _builder.ToModel();
        return new GradientResult(model, gradients, perLoss, _runningStatistics, _maskInputs, _request.LossWeightsInput);
    }

    private void Validate()
    {
        var known = _graph.Input.Select(i => i.Name)
            .Concat(_graph.Initializer.Select(i => i.Name))
            .Concat(_graph.Node.SelectMany(n => n.Output))
            .ToHashSet(StringComparer.Ordinal);
        if (_request.Losses is not { Count: > 0 })
        {
            throw BadRequest("The gradient request names no loss; give at least one.");
        }

        CheckNames(_request.Losses, "loss", known);
        CheckNames(_request.WithRespectTo, "tensor to differentiate with respect to", known);
        CheckNames(_request.PerLossWithRespectTo, "per-loss tensor", known);
        if (_request.LossWeights is not null && _request.LossWeightsInput is not null)
        {
            throw BadRequest(
                "The gradient request gives both constant loss weights and a loss-weights input; give one.");
        }

        if (_request.LossWeights is { } weights && weights.Count != _request.Losses.Count)
        {
            throw BadRequest(
                $"The gradient request has {_request.Losses.Count} losses but {weights.Count} loss weights.");
        }

        if (_request.LossWeightsInput is { } name && known.Contains(name))
        {
            throw BadRequest(
                $"The loss-weights input '{name}' is already a tensor of graph '{_graph.Name}'.");
        }
    }

    private static ArgumentException BadRequest(string message) => new(message);

    private static void CheckNames(IReadOnlyList<string> names, string what, HashSet<string> known)
    {
        ArgumentNullException.ThrowIfNull(names);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!known.Contains(name))
            {
                throw BadRequest(
                    $"The {what} '{name}' is not an input, initializer or node output of the graph.");
            }

            if (!seen.Add(name))
            {
                throw BadRequest($"The {what} '{name}' is listed twice.");
            }
        }
    }

    /// <summary>
    /// Makes initializers that are differentiated into graph inputs (keeping the initializer as their default),
    /// since the runtime folds and prepacks pure initializers as constants.
    /// </summary>
    private void PromoteParameters()
    {
        var inputs = _graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _request.WithRespectTo.Concat(_request.PerLossWithRespectTo).Distinct())
        {
            if (inputs.Contains(name) || _graph.Initializer.FirstOrDefault(i => i.Name == name) is not { } init)
            {
                continue;
            }

            _graph.Input.Add(ValueInfos.Tensor(name, (ElementType)init.DataType, init.Dims.Select(Dim.Fixed).ToArray()));
            inputs.Add(name);
        }

        if (_request.LossWeightsInput is { } weights)
        {
            _builder.AddInput(weights, ElementType.Float, _request.Losses.Count);
        }
    }

    private void DeclareFacts()
    {
        _shapes.AddGraph(_graph);
        foreach (var node in _emitter.Forward)
        {
            _shapes.InferNode(node);
        }
    }

    private bool IsDifferentiable(string tensor)
    {
        var type = _shapes.GetElementType(tensor);
        return type == ElementType.Undefined || ElementTypes.IsFloatingPoint(type);
    }

    private IGradientRule? RuleFor(NodeProto node)
    {
        var domain = node.Domain == "ai.onnx" ? string.Empty : node.Domain;
        var opset = _builder.Opsets.TryGetValue(domain, out var v) ? (int)v : 1;
        return _rules.TryGetRule(node.OpType, opset, out var rule, domain) ? rule : null;
    }

    private static bool PassesGradient(IGradientRule? rule) =>
        rule is null || !GradientRuleRegistry.IsNonDifferentiable(rule);

    /// <summary>Finds which tensors depend on the differentiated tensors and which ones each loss depends on.</summary>
    private void Analyze()
    {
        foreach (var name in _request.WithRespectTo.Concat(_request.PerLossWithRespectTo))
        {
            if (IsDifferentiable(name))
            {
                _varied.Add(name);
            }
        }

        foreach (var name in _request.PerLossWithRespectTo)
        {
            if (IsDifferentiable(name))
            {
                _variedShared.Add(name);
            }
        }

        foreach (var node in _emitter.Forward)
        {
            if (!PassesGradient(RuleFor(node)))
            {
                continue;
            }

            var varied = node.Input.Any(_varied.Contains);
            var shared = node.Input.Any(_variedShared.Contains);
            foreach (var output in node.Output.Where(o => o.Length > 0 && IsDifferentiable(o)))
            {
                if (varied)
                {
                    _varied.Add(output);
                }

                if (shared)
                {
                    _variedShared.Add(output);
                }
            }
        }

        foreach (var loss in _request.Losses)
        {
            var useful = new HashSet<string>(StringComparer.Ordinal) { loss };
            for (var n = _emitter.Forward.Count - 1; n >= 0; n--)
            {
                var node = _emitter.Forward[n];
                if (node.Output.Any(useful.Contains) && PassesGradient(RuleFor(node)))
                {
                    foreach (var input in node.Input.Where(i => i.Length > 0 && IsDifferentiable(i)))
                    {
                        useful.Add(input);
                    }
                }
            }

            _useful.Add(useful);
            _usefulAny.UnionWith(useful);
        }
    }

    private bool IsPerLoss(string tensor) => _variedShared.Contains(tensor);

    private void Seed()
    {
        for (var i = 0; i < _request.Losses.Count; i++)
        {
            var loss = _request.Losses[i];
            if (!_varied.Contains(loss))
            {
                continue;
            }

            if (_shapes.GetStaticShape(loss) is { } s && TensorProtos.ElementCount(s) != 1)
            {
                throw BadRequest(
                    $"The loss '{loss}' has shape [{string.Join(", ", s)}]; a loss must hold one element.");
            }

            _emitter.Hint = $"{loss}_seed";
            var type = _shapes.GetElementType(loss) is var t && t != ElementType.Undefined ? t : ElementType.Float;
            if (IsPerLoss(loss))
            {
                Accumulate(loss, i, FilledLike(1, type, loss));
            }
            else if (WeightedSeed(i, loss, type) is { } seed)
            {
                Accumulate(loss, Weighted, seed);
            }
        }
    }

    private string? WeightedSeed(int index, string loss, ElementType type)
    {
        if (_request.LossWeightsInput is null)
        {
            var weight = _request.LossWeights?[index] ?? 1f;
            return weight == 0 ? null : FilledLike(weight, type, loss);
        }

        var scalar = WeightScalar(index, type);
        var shape = _shapes.GetStaticShape(loss);
        if (shape is { Length: 0 })
        {
            return scalar;
        }

        return shape is not null
            ? _emitter.Emit("Reshape", [scalar, _emitter.Int64s(shape)], 1, [])[0]
            : _emitter.Emit("Expand", [scalar, _emitter.ShapeOf(loss)], 1, [])[0];
    }

    private string FilledLike(double value, ElementType type, string like) =>
        _shapes.GetStaticShape(like) is { } shape
            ? _emitter.Filled(value, type, shape)
            : _emitter.Emit("Expand", [_emitter.Scalar(value, type), _emitter.ShapeOf(like)], 1, [])[0];

    private string WeightScalar(int index, ElementType type)
    {
        if (_weightScalars.TryGetValue((index, type), out var existing))
        {
            return existing;
        }

        var saved = _emitter.Hint;
        _emitter.Hint = $"{_request.LossWeightsInput}_{index}";
        var scalar = _emitter.EmitForward(
            "Gather", [_request.LossWeightsInput!, _emitter.Int64s([index], scalar: true)], 1, [Attr.Int("axis", 0)])[0];
        if (type != ElementType.Float)
        {
            scalar = _emitter.EmitForward("Cast", [scalar], 1, [Attr.Int("to", (long)type)])[0];
        }

        _emitter.Hint = saved;
        _weightScalars[(index, type)] = scalar;
        return scalar;
    }

    private void Accumulate(string tensor, int loss, string contribution)
    {
        if (_adjoints.TryGetValue((tensor, loss), out var existing))
        {
            _emitter.Hint = $"{tensor}_grad_acc";
            contribution = _emitter.Emit("Add", [existing, contribution], 1, [])[0];
        }

        _adjoints[(tensor, loss)] = contribution;
    }

    /// <summary>Gets the gradient of the weighted loss sum for a tensor, combining per-loss adjoints once.</summary>
    private string? WeightedAdjoint(string tensor)
    {
        if (!IsPerLoss(tensor))
        {
            return _adjoints.GetValueOrDefault((tensor, Weighted));
        }

        if (_combined.TryGetValue(tensor, out var existing))
        {
            return existing;
        }

        string? sum = null;
        _emitter.Hint = $"{tensor}_grad_weighted";
        for (var i = 0; i < _request.Losses.Count; i++)
        {
            if (!_adjoints.TryGetValue((tensor, i), out var adjoint))
            {
                continue;
            }

            var type = _shapes.GetElementType(adjoint) is var t && t != ElementType.Undefined ? t : ElementType.Float;
            string term;
            if (_request.LossWeightsInput is not null)
            {
                term = _emitter.Emit("Mul", [adjoint, WeightScalar(i, type)], 1, [])[0];
            }
            else
            {
                var weight = _request.LossWeights?[i] ?? 1f;
                if (weight == 0)
                {
                    continue;
                }

                term = weight == 1 ? adjoint : _emitter.Emit("Mul", [adjoint, _emitter.Scalar(weight, type)], 1, [])[0];
            }

            sum = sum is null ? term : _emitter.Emit("Add", [sum, term], 1, [])[0];
        }

        if (sum is not null)
        {
            _combined[tensor] = sum;
        }

        return sum;
    }

    /// <summary>Visits the forward nodes in reverse order and lets each node's rule emit its backward nodes.</summary>
    private void Sweep()
    {
        var supported = _rules.SupportedOperators;
        for (var n = _emitter.Forward.Count - 1; n >= 0; n--)
        {
            var node = _emitter.Forward[n];
            var outputs = node.Output;
            var hasAdjoint = outputs.Any(o => o.Length > 0 &&
                (_adjoints.ContainsKey((o, Weighted)) ||
                 Enumerable.Range(0, _request.Losses.Count).Any(i => _adjoints.ContainsKey((o, i)))));
            if (!hasAdjoint)
            {
                continue;
            }

            var candidates = node.Input
                .Select(i => i.Length > 0 && _varied.Contains(i) && _usefulAny.Contains(i))
                .ToArray();
            if (!candidates.Any(c => c))
            {
                continue;
            }

            var rule = RuleFor(node);
            if (rule is null)
            {
                var domain = node.Domain == "ai.onnx" ? string.Empty : node.Domain;
                var opset = _builder.Opsets.TryGetValue(domain, out var v) ? (int)v : 0;
                throw new GradientNotDefinedException(
                    NodeLabel(node), node.OpType, domain, opset, null, supported);
            }

            if (GradientRuleRegistry.IsNonDifferentiable(rule))
            {
                continue;
            }

            for (var loss = 0; loss < _request.Losses.Count; loss++)
            {
                var needs = node.Input
                    .Select((input, j) => candidates[j] && IsPerLoss(input) && _useful[loss].Contains(input))
                    .ToArray();
                if (!needs.Any(x => x))
                {
                    continue;
                }

                var grads = outputs.Select(o => o.Length > 0 ? _adjoints.GetValueOrDefault((o, loss)) : null).ToArray();
                if (grads.All(g => g is null))
                {
                    continue;
                }

                Invoke(rule, node, grads, needs, loss, supported);
            }

            var weightedNeeds = node.Input.Select((input, j) => candidates[j] && !IsPerLoss(input)).ToArray();
            if (weightedNeeds.Any(x => x))
            {
                var grads = outputs.Select(o => o.Length > 0 ? WeightedAdjoint(o) : null).ToArray();
                if (grads.Any(g => g is not null))
                {
                    Invoke(rule, node, grads, weightedNeeds, Weighted, supported);
                }
            }
        }
    }

    private void Invoke(
        IGradientRule rule,
        NodeProto node,
        string?[] outputGradients,
        bool[] needs,
        int loss,
        IReadOnlyList<string> supported)
    {
        _emitter.Hint = NodeLabel(node) + "_grad";
        var context = new GradientContext(_emitter, node, outputGradients, needs, supported);
        rule.Backward(context);
        for (var j = 0; j < node.Input.Count; j++)
        {
            if (needs[j] && context.InputGradients[j] is { } gradient)
            {
                Accumulate(node.Input[j], loss, gradient);
            }
        }
    }

    private static string NodeLabel(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault(o => o.Length > 0) ?? node.OpType;

    private (Dictionary<string, string>, Dictionary<string, IReadOnlyDictionary<string, string>>) AddGradientOutputs()
    {
        if (!_request.KeepForwardOutputs)
        {
            var keep = _runningStatistics.Values.ToHashSet(StringComparer.Ordinal);
            var kept = _graph.Output.Where(o => keep.Contains(o.Name)).ToArray();
            _graph.Output.Clear();
            _graph.Output.AddRange(kept);
        }

        var gradients = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tensor in _request.WithRespectTo)
        {
            _emitter.Hint = $"{tensor}_grad";
            var value = WeightedAdjoint(tensor) ?? Zeros(tensor);
            gradients[tensor] = Publish(value, $"{tensor}_grad", tensor);
        }

        var perLoss = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        for (var i = 0; i < _request.Losses.Count; i++)
        {
            var loss = _request.Losses[i];
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tensor in _request.PerLossWithRespectTo)
            {
                _emitter.Hint = $"{tensor}_grad.{loss}";
                var value = (IsPerLoss(tensor) ? _adjoints.GetValueOrDefault((tensor, i)) : null) ?? Zeros(tensor);
                map[tensor] = Publish(value, $"{tensor}_grad.{loss}", tensor);
            }

            perLoss[loss] = map;
        }

        return (gradients, perLoss);
    }

    private string Zeros(string tensor)
    {
        var type = _shapes.GetElementType(tensor) is var t && t != ElementType.Undefined ? t : ElementType.Float;
        var zero = type == ElementType.Double
            ? TensorProtos.Create(string.Empty, type, [1], new[] { 0.0 })
            : TensorProtos.FromFloats(string.Empty, [1], [0f]);
        var shape = _shapes.GetStaticShape(tensor) is { } s ? _emitter.Int64s(s) : _emitter.ShapeOf(tensor);
        return _emitter.Emit("ConstantOfShape", [shape], 1, [Attr.Tensor("value", zero)])[0];
    }

    /// <summary>
    /// Makes a gradient a graph output under its public name, renaming the tensor that holds it rather than
    /// adding an Identity (an extra copy per step) wherever possible.
    /// </summary>
    private string Publish(string value, string preferredName, string like)
    {
        while (_renamed.TryGetValue(value, out var renamed))
        {
            value = renamed;
        }

        var name = _builder.UniqueName(preferredName);
        if (_emitter.IsEmitted(value) && !_renamed.ContainsValue(value) && !IsOutput(value))
        {
            _emitter.RenameEmitted(value, name);
            _renamed[value] = name;
        }
        else
        {
            AutodiffLog.IdentityOutput(_logger, name);
            var copy = _emitter.Emit("Identity", [value], 1, [])[0];
            _emitter.RenameEmitted(copy, name);
        }

        var type = _shapes.GetElementType(like) is var t && t != ElementType.Undefined ? t : ElementType.Float;
        _graph.Output.Add(ValueInfos.Tensor(name, type, _shapes.GetShape(like)));
        return name;
    }

    /// <summary>Fills in the type and shape of graph outputs that declare none, where inference knows them.</summary>
    private void CompleteOutputTypes()
    {
        foreach (var output in _graph.Output)
        {
            var tensor = output.Type?.TensorType;
            if (tensor is not null && tensor.Shape is not null && tensor.ElemType != 0)
            {
                continue;
            }

            var type = _shapes.GetElementType(output.Name);
            if (_shapes.GetShape(output.Name) is { } shape && type != ElementType.Undefined)
            {
                output.Type = ValueInfos.Tensor(output.Name, type, shape).Type;
            }
        }
    }

    private bool IsOutput(string name) => _graph.Output.Any(o => o.Name == name);

    /// <summary>Lays out forward nodes, the nodes placed after them, then the backward nodes; drops dead ones.</summary>
    private void Assemble()
    {
        var ordered = new List<(NodeProto Node, bool Original)>();
        var side = _emitter.ForwardSide;
        if (side.TryGetValue(-1, out var first))
        {
            ordered.AddRange(first.Select(n => (n, false)));
        }

        for (var i = 0; i < _emitter.Forward.Count; i++)
        {
            ordered.Add((_emitter.Forward[i], true));
            if (side.TryGetValue(i, out var after))
            {
                ordered.AddRange(after.Select(n => (n, false)));
            }
        }

        ordered.AddRange(_emitter.Backward.Select(n => (n, false)));

        var needed = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        for (var i = ordered.Count - 1; i >= 0; i--)
        {
            var (node, original) = ordered[i];
            var keep = (original && _request.KeepForwardOutputs) || node.Output.Any(needed.Contains);
            if (!keep)
            {
                continue;
            }

            kept.Add(node);
            foreach (var input in node.Input)
            {
                needed.Add(input);
            }
        }

        kept.Reverse();
        _graph.Node.Clear();
        _graph.Node.AddRange(kept);
        CompleteOutputTypes();

        // Constants added for rules whose results turned out unused go too.
        var unused = _graph.Initializer
            .Where(i => !_initializersBefore.Contains(i.Name) && !needed.Contains(i.Name))
            .ToArray();
        foreach (var initializer in unused)
        {
            _graph.Initializer.Remove(initializer);
        }
    }
}
