using Grpc.Core;
using MtlOnnx.Serving.Protocol.V1;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Services;

/// <summary>The typed multi-task service (<c>mtlonnx.v1.MultiTask</c>).</summary>
internal sealed class MultiTaskService : MultiTask.MultiTaskBase
{
    private readonly ModelRepository _repository;

    /// <summary>Initializes the service.</summary>
    /// <param name="repository">The model repository.</param>
    public MultiTaskService(ModelRepository repository)
    {
        _repository = repository;
    }

    /// <inheritdoc />
    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        foreach (var model in _repository.Served.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            response.Models.Add(new ModelSummary
            {
                Name = model.Name,
                Versions = { model.Versions.Select(v => v.VersionText) },
                InputKind = "tensor",
                Explainable = model.Latest.Extras.CanExplain,
            });
        }

        return Task.FromResult(response);
    }
}
