using System.Runtime.InteropServices;
using MtlOnnx.Preprocessing.Internal;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Preprocessing;

/// <summary>
/// Identifies and decodes untrusted image bytes with a configuration that knows only PNG, JPEG and WebP, checking
/// the limits from the header before any pixel memory is allocated.
/// </summary>
public static class ImageDecoding
{
    /// <summary>
    /// Gets the ImageSharp configuration used for every decode: PNG, JPEG and WebP decoders only, so that the
    /// attack surface of GIF, BMP, TIFF, TGA and PBM parsers is not reachable from a request.
    /// </summary>
    public static Configuration Configuration { get; } = new(
        new PngConfigurationModule(),
        new JpegConfigurationModule(),
        new WebpConfigurationModule());

    /// <summary>Reads an image's format, size and frame count from its header and checks them against limits.
    /// </summary>
    /// <param name="encoded">The encoded image.</param>
    /// <param name="limits">The limits, or <see langword="null"/> for <see cref="ImageLimits.Default"/>.</param>
    /// <returns>What the header says.</returns>
    /// <exception cref="ImageRejectedException">The bytes exceed a limit, are not PNG, JPEG or WebP, or have a
    /// corrupt header.</exception>
    public static IdentifiedImage Identify(ReadOnlyMemory<byte> encoded, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        var bytes = encoded.Span;
        if (bytes.Length > limits.MaxBytes)
        {
            throw new ImageRejectedException(RejectionReason.TooManyBytes,
                $"The image is {bytes.Length:N0} bytes, more than the limit of {limits.MaxBytes:N0} bytes.");
        }

        if (bytes.IsEmpty)
        {
            throw new ImageRejectedException(RejectionReason.UnsupportedFormat,
                "The image is empty (0 bytes); expected PNG, JPEG or WebP bytes.");
        }

        IImageInfo? info;
        SixLabors.ImageSharp.Formats.IImageFormat? format;
        try
        {
            using var stream = OpenRead(encoded);
            info = Image.Identify(Configuration, stream, out format);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not UnknownImageFormatException)
        {
            // Header parsers on hostile bytes can fail in many ways; every failure means the same to the caller.
            throw new ImageRejectedException(RejectionReason.Corrupt,
                $"The image header cannot be read: {ex.Message}", ex);
        }
        catch (UnknownImageFormatException)
        {
            info = null;
            format = null;
        }

        if (info is null || format is null)
        {
            var named = ImageFormatSniffer.NameOf(bytes);
            var what = named is null ? "not an image format MtlOnnx recognises" : $"{named}";
            throw new ImageRejectedException(RejectionReason.UnsupportedFormat,
                $"The image is {what}; only PNG, JPEG and WebP are accepted.");
        }

        var frames = format is WebpFormat
            ? WebpFrames.Count(bytes)
            : 1;
        var identified = new IdentifiedImage(format.Name.ToUpperInvariant(), info.Width, info.Height, frames);
        if (identified.Pixels > limits.MaxPixels)
        {
            throw new ImageRejectedException(RejectionReason.TooManyPixels,
                $"The {identified.Format} image is {info.Width}x{info.Height} = {identified.Pixels:N0} pixels, more "
                + $"than the limit of {limits.MaxPixels:N0} pixels.");
        }

        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageRejectedException(RejectionReason.Corrupt,
                $"The {identified.Format} header claims a size of {info.Width}x{info.Height}, expected positive sides.");
        }

        if (TruncationCheck.Describe(identified.Format, bytes) is { } truncation)
        {
            throw new ImageRejectedException(RejectionReason.Corrupt,
                $"The {identified.Format} image ({info.Width}x{info.Height}) is truncated or corrupt: {truncation}.");
        }

        if (frames > limits.MaxFrames)
        {
            throw new ImageRejectedException(RejectionReason.TooManyFrames,
                $"The {identified.Format} image has {frames} frames, more than the limit of {limits.MaxFrames}.");
        }

        return identified;
    }

    /// <summary>Identifies, checks and decodes an image to 8-bit RGB. Alpha is dropped, not composited.</summary>
    /// <param name="encoded">The encoded image.</param>
    /// <param name="limits">The limits, or <see langword="null"/> for <see cref="ImageLimits.Default"/>.</param>
    /// <returns>The first frame as RGB. The caller must dispose it.</returns>
    /// <exception cref="ImageRejectedException">The bytes exceed a limit, are not PNG, JPEG or WebP, or cannot be
    /// decoded (truncated or corrupt).</exception>
    public static Image<Rgb24> Decode(ReadOnlyMemory<byte> encoded, ImageLimits? limits = null)
    {
        var identified = Identify(encoded, limits);
        try
        {
            using var stream = OpenRead(encoded);
            var image = Image.Load<Rgb24>(Configuration, stream);
            if (image.Width != identified.Width || image.Height != identified.Height)
            {
                var (w, h) = (image.Width, image.Height);
                image.Dispose();
                throw new ImageRejectedException(RejectionReason.Corrupt,
                    $"The {identified.Format} image decoded to {w}x{h}, but its header says "
                    + $"{identified.Width}x{identified.Height}.");
            }

            return image;
        }
        catch (ImageRejectedException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // As for the header: the decoders' failure modes on corrupt data are many, and all mean "corrupt".
            throw new ImageRejectedException(RejectionReason.Corrupt,
                $"The {identified.Format} image ({identified.Width}x{identified.Height}) cannot be decoded; it is "
                + $"truncated or corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a file, checking its size against the byte limit before reading it, and decodes it.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="limits">The limits, or <see langword="null"/> for <see cref="ImageLimits.Default"/>.</param>
    /// <returns>The first frame as RGB. The caller must dispose it.</returns>
    /// <exception cref="ImageRejectedException">The file exceeds a limit or cannot be decoded; the message names it.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Image<Rgb24> DecodeFile(string path, ImageLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= ImageLimits.Default;
        var length = new FileInfo(path).Length;
        if (length > limits.MaxBytes)
        {
            throw new ImageRejectedException(RejectionReason.TooManyBytes,
                $"Image file '{path}' is {length:N0} bytes, more than the limit of {limits.MaxBytes:N0} bytes.");
        }

        try
        {
            return Decode(File.ReadAllBytes(path), limits);
        }
        catch (ImageRejectedException ex)
        {
            throw new ImageRejectedException(ex.Reason, $"Image file '{path}': {ex.Message}", ex.InnerException);
        }
    }

    private static MemoryStream OpenRead(ReadOnlyMemory<byte> encoded) =>
        MemoryMarshal.TryGetArray(encoded, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(encoded.ToArray(), writable: false);
}
