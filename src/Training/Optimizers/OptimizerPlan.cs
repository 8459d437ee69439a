namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// An optimizer specification applied to a concrete list of trainable parameters: which group each parameter
/// belongs to, its learning-rate multiplier and weight decay, and the state tensors the rule keeps per parameter.
/// The CPU optimizer and the optimizer graph are both built from a plan, so they apply the same rule.
/// </summary>
public sealed class OptimizerPlan
{
    /// <summary>The default group of parameters that receive weight decay.</summary>
    public const string DecayGroupName = "decay";

    /// <summary>The default group of rank-0 and rank-1 parameters, which receive no weight decay.</summary>
    public const string NoDecayGroupName = "no_decay";

    private readonly int[] _groupOf;

    private OptimizerPlan(
        OptimizerSpec spec,
        ParameterLayout layout,
        IReadOnlyList<ResolvedParameterGroup> groups,
        int[] groupOf)
    {
        Spec = spec;
        Layout = layout;
        Groups = groups;
        _groupOf = groupOf;
        StateSlots = spec.Kind switch
        {
            OptimizerKind.Sgd when spec.Momentum > 0 => [OptimizerNames.MomentumBufferSlot],
            OptimizerKind.Sgd => [],
            _ => [OptimizerNames.ExpAvgSlot, OptimizerNames.ExpAvgSqSlot],
        };
    }

    /// <summary>Gets the specification.</summary>
    public OptimizerSpec Spec { get; }

    /// <summary>Gets the layout of the trainable parameters, in the order the plan was created with.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Gets the groups that hold at least one parameter.</summary>
    public IReadOnlyList<ResolvedParameterGroup> Groups { get; }

    /// <summary>
    /// Gets the names of the state tensors kept per parameter, in PyTorch's terms: none for plain SGD,
    /// <c>momentum_buffer</c> for SGD with momentum, <c>exp_avg</c> and <c>exp_avg_sq</c> for Adam and AdamW.
    /// </summary>
    public IReadOnlyList<string> StateSlots { get; }

    /// <summary>Resolves a specification against the trainable parameters.</summary>
    /// <param name="spec">The optimizer specification.</param>
    /// <param name="parameters">The trainable parameters, in the order their buffers use.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">
    /// A hyperparameter is out of range, a group names an unknown parameter, or a parameter is in two groups.
    /// </exception>
    public static OptimizerPlan Create(OptimizerSpec spec, IReadOnlyList<ParameterDescriptor> parameters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        spec.Validate();
        var layout = new ParameterLayout(parameters);

        var groupOf = new int[layout.Count];
        Array.Fill(groupOf, -1);
        var members = new List<List<int>>();
        var settings = new List<(string Name, double Multiplier, float WeightDecay)>();
        foreach (var group in spec.Groups)
        {
            var indices = new List<int>();
            foreach (var name in group.Parameters)
            {
                if (!layout.TryGetIndex(name, out var index))
                {
                    throw new ArgumentException(
                        $"Parameter group '{group.Name}' names '{name}', which is not a trainable parameter.");
                }

                if (groupOf[index] >= 0)
                {
                    throw new ArgumentException(
                        $"Parameter '{name}' is in two groups: '{settings[groupOf[index]].Name}' and '{group.Name}'.");
                }

                groupOf[index] = settings.Count;
                indices.Add(index);
            }

            var multiplier = group.LearningRate is { } rate ? (double)rate / spec.LearningRate : 1.0;
            settings.Add((group.Name, multiplier, group.WeightDecay ?? spec.WeightDecay));
            members.Add(indices);
        }

        var decay = -1;
        var noDecay = -1;
        for (var i = 0; i < layout.Count; i++)
        {
            if (groupOf[i] >= 0)
            {
                continue;
            }

            var exempt = spec.ExcludeRankOneFromWeightDecay && layout.Parameters[i].Rank <= 1 && spec.WeightDecay != 0;
            ref var slot = ref exempt ? ref noDecay : ref decay;
            if (slot < 0)
            {
                slot = settings.Count;
                settings.Add((exempt ? NoDecayGroupName : DecayGroupName, 1.0, exempt ? 0f : spec.WeightDecay));
                members.Add([]);
            }

            groupOf[i] = slot;
            members[slot].Add(i);
        }

        // Groups keep their parameters in layout order, so both execution paths visit tensors identically.
        var groups = new List<ResolvedParameterGroup>();
        var renumber = new int[settings.Count];
        for (var g = 0; g < settings.Count; g++)
        {
            renumber[g] = -1;
            if (members[g].Count == 0)
            {
                continue;
            }

            members[g].Sort();
            renumber[g] = groups.Count;
            var (name, multiplier, weightDecay) = settings[g];
            groups.Add(new ResolvedParameterGroup(name, multiplier, weightDecay, [.. members[g]]));
        }

        for (var i = 0; i < groupOf.Length; i++)
        {
            groupOf[i] = renumber[groupOf[i]];
        }

        return new OptimizerPlan(spec, layout, groups, groupOf);
    }

    /// <summary>Gets the group of a parameter.</summary>
    /// <param name="parameterIndex">The parameter's index in <see cref="Layout"/>.</param>
    /// <returns>The group.</returns>
    public ResolvedParameterGroup GroupOf(int parameterIndex) => Groups[_groupOf[parameterIndex]];

    /// <summary>Gets the name of a state tensor of a parameter, <c>&lt;parameter&gt;.&lt;slot&gt;</c>.</summary>
    /// <param name="parameter">The parameter's name.</param>
    /// <param name="slot">The slot, one of <see cref="StateSlots"/>.</param>
    /// <returns>The state tensor's name.</returns>
    public static string StateName(string parameter, string slot) => OptimizerNames.State(parameter, slot);
}
