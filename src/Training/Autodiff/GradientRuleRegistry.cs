using System.Diagnostics.CodeAnalysis;
using MtlOnnx.Training.Autodiff.Internal;
using MtlOnnx.Training.Autodiff.Rules;

namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// Maps operators, by domain, type and opset range, to the <see cref="IGradientRule"/> that differentiates them.
/// </summary>
/// <remarks>
/// <see cref="Default"/> holds the built-in rules and is read-only; <see cref="CreateDefault"/> returns a copy that
/// can be extended or overridden. A later registration for the same operator and an overlapping opset range wins.
/// </remarks>
public sealed class GradientRuleRegistry
{
    private static readonly Lazy<GradientRuleRegistry> s_default = new(() => BuiltInRules.Create(readOnly: true));

    private readonly Dictionary<(string Domain, string OpType), List<Registration>> _rules = [];

    /// <summary>Initializes an empty, writable registry.</summary>
    public GradientRuleRegistry()
    {
    }

    /// <summary>Gets the read-only registry of built-in rules.</summary>
    public static GradientRuleRegistry Default => s_default.Value;

    /// <summary>Gets a value indicating whether registrations are refused.</summary>
    public bool IsReadOnly { get; internal set; }

    /// <summary>
    /// Gets the operators with a rule (non-differentiable ones included), sorted, with the domain as a prefix for
    /// operators outside <c>ai.onnx</c>.
    /// </summary>
    public IReadOnlyList<string> SupportedOperators =>
        _rules.Keys
            .Select(k => k.Domain.Length == 0 ? k.OpType : $"{k.Domain}.{k.OpType}")
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Creates a writable copy of the built-in rules.</summary>
    /// <returns>The registry.</returns>
    public static GradientRuleRegistry CreateDefault() => BuiltInRules.Create(readOnly: false);

    /// <summary>Registers a rule for an operator over a range of opset versions.</summary>
    /// <param name="opType">The operator, for example <c>Conv</c>.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="sinceVersion">The first opset version the rule handles.</param>
    /// <param name="untilVersion">The last opset version the rule handles.</param>
    /// <param name="domain">The operator's domain; the empty string for <c>ai.onnx</c>.</param>
    /// <exception cref="InvalidOperationException">The registry is read-only.</exception>
    public void Register(
        string opType,
        IGradientRule rule,
        int sinceVersion = 1,
        int untilVersion = int.MaxValue,
        string domain = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinceVersion, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(untilVersion, sinceVersion);
        if (IsReadOnly)
        {
            throw new InvalidOperationException(
                "The default gradient rule registry is read-only; call CreateDefault() for a writable copy.");
        }

        var key = (NormalizeDomain(domain), opType);
        if (!_rules.TryGetValue(key, out var list))
        {
            list = [];
            _rules[key] = list;
        }

        list.Add(new Registration(sinceVersion, untilVersion, rule));
    }

    /// <summary>
    /// Registers an operator whose outputs carry no gradient back to its inputs (Shape, Equal, ArgMax, ...).
    /// </summary>
    /// <param name="opType">The operator.</param>
    /// <param name="domain">The operator's domain; the empty string for <c>ai.onnx</c>.</param>
    /// <exception cref="InvalidOperationException">The registry is read-only.</exception>
    public void RegisterNonDifferentiable(string opType, string domain = "") =>
        Register(opType, NoGradientRule.Instance, domain: domain);

    /// <summary>Finds the rule for an operator at an opset version.</summary>
    /// <param name="opType">The operator.</param>
    /// <param name="opset">The opset version the model imports for the operator's domain.</param>
    /// <param name="rule">The rule, when one is registered.</param>
    /// <param name="domain">The operator's domain; the empty string for <c>ai.onnx</c>.</param>
    /// <returns><see langword="true"/> when a rule covers the operator at that version.</returns>
    public bool TryGetRule(string opType, int opset, [NotNullWhen(true)] out IGradientRule? rule, string domain = "")
    {
        ArgumentNullException.ThrowIfNull(opType);
        ArgumentNullException.ThrowIfNull(domain);
        rule = null;
        if (!_rules.TryGetValue((NormalizeDomain(domain), opType), out var list))
        {
            return false;
        }

        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (opset >= list[i].Since && opset <= list[i].Until)
            {
                rule = list[i].Rule;
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets whether an operator is registered as having no gradient.</summary>
    /// <param name="rule">A rule returned by <see cref="TryGetRule"/>.</param>
    /// <returns><see langword="true"/> for the rule of non-differentiable operators.</returns>
    public static bool IsNonDifferentiable(IGradientRule rule) => ReferenceEquals(rule, NoGradientRule.Instance);

    private static string NormalizeDomain(string domain) => domain == "ai.onnx" ? string.Empty : domain;

    private sealed record Registration(int Since, int Until, IGradientRule Rule);
}
