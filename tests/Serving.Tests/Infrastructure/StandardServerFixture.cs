namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>One server, shared by a test class, with the standard test models loaded.</summary>
public sealed class StandardServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TestRepository _repository = new();
    private ServerHarness? _harness;

    internal ServerHarness Harness => _harness ?? throw new InvalidOperationException("The server is not started.");

    internal string RepositoryRoot => _repository.Root;

    public async Task InitializeAsync()
    {
        _repository
            .Add("affine", 1, TestModels.Affine(2f))
            .Add("affine", 2, TestModels.Affine(3f), "max_batch_size: 8\nversion_policy: { all: {} }\n")
            .Add("typed", 1, TestModels.Typed())
            .Add("typed-fields", 1, TestModels.Typed(TestModels.TypedFieldInputs))
            .Add("strings", 1, TestModels.Strings())
            .Add("fixed", 1, TestModels.Fixed());
        _harness = await ServerHarness.StartAsync(_repository.Root);
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
