using MtlOnnx.Training.Tests.Checkpoints;

/// <summary>
/// Turns the test assembly into the child process of <see cref="CheckpointCrashTests"/>. The test starts
/// <c>dotnet exec</c> on this assembly (whose generated entry point does nothing) with
/// <c>DOTNET_STARTUP_HOOKS</c> naming it; the runtime then calls <see cref="Initialize"/> before that entry point.
/// The test host generates the entry point, so a startup hook is the way to run code of our own here.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(CheckpointCrashTests.WorkerVariable);
        if (!string.IsNullOrEmpty(path))
        {
            CheckpointCrashTests.SaveForever(path);
        }
    }
}
