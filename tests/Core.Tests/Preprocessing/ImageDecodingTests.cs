using CardResize = MtlOnnx.ModelCards.ResizeMode;
using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing;

namespace MtlOnnx.Core.Tests.Preprocessing;

public sealed class ImageDecodingTests
{
    [Theory]
    [InlineData("png", "PNG")]
    [InlineData("jpeg", "JPEG")]
    [InlineData("webp", "WEBP")]
    [InlineData("webp-lossy", "WEBP")]
    public void Identify_AcceptedFormat_ReadsSizeFromHeader(string format, string name)
    {
        using var image = TestImages.Gradient(37, 21);

        var identified = ImageDecoding.Identify(TestImages.Encode(image, format));

        Assert.Equal(new IdentifiedImage(name, 37, 21, 1), identified);
    }

    [Theory]
    [InlineData("gif", "GIF")]
    [InlineData("bmp", "BMP")]
    [InlineData("tiff", "TIFF")]
    public void Decode_OtherFormat_IsRefusedByName(string format, string name)
    {
        using var image = TestImages.Gradient(8, 8);
        var bytes = TestImages.Encode(image, format);

        var ex = Assert.Throws<ImageRejectedException>(() => ImageDecoding.Decode(bytes));

        Assert.Equal(RejectionReason.UnsupportedFormat, ex.Reason);
        Assert.Equal($"The image is {name}; only PNG, JPEG and WebP are accepted.", ex.Message);
    }

    [Fact]
    public void Preprocess_FiftyMegapixelPng_IsRefusedFromHeaderWithoutDecoding()
    {
        var bytes = TestImages.SolidGreyPng(10_000, 5_000);
        Assert.True(bytes.Length < 512 * 1024, $"The test PNG should be tiny on disk, but it is {bytes.Length} bytes.");
        var preprocessor = new ImagePreprocessor(
            ImagePreprocessorTests.Spec(8, 8, CardResize.Stretch, ChannelOrder.Rgb));
        var tensor = new float[preprocessor.TensorLength];

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageRejectedException>(() => preprocessor.Preprocess(bytes, tensor));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(RejectionReason.TooManyPixels, ex.Reason);
        Assert.True(ex.IsSizeLimit);
        Assert.Equal("The PNG image is 10000x5000 = 50,000,000 pixels, more than the limit of 25,000,000 pixels.",
            ex.Message);

        // A decode would have allocated at least the 50 MB of grey pixels; the header alone costs far less.
        Assert.True(allocated < 8 * 1024 * 1024, $"Refusing the image allocated {allocated:N0} bytes.");
    }

    [Fact]
    public void Identify_MoreBytesThanLimit_IsRefusedFirst()
    {
        using var image = TestImages.Gradient(16, 16);
        var bytes = TestImages.Encode(image, "png");

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageDecoding.Identify(bytes, new ImageLimits { MaxBytes = 100 }));

        Assert.Equal(RejectionReason.TooManyBytes, ex.Reason);
        Assert.Equal($"The image is {bytes.Length:N0} bytes, more than the limit of 100 bytes.", ex.Message);
    }

    [Theory]
    [InlineData("png", 0.5)]
    [InlineData("png", 0.95)]
    [InlineData("jpeg", 0.5)]
    [InlineData("jpeg", 0.95)]
    [InlineData("webp", 0.5)]
    [InlineData("webp", 0.95)]
    [InlineData("webp-lossy", 0.5)]
    [InlineData("webp-lossy", 0.95)]
    public void Decode_TruncatedImage_IsRefusedAsCorrupt(string format, double keep)
    {
        using var image = TestImages.Gradient(64, 64);
        var bytes = TestImages.Encode(image, format);
        var truncated = bytes.AsMemory(0, (int)(bytes.Length * keep));

        var ex = Assert.Throws<ImageRejectedException>(() => ImageDecoding.Decode(truncated));

        Assert.Equal(RejectionReason.Corrupt, ex.Reason);
        Assert.Contains("truncated or corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegWithoutEndMarker_IsRefusedAsCorrupt()
    {
        using var image = TestImages.Gradient(32, 32);
        var bytes = TestImages.Encode(image, "jpeg");

        var ex = Assert.Throws<ImageRejectedException>(() => ImageDecoding.Decode(bytes.AsMemory(0, bytes.Length - 2)));

        Assert.Equal("The JPEG image (32x32) is truncated or corrupt: it ends without the end-of-image marker (FF D9) "
            + "after its last scan.", ex.Message);
    }

    [Fact]
    public void Decode_PngWithDamagedData_IsRefusedAsCorrupt()
    {
        using var image = TestImages.Gradient(64, 64);
        var bytes = TestImages.Encode(image, "png");
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++)
        {
            bytes[i] ^= 0x5A;
        }

        var ex = Assert.Throws<ImageRejectedException>(() => ImageDecoding.Decode(bytes));

        Assert.Equal(RejectionReason.Corrupt, ex.Reason);
    }

    [Theory]
    [InlineData(new byte[0], "The image is empty (0 bytes); expected PNG, JPEG or WebP bytes.")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
        "The image is not an image format MtlOnnx recognises; only PNG, JPEG and WebP are accepted.")]
    public void Decode_NotAnImage_IsRefused(byte[] bytes, string message)
    {
        var ex = Assert.Throws<ImageRejectedException>(() => ImageDecoding.Decode(bytes));

        Assert.Equal(RejectionReason.UnsupportedFormat, ex.Reason);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void DecodeFile_TooLarge_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mtlonnx-big-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, new byte[4096]);
        try
        {
            var ex = Assert.Throws<ImageRejectedException>(
                () => ImageDecoding.DecodeFile(path, new ImageLimits { MaxBytes = 1024 }));

            Assert.Contains($"'{path}'", ex.Message, StringComparison.Ordinal);
            Assert.Equal(RejectionReason.TooManyBytes, ex.Reason);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
