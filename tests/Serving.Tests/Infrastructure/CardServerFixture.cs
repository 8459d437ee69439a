namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>One server with the model-card models (image and text) and a plain model.</summary>
public sealed class CardServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TestRepository _repository = new();
    private ServerHarness? _harness;

    internal ServerHarness Harness => _harness ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync()
    {
        CardModels.AddShapes(_repository);
        CardModels.AddShapes(_repository, "plainshapes", explain: false);
        CardModels.AddMood(_repository);
        _repository.Add("affine", 1, TestModels.Affine());
        _harness = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:Batching:MaxQueueDelayMicroseconds"] = "500",
        });
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    public void Dispose() => _repository.Dispose();
}
