namespace MtlOnnx.Training.Jobs;

/// <summary>The learning-rate schedule.</summary>
public sealed class ScheduleSpec
{
    /// <summary>Gets the schedule. The default is <see cref="ScheduleKind.Constant"/>.</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;

    /// <summary>Gets the number of linear warm-up steps from 0. The default is 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Gets the number of epochs between steps of a step schedule. The default is 10.</summary>
    public int StepEpochs { get; init; } = 10;

    /// <summary>Gets the factor of a step schedule. The default is 0.5.</summary>
    public double Gamma { get; init; } = 0.5;

    /// <summary>Gets the learning rate that linear and cosine decay end at. The default is 0.</summary>
    public double MinLearningRate { get; init; }
}
