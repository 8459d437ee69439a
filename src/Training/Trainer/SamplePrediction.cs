namespace MtlOnnx.Training.Trainer;

/// <summary>One sample's prediction and true label per task, as text, for example <c>heart</c> or <c>0.42, 0.77</c>.</summary>
/// <param name="Index">The sample's index in its split.</param>
/// <param name="Predicted">The prediction per task.</param>
/// <param name="Actual">The true label per task, or <c>-</c> where it is missing.</param>
public sealed record SamplePrediction(int Index, IReadOnlyDictionary<string, string> Predicted, IReadOnlyDictionary<string, string> Actual);
