using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using MtlOnnx.ModelCards.Internal;
using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The contract between training, export and serving: one versioned JSON document, stored in the ONNX model's
/// <c>metadata_props</c> under <see cref="MetadataKey"/>, that describes the inputs and their preprocessing, the
/// tasks and their outputs, and where the model came from. The server reads nothing else.
/// </summary>
public sealed class ModelCard
{
    /// <summary>The <c>metadata_props</c> key under which the card is stored.</summary>
    public const string MetadataKey = "mtlonnx.model_card";

    /// <summary>
    /// The schema version this MtlOnnx writes, and the newest it reads. Version 2 added
    /// <see cref="ImageSpec.Channels"/>; version 1 cards are still read, as RGB images.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>Gets or sets the schema version of the document. The default is <see cref="CurrentSchemaVersion"/>.
    /// </summary>
    [JsonPropertyOrder(-2)]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    /// <summary>Gets or sets the version of MtlOnnx that wrote the card. The default is this assembly's version.
    /// </summary>
    [JsonPropertyOrder(-1)]
    [JsonPropertyName("mtlonnx_version")]
    public string MtlOnnxVersion { get; set; } = LibraryVersion;

    /// <summary>Gets or sets the model's inputs, in the order of the graph's inputs.</summary>
    public IList<ModelCardInput> Inputs { get; set; } = [];

    /// <summary>Gets or sets the model's tasks.</summary>
    public IList<ModelCardTask> Tasks { get; set; } = [];

    /// <summary>Gets or sets where the model came from, or <see langword="null"/> when unknown.</summary>
    public ModelCardProvenance? Provenance { get; set; }

    /// <summary>Gets the informational version of this MtlOnnx library, without build metadata.</summary>
    public static string LibraryVersion { get; } = ReadLibraryVersion();

    /// <summary>Reads the model card stored in a model's <c>metadata_props</c> and checks it against the graph.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="source">A name for the model, such as its file path, used in error messages.</param>
    /// <returns>The card.</returns>
    /// <exception cref="ModelCardException">The model has no card, the card is not valid, or it does not match
    /// the graph's inputs and outputs.</exception>
    public static ModelCard ReadFrom(ModelProto model, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(model);
        string? json = null;
        foreach (var entry in model.MetadataProps)
        {
            if (entry.Key == MetadataKey)
            {
                json = entry.Value;
            }
        }

        if (json is null)
        {
            throw new ModelCardException(
                $"Model '{source}' has no model card: metadata_props has no entry '{MetadataKey}'. Export the model "
                + "with MtlOnnx, or add a card with ModelCard.WriteTo.");
        }

        var card = FromJson(json, source);
        card.ThrowIfInvalid(model.Graph, source);
        return card;
    }

    /// <summary>
    /// Validates the card, checks it against the model's graph, and stores it in the model's <c>metadata_props</c>,
    /// replacing any card already there.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <exception cref="ModelCardException">The card is not valid or does not match the graph.</exception>
    public void WriteTo(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowIfInvalid(model.Graph, "the model being written");
        var json = ToJson();
        for (var i = model.MetadataProps.Count - 1; i >= 0; i--)
        {
            if (model.MetadataProps[i].Key == MetadataKey)
            {
                model.MetadataProps.RemoveAt(i);
            }
        }

        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = json });
    }

    /// <summary>Serializes the card to indented JSON with snake_case names.</summary>
    /// <returns>The JSON document.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, ModelCardJsonContext.Default.ModelCard);

    /// <summary>
    /// Parses a card from JSON and validates it. The schema version is read first, so that a card from a newer
    /// MtlOnnx is refused by its version rather than by whichever field it happens to add.
    /// </summary>
    /// <param name="json">The JSON document.</param>
    /// <param name="source">A name for the document's origin, used in error messages.</param>
    /// <returns>The card.</returns>
    /// <exception cref="ModelCardException">The document is not valid JSON, has an unsupported schema version,
    /// or breaks a rule.</exception>
    public static ModelCard FromJson(string json, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(json);
        CheckSchemaVersion(json, source);
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize(json, ModelCardJsonContext.Default.ModelCard);
        }
        catch (JsonException ex)
        {
            throw new ModelCardException(
                $"The model card of '{source}' does not follow schema version {CurrentSchemaVersion} at "
                + $"'{ex.Path ?? "$"}': {ex.Message}", ex);
        }

        if (card is null)
        {
            throw new ModelCardException($"The model card of '{source}' is the JSON literal null, expected an object.");
        }

        card.ThrowIfInvalid(null, source);
        return card;
    }

    /// <summary>Checks every rule of the schema and returns the broken ones.</summary>
    /// <param name="graph">A graph whose input and output names the card must use, or <see langword="null"/> to
    /// check the card alone.</param>
    /// <returns>The errors, each a sentence that starts with the field's path; empty when the card is valid.
    /// </returns>
    public IReadOnlyList<string> Validate(GraphProto? graph = null)
    {
        var validator = new ModelCardValidator();
        validator.Validate(this);
        if (graph is not null)
        {
            validator.ValidateAgainst(this, graph);
        }

        return validator.Errors;
    }

    /// <summary>Checks every rule of the schema and throws when one is broken.</summary>
    /// <param name="graph">A graph whose input and output names the card must use, or <see langword="null"/>.</param>
    /// <param name="source">A name for the card's origin, used in the message.</param>
    /// <exception cref="ModelCardException">The card breaks one or more rules; all of them are listed.</exception>
    public void ThrowIfInvalid(GraphProto? graph = null, string source = "<memory>")
    {
        var errors = Validate(graph);
        if (errors.Count > 0)
        {
            throw new ModelCardException(source, errors);
        }
    }

    /// <summary>Finds an input by name.</summary>
    /// <param name="name">The graph input's name.</param>
    /// <returns>The input, or <see langword="null"/> when the card has none of that name.</returns>
    public ModelCardInput? FindInput(string name)
    {
        foreach (var input in Inputs)
        {
            if (input.Name == name)
            {
                return input;
            }
        }

        return null;
    }

    /// <summary>Finds a task by name.</summary>
    /// <param name="name">The task's name.</param>
    /// <returns>The task, or <see langword="null"/> when the card has none of that name.</returns>
    public ModelCardTask? FindTask(string name)
    {
        foreach (var task in Tasks)
        {
            if (task.Name == name)
            {
                return task;
            }
        }

        return null;
    }

    private static void CheckSchemaVersion(string json, string source)
    {
        JsonElement version;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelCardException(
                    $"The model card of '{source}' is a JSON {document.RootElement.ValueKind}, expected an object.");
            }

            if (!document.RootElement.TryGetProperty("schema_version", out version))
            {
                throw new ModelCardException(
                    $"The model card of '{source}' has no 'schema_version'; expected {CurrentSchemaVersion}.");
            }

            version = version.Clone();
        }
        catch (JsonException ex)
        {
            throw new ModelCardException($"The model card of '{source}' is not valid JSON: {ex.Message}", ex);
        }

        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number < 1)
        {
            throw new ModelCardException(
                $"The model card of '{source}' has schema_version {version.GetRawText()}; expected a positive "
                + $"integer, at most {CurrentSchemaVersion}.");
        }

        if (number > CurrentSchemaVersion)
        {
            throw new ModelCardException(
                $"The model card of '{source}' has schema_version {number}, newer than the newest this MtlOnnx "
                + $"({LibraryVersion}) reads, {CurrentSchemaVersion}. Upgrade MtlOnnx to serve this model.");
        }
    }

    private static string ReadLibraryVersion()
    {
        var version = typeof(ModelCard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
