using System.Text;
using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing;
using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// The extras of a model exported by MtlOnnx: its model card, the image and text preprocessing the card describes
/// (the same code training used), and an optional explanation model.
/// </summary>
internal sealed class CardModelExtras : ModelExtras
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, ImagePreprocessor> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TextPreprocessor Text, string? Mask)> _texts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorSpec> _inputs;
    private readonly HashSet<string> _masks = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _decodes;
    private readonly LimitsOptions _limits;

    /// <summary>Initializes the extras.</summary>
    /// <param name="card">The model card, checked against the graph.</param>
    /// <param name="inputs">The model's inputs as clients see them.</param>
    /// <param name="versionFolder">The version folder, where tokenizer files are.</param>
    /// <param name="limits">The server's limits.</param>
    /// <param name="decodes">The server-wide gate on concurrent image decodes.</param>
    /// <param name="explainer">The explanation model's session, or <see langword="null"/>.</param>
    /// <exception cref="ModelLoadException">The preprocessing the card describes cannot be built.</exception>
    public CardModelExtras(ModelCard card, IReadOnlyList<TensorSpec> inputs, string versionFolder, LimitsOptions limits,
        SemaphoreSlim decodes, OnnxModelRunner? explainer)
    {
        Card = card;
        Explainer = explainer;
        _limits = limits;
        _decodes = decodes;
        _inputs = inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var imageLimits = new ImageLimits
        {
            MaxBytes = limits.MaxImageBytes,
            MaxPixels = limits.MaxImagePixels,
            MaxFrames = limits.MaxImageFrames,
        };

        foreach (var input in card.Inputs)
        {
            try
            {
                if (input is { Kind: InputKind.Image, Image: { } image })
                {
                    _images[input.Name] = new ImagePreprocessor(image, imageLimits);
                }
                else if (input is { Kind: InputKind.Text, Text: { } text })
                {
                    _texts[input.Name] = (TextPreprocessor.Create(text, versionFolder), text.AttentionMaskInput);
                    if (text.AttentionMaskInput is { } mask)
                    {
                        _masks.Add(mask);
                    }
                }
            }
            catch (Exception error) when (error is ModelCardException or IOException or InvalidOperationException)
            {
                throw new ModelLoadException(
                    $"The preprocessing of input '{input.Name}' in the model card cannot be built: {error.Message}", error);
            }
        }
    }

    /// <summary>Gets the model card.</summary>
    public ModelCard Card { get; }

    /// <summary>Gets the explanation model's session, or <see langword="null"/>.</summary>
    public OnnxModelRunner? Explainer { get; }

    /// <inheritdoc />
    public override bool HasCard => true;

    /// <inheritdoc />
    public override bool CanExplain => Explainer is not null;

    /// <summary>Gets the name of the card's only image input, or <see langword="null"/>.</summary>
    public string? ImageInput => _images.Count == 1 ? _images.Keys.First() : null;

    /// <summary>Gets the name of the card's only text input, or <see langword="null"/>.</summary>
    public string? TextInput => _texts.Count == 1 ? _texts.Keys.First() : null;

    /// <summary>Gets the image preprocessor of an input.</summary>
    /// <param name="input">The input name.</param>
    /// <returns>The preprocessor.</returns>
    public ImagePreprocessor Image(string input) => _images[input];

    /// <inheritdoc />
    public override bool IsDerivedInput(string input) => _masks.Contains(input);

    /// <inheritdoc />
    public override IReadOnlyList<InferTensor>? PreprocessBytes(TensorSpec input, ReadOnlyMemory<byte>[] elements,
        CancellationToken cancellationToken)
    {
        if (_images.TryGetValue(input.Name, out var image))
        {
            return [Images(input, image, elements, cancellationToken)];
        }

        if (_texts.TryGetValue(input.Name, out var text))
        {
            var strings = new string[elements.Length];
            for (var i = 0; i < elements.Length; i++)
            {
                strings[i] = DecodeText(input.Name, i, elements[i]);
            }

            return Texts(input, text.Text, text.Mask, strings);
        }

        return null;
    }

    /// <summary>Preprocesses texts already decoded to strings (the typed API).</summary>
    /// <param name="input">The text input's name.</param>
    /// <param name="texts">The texts, one per row.</param>
    /// <returns>The token ids and, when the model has one, the attention mask.</returns>
    /// <exception cref="ServingException">A text is too long (<c>InvalidArgument</c>).</exception>
    public IReadOnlyList<InferTensor> PreprocessText(string input, string[] texts)
    {
        var (text, mask) = _texts[input];
        return Texts(_inputs[input], text, mask, texts);
    }

    /// <summary>Preprocesses encoded images (the typed API).</summary>
    /// <param name="input">The image input's name.</param>
    /// <param name="images">The encoded images, one per row.</param>
    /// <param name="cancellationToken">Cancels waiting for a decode slot.</param>
    /// <returns>The pixel tensor.</returns>
    /// <exception cref="ServingException">An image is refused (<c>InvalidArgument</c>).</exception>
    public InferTensor PreprocessImages(string input, ReadOnlyMemory<byte>[] images, CancellationToken cancellationToken) =>
        Images(_inputs[input], _images[input], images, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Explainer?.Dispose();
        }

        base.Dispose(disposing);
    }

    private InferTensor Images(TensorSpec input, ImagePreprocessor image, ReadOnlyMemory<byte>[] elements,
        CancellationToken cancellationToken)
    {
        var length = image.TensorLength;
        var pixels = new float[checked(length * elements.Length)];
        for (var i = 0; i < elements.Length; i++)
        {
            // Decoding is the costly, memory-hungry step: a server-wide gate bounds how many run at once.
            _decodes.Wait(cancellationToken);
            try
            {
                image.Preprocess(elements[i], pixels.AsSpan(i * length, length));
            }
            catch (ImageRejectedException error)
            {
                throw ServingException.Invalid(Element(input.Name, i, elements.Length) + error.Message);
            }
            finally
            {
                _decodes.Release();
            }
        }

        var shape = Shape(input, elements.Length);
        return InferTensor.Numeric(input.Name, input.ElementType, shape, System.Runtime.InteropServices.MemoryMarshal
            .AsBytes(pixels.AsSpan()).ToArray());
    }

    private List<InferTensor> Texts(TensorSpec input, TextPreprocessor text, string? mask, string[] texts)
    {
        var length = text.MaxLength;
        var ids = new long[checked(length * texts.Length)];
        var masks = mask is null ? null : new long[ids.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            if (texts[i].Length > _limits.MaxTextChars)
            {
                throw ServingException.Invalid(
                    $"{Element(input.Name, i, texts.Length)}The text has {texts[i].Length:N0} characters; the server " +
                    $"accepts at most {_limits.MaxTextChars:N0}.");
            }

            try
            {
                text.Encode(texts[i], ids.AsSpan(i * length, length),
                    masks is null ? Span<long>.Empty : masks.AsSpan(i * length, length));
            }
            catch (TextRejectedException error)
            {
                throw ServingException.Invalid(Element(input.Name, i, texts.Length) + error.Message);
            }
        }

        var shape = Shape(input, texts.Length);
        var result = new List<InferTensor>
        {
            InferTensor.Numeric(input.Name, input.ElementType, shape,
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()).ToArray()),
        };
        if (mask is not null && masks is not null)
        {
            result.Add(InferTensor.Numeric(mask, _inputs[mask].ElementType, Shape(_inputs[mask], texts.Length),
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(masks.AsSpan()).ToArray()));
        }

        return result;
    }

    private string DecodeText(string input, int index, ReadOnlyMemory<byte> bytes)
    {
        // A UTF-16 character takes at most 3 UTF-8 bytes; anything longer is over the limit before decoding.
        if (bytes.Length > (long)_limits.MaxTextChars * 3)
        {
            throw ServingException.Invalid(
                $"{Element(input, index, 2)}The text has {bytes.Length:N0} bytes, more than the limit of " +
                $"{_limits.MaxTextChars:N0} characters allows.");
        }

        try
        {
            return s_strictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw ServingException.Invalid($"{Element(input, index, 2)}The text is not valid UTF-8.");
        }
    }

    private static long[] Shape(TensorSpec input, int rows)
    {
        var shape = (long[])input.Dims.Clone();
        shape[0] = rows;
        return shape;
    }

    private static string Element(string input, int index, int count) =>
        count == 1 ? $"Input '{input}': " : $"Input '{input}', element {index}: ";
}
