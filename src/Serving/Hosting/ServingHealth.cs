using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace MtlOnnx.Serving.Hosting;

/// <summary>
/// Publishes the server's health to <c>grpc.health.v1</c>: the whole server (the empty service name and the two
/// service names) and each model under its own name.
/// </summary>
internal sealed class ServingHealth
{
    /// <summary>The service names that follow the server's readiness.</summary>
    public static readonly string[] ServerServices =
        [string.Empty, "inference.GRPCInferenceService", "mtlonnx.v1.MultiTask"];

    /// <summary>Initializes the publisher; every service starts as not serving.</summary>
    public ServingHealth()
    {
        SetServer(false);
    }

    /// <summary>Gets the health service that answers <c>Check</c> and <c>Watch</c>.</summary>
    public HealthServiceImpl Service { get; } = new();

    /// <summary>Sets the server's overall status.</summary>
    /// <param name="serving">Whether the server is ready.</param>
    public void SetServer(bool serving)
    {
        foreach (var name in ServerServices)
        {
            Service.SetStatus(name, Status(serving));
        }
    }

    /// <summary>Sets a model's status.</summary>
    /// <param name="model">The model name.</param>
    /// <param name="serving">Whether a version of it is ready.</param>
    public void SetModel(string model, bool serving) => Service.SetStatus(model, Status(serving));

    private static HealthCheckResponse.Types.ServingStatus Status(bool serving) => serving
        ? HealthCheckResponse.Types.ServingStatus.Serving
        : HealthCheckResponse.Types.ServingStatus.NotServing;
}
