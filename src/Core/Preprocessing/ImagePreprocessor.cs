using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing.Internal;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace MtlOnnx.Preprocessing;

/// <summary>
/// Turns an image into the float tensor that a model card's <see cref="ImageSpec"/> describes: decoded with the
/// limits checked first, converted to RGB, resized and cropped, optionally augmented, reduced to grey when the spec
/// has one channel, scaled, normalised and written as one NCHW sample into a caller's span. Training and serving
/// both call this type, so they agree.
/// </summary>
/// <remarks>
/// Resizing uses the bilinear (triangle) filter, widened when downscaling, and the shorter-side resize rounds the
/// longer side down and centres the crop with round-half-to-even, as torchvision's <c>Resize</c> and
/// <c>CenterCrop</c> do. Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class ImagePreprocessor
{
    private const int CropStream = 0x51A3;
    private const int FlipStream = 0x2F17;
    private const int JitterStream = 0x6C0B;

    private readonly ImageSpec _spec;
    private readonly ImageLimits _limits;
    private readonly SixLabors.ImageSharp.Processing.Processors.Transforms.IResampler _resampler = KnownResamplers.Triangle;

    // One table of 256 normalised values per tensor plane: the no-jitter path is then a load per channel, with
    // exactly the value of (v * scale - mean) / std rather than a fused approximation of it.
    private readonly float[] _table;
    private readonly float[] _mean;
    private readonly float[] _inverseStd;

    // Which tensor plane receives red, green and blue; BGR swaps the first and the last.
    private readonly int _redPlane;
    private readonly int _bluePlane;

    /// <summary>Initializes a new instance for an image input of a model card.</summary>
    /// <param name="spec">The image preprocessing of the input.</param>
    /// <param name="limits">The limits on encoded images, or <see langword="null"/> for
    /// <see cref="ImageLimits.Default"/>.</param>
    /// <exception cref="ModelCardException">The spec breaks a rule of the model card schema.</exception>
    public ImagePreprocessor(ImageSpec spec, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var card = new ModelCard
        {
            Inputs = [ModelCardInput.ForImage("image", spec)],
            Tasks = [new ModelCardTask { Name = "check", Kind = TaskKind.Binary, Outputs = ["check"] }],
        };
        var errors = card.Validate();
        if (errors.Count > 0)
        {
            throw new ModelCardException("the image preprocessing", errors);
        }

        _spec = spec;
        _limits = limits ?? ImageLimits.Default;
        var channels = spec.Channels;
        _mean = [.. spec.Mean];
        _inverseStd = [.. spec.Std.Select(s => 1f / s)];
        _table = new float[channels * 256];
        for (var plane = 0; plane < channels; plane++)
        {
            for (var v = 0; v < 256; v++)
            {
                _table[(plane * 256) + v] = ((v * spec.Scale) - spec.Mean[plane]) / spec.Std[plane];
            }
        }

        (_redPlane, _bluePlane) = spec.ChannelOrder == ChannelOrder.Rgb ? (0, 2) : (2, 0);
    }

    /// <summary>Gets the width of the tensor in pixels.</summary>
    public int Width => _spec.Width;

    /// <summary>Gets the height of the tensor in pixels.</summary>
    public int Height => _spec.Height;

    /// <summary>Gets the number of channels of the tensor: 1 (grey) or 3 (colour).</summary>
    public int Channels => _spec.Channels;

    /// <summary>Gets the number of floats one sample takes: channels × height × width.</summary>
    public int TensorLength => _spec.Channels * _spec.Width * _spec.Height;

    /// <summary>Gets the limits applied to encoded images.</summary>
    public ImageLimits Limits => _limits;

    /// <summary>Decodes an encoded image and writes its tensor, as serving and evaluation do.</summary>
    /// <param name="encoded">PNG, JPEG or WebP bytes.</param>
    /// <param name="destination">Receives <see cref="TensorLength"/> floats in NCHW order (one sample).</param>
    /// <exception cref="ImageRejectedException">The image exceeds a limit, is another format, or is corrupt.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <see cref="TensorLength"/>.</exception>
    public void Preprocess(ReadOnlyMemory<byte> encoded, Span<float> destination) =>
        Preprocess(encoded, destination, ImageAugmentation.None, 0);

    /// <summary>Decodes an encoded image, augments it from a seed and writes its tensor, as training does.</summary>
    /// <param name="encoded">PNG, JPEG or WebP bytes.</param>
    /// <param name="destination">Receives <see cref="TensorLength"/> floats in NCHW order (one sample).</param>
    /// <param name="augmentation">The random changes to apply.</param>
    /// <param name="seed">The sample's seed, for example from <see cref="ImageAugmentation.SampleSeed"/>.</param>
    /// <exception cref="ImageRejectedException">The image exceeds a limit, is another format, or is corrupt.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <see cref="TensorLength"/>.</exception>
    public void Preprocess(
        ReadOnlyMemory<byte> encoded,
        Span<float> destination,
        ImageAugmentation augmentation,
        ulong seed)
    {
        CheckArguments(destination, augmentation);
        using var image = ImageDecoding.Decode(encoded, _limits);
        Write(image, owned: true, destination, augmentation, seed);
    }

    /// <summary>Writes the tensor of an image that is already decoded; the image is not changed.</summary>
    /// <param name="image">The image.</param>
    /// <param name="destination">Receives <see cref="TensorLength"/> floats in NCHW order (one sample).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <see cref="TensorLength"/>.</exception>
    public void Preprocess(Image<Rgb24> image, Span<float> destination) =>
        Preprocess(image, destination, ImageAugmentation.None, 0);

    /// <summary>Augments an image that is already decoded and writes its tensor; the image is not changed.</summary>
    /// <param name="image">The image.</param>
    /// <param name="destination">Receives <see cref="TensorLength"/> floats in NCHW order (one sample).</param>
    /// <param name="augmentation">The random changes to apply.</param>
    /// <param name="seed">The sample's seed, for example from <see cref="ImageAugmentation.SampleSeed"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <see cref="TensorLength"/>.</exception>
    public void Preprocess(Image<Rgb24> image, Span<float> destination, ImageAugmentation augmentation, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckArguments(destination, augmentation);
        Write(image, owned: false, destination, augmentation, seed);
    }

    private void CheckArguments(Span<float> destination, ImageAugmentation augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        if (destination.Length < TensorLength)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} floats; one {Width}x{Height} sample needs {TensorLength}.",
                nameof(destination));
        }

        augmentation.Validate();
    }

    private void Write(Image<Rgb24> image, bool owned, Span<float> destination, ImageAugmentation augmentation,
        ulong seed)
    {
        var crop = augmentation.RandomResizedCrop
            ? RandomCrop(image.Width, image.Height, augmentation, new SplitMix64(seed ^ CropStream))
            : (Rectangle?)null;

        var flipRng = new SplitMix64(seed ^ FlipStream);
        var flip = augmentation.HorizontalFlipProbability > 0
            && flipRng.NextDouble() < augmentation.HorizontalFlipProbability;

        var resized = Resize(image, owned, crop);
        try
        {
            if (augmentation.HasColorJitter)
            {
                var jitterRng = new SplitMix64(seed ^ JitterStream);
                var b = Factor(ref jitterRng, augmentation.Brightness);
                var c = Factor(ref jitterRng, augmentation.Contrast);
                var s = Factor(ref jitterRng, augmentation.Saturation);
                WriteJittered(resized, destination, flip, b, c, s);
            }
            else
            {
                WriteExact(resized, destination, flip);
            }
        }
        finally
        {
            if (!ReferenceEquals(resized, image))
            {
                resized.Dispose();
            }
        }
    }

    /// <summary>Returns an image of exactly the tensor's size: the input itself when it already is, else a new one
    /// (or the input changed in place when <paramref name="owned"/>).</summary>
    private Image<Rgb24> Resize(Image<Rgb24> image, bool owned, Rectangle? crop)
    {
        var (w, h) = (Width, Height);
        if (crop is { } region)
        {
            return Apply(image, owned, x => x.Crop(region).Resize(Options(w, h)));
        }

        if (_spec.ResizeMode == ModelCards.ResizeMode.Stretch)
        {
            return image.Width == w && image.Height == h ? image : Apply(image, owned, x => x.Resize(Options(w, h)));
        }

        var shorter = _spec.EffectiveShorterSide();
        var (rw, rh) = image.Width <= image.Height
            ? (shorter, (int)((long)shorter * image.Height / image.Width))
            : ((int)((long)shorter * image.Width / image.Height), shorter);
        var left = (int)Math.Round((rw - w) / 2.0, MidpointRounding.ToEven);
        var top = (int)Math.Round((rh - h) / 2.0, MidpointRounding.ToEven);
        var cropRegion = new Rectangle(left, top, w, h);
        if (rw == image.Width && rh == image.Height)
        {
            return rw == w && rh == h ? image : Apply(image, owned, x => x.Crop(cropRegion));
        }

        return Apply(image, owned, x => x.Resize(Options(rw, rh)).Crop(cropRegion));
    }

    private static Image<Rgb24> Apply(Image<Rgb24> image, bool owned, Action<IImageProcessingContext> operation)
    {
        if (owned)
        {
            image.Mutate(ImageDecoding.Configuration, operation);
            return image;
        }

        return image.Clone(ImageDecoding.Configuration, operation);
    }

    private ResizeOptions Options(int width, int height) => new()
    {
        Size = new Size(width, height),
        Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch,
        Sampler = _resampler,
    };

    private void WriteExact(Image<Rgb24> image, Span<float> destination, bool flip)
    {
        var (w, h) = (Width, Height);
        if (_spec.Channels == 1)
        {
            WriteGrey(image, destination, flip);
            return;
        }

        var plane = w * h;
        var red = destination.Slice(_redPlane * plane, plane);
        var green = destination.Slice(plane, plane);
        var blue = destination.Slice(_bluePlane * plane, plane);
        ReadOnlySpan<float> redTable = _table.AsSpan(_redPlane * 256, 256);
        ReadOnlySpan<float> greenTable = _table.AsSpan(256, 256);
        ReadOnlySpan<float> blueTable = _table.AsSpan(_bluePlane * 256, 256);
        for (var y = 0; y < h; y++)
        {
            ReadOnlySpan<Rgb24> row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * w;
            for (var x = 0; x < w; x++)
            {
                var pixel = row[flip ? w - 1 - x : x];
                red[offset + x] = redTable[pixel.R];
                green[offset + x] = greenTable[pixel.G];
                blue[offset + x] = blueTable[pixel.B];
            }
        }
    }

    private void WriteGrey(Image<Rgb24> image, Span<float> destination, bool flip)
    {
        var (w, h) = (Width, Height);
        ReadOnlySpan<float> table = _table.AsSpan(0, 256);
        var grey = default(L8);
        for (var y = 0; y < h; y++)
        {
            ReadOnlySpan<Rgb24> row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * w;
            for (var x = 0; x < w; x++)
            {
                // L8's conversion is what decoding straight to L8 gives, and leaves a grey pixel's value unchanged.
                grey.FromRgb24(row[flip ? w - 1 - x : x]);
                destination[offset + x] = table[grey.PackedValue];
            }
        }
    }

    private void WriteJittered(Image<Rgb24> image, Span<float> destination, bool flip, float brightness,
        float contrast, float saturation)
    {
        var (w, h) = (Width, Height);

        // Contrast blends with the mean grey of the brightened image, which needs a first pass over it.
        var meanGrey = 0.0;
        for (var y = 0; y < h; y++)
        {
            ReadOnlySpan<Rgb24> row = image.DangerousGetPixelRowMemory(y).Span;
            foreach (var pixel in row)
            {
                meanGrey += Grey(Unit(pixel.R * brightness), Unit(pixel.G * brightness), Unit(pixel.B * brightness));
            }
        }

        var mean = (float)(meanGrey / ((double)w * h));
        var plane = w * h;
        var single = _spec.Channels == 1;
        var red = destination.Slice(single ? 0 : _redPlane * plane, plane);
        var green = single ? red : destination.Slice(plane, plane);
        var blue = single ? red : destination.Slice(_bluePlane * plane, plane);
        var toPixels = 255f * _spec.Scale;
        for (var y = 0; y < h; y++)
        {
            ReadOnlySpan<Rgb24> row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * w;
            for (var x = 0; x < w; x++)
            {
                var pixel = row[flip ? w - 1 - x : x];
                var r = Clamp(((Unit(pixel.R * brightness) - mean) * contrast) + mean);
                var g = Clamp(((Unit(pixel.G * brightness) - mean) * contrast) + mean);
                var b = Clamp(((Unit(pixel.B * brightness) - mean) * contrast) + mean);
                var grey = Grey(r, g, b);
                r = Clamp(((r - grey) * saturation) + grey);
                g = Clamp(((g - grey) * saturation) + grey);
                b = Clamp(((b - grey) * saturation) + grey);
                if (single)
                {
                    red[offset + x] = ((Luminance(r, g, b) * toPixels) - _mean[0]) * _inverseStd[0];
                    continue;
                }

                red[offset + x] = ((r * toPixels) - _mean[_redPlane]) * _inverseStd[_redPlane];
                green[offset + x] = ((g * toPixels) - _mean[1]) * _inverseStd[1];
                blue[offset + x] = ((b * toPixels) - _mean[_bluePlane]) * _inverseStd[_bluePlane];
            }
        }
    }

    /// <summary>Picks a crop as torchvision's <c>RandomResizedCrop</c> does: ten tries at a random area and aspect
    /// ratio, then the centre crop of the clamped ratio.</summary>
    private static Rectangle RandomCrop(int width, int height, ImageAugmentation augmentation, SplitMix64 rng)
    {
        var area = (double)width * height;
        var logMin = Math.Log(augmentation.MinCropRatio);
        var logMax = Math.Log(augmentation.MaxCropRatio);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var target = area * rng.NextDouble(augmentation.MinCropScale, augmentation.MaxCropScale);
            var ratio = Math.Exp(rng.NextDouble(logMin, logMax));
            var w = (int)Math.Round(Math.Sqrt(target * ratio));
            var h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height)
            {
                return new Rectangle(rng.NextInt(width - w + 1), rng.NextInt(height - h + 1), w, h);
            }
        }

        var aspect = (double)width / height;
        var (cw, ch) = aspect < augmentation.MinCropRatio
            ? (width, (int)Math.Round(width / augmentation.MinCropRatio))
            : aspect > augmentation.MaxCropRatio
                ? ((int)Math.Round(height * augmentation.MaxCropRatio), height)
                : (width, height);
        cw = Math.Clamp(cw, 1, width);
        ch = Math.Clamp(ch, 1, height);
        return new Rectangle((width - cw) / 2, (height - ch) / 2, cw, ch);
    }

    private static float Factor(ref SplitMix64 rng, double jitter)
    {
        // Drawn even when the jitter is off, so that turning one jitter on does not shift the others' draws.
        var u = rng.NextDouble();
        return jitter > 0 ? (float)(Math.Max(0, 1 - jitter) + (u * (1 + jitter - Math.Max(0, 1 - jitter)))) : 1f;
    }

    private static float Unit(float pixelValue) => Clamp(pixelValue / 255f);

    private static float Clamp(float value) => Math.Clamp(value, 0f, 1f);

    private static float Grey(float r, float g, float b) => (0.299f * r) + (0.587f * g) + (0.114f * b);

    // The BT.709 weights of L8, so that a jittered grey tensor is the luminance the unjittered path computes.
    private static float Luminance(float r, float g, float b) => (0.2126f * r) + (0.7152f * g) + (0.0722f * b);
}
