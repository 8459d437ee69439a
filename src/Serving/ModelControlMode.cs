namespace MtlOnnx.Serving;

/// <summary>How the server loads models from its repository (Triton's <c>--model-control-mode</c>).</summary>
public enum ModelControlMode
{
    /// <summary>Every model is loaded at start-up; changes to the repository are ignored and the load RPCs refused.</summary>
    None,

    /// <summary>Only the models named in <see cref="ServingOptions.LoadModels"/> load at start-up; the repository RPCs load more.</summary>
    Explicit,

    /// <summary>Every model is loaded at start-up, and the repository is scanned for new, changed and removed versions.</summary>
    Poll,
}
