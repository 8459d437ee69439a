using CardResize = MtlOnnx.ModelCards.ResizeMode;
using MtlOnnx.ModelCards;
using MtlOnnx.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Core.Tests.Preprocessing;

public sealed class ImagePreprocessorTests
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    private static readonly Rgb24[,] Tiny =
    {
        { new(0, 10, 255), new(128, 64, 32) },
        { new(200, 1, 99), new(255, 255, 0) },
    };

    [Theory]
    [InlineData("png", ChannelOrder.Rgb)]
    [InlineData("webp", ChannelOrder.Rgb)]
    [InlineData("png", ChannelOrder.Bgr)]
    [InlineData("webp", ChannelOrder.Bgr)]
    public void Preprocess_TinyLosslessImage_MatchesHandComputation(string format, ChannelOrder order)
    {
        using var image = TestImages.FromPixels(2, 2, (x, y) => Tiny[y, x]);
        var bytes = TestImages.Encode(image, format);
        var spec = Spec(2, 2, CardResize.Stretch, order);
        var tensor = new float[12];

        new ImagePreprocessor(spec).Preprocess(bytes, tensor);

        // Plane p holds channel p of the tensor's order (for BGR, blue first), each value exactly
        // (v * scale - mean[p]) / std[p] in float, the formula ImageSpec documents.
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 2; x++)
            {
                var p = Tiny[y, x];
                byte[] rgb = [p.R, p.G, p.B];
                for (var plane = 0; plane < 3; plane++)
                {
                    var channel = order == ChannelOrder.Rgb ? plane : 2 - plane;
                    var expected = ((rgb[channel] * (1f / 255f)) - Mean[plane]) / Std[plane];
                    Assert.Equal(expected, tensor[(plane * 4) + (y * 2) + x]);
                }
            }
        }
    }

    [Fact]
    public void Preprocess_OneChannel_WritesTheLuminanceThatDecodingToL8Gives()
    {
        using var image = TestImages.FromPixels(2, 2, (x, y) => Tiny[y, x]);
        var bytes = TestImages.Encode(image, "png");
        var spec = new ImageSpec
        {
            Width = 2, Height = 2, Channels = 1, ResizeMode = CardResize.Stretch, Mean = [0.5f], Std = [0.25f],
        };
        var tensor = new float[4];

        new ImagePreprocessor(spec).Preprocess(bytes, tensor);

        // ImageSharp decoding the same bytes straight to L8 is the reference: one plane, one value per pixel.
        using var grey = Image.Load<L8>(bytes);
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 2; x++)
            {
                var expected = ((grey[x, y].PackedValue * (1f / 255f)) - 0.5f) / 0.25f;
                Assert.Equal(expected, tensor[(y * 2) + x]);
            }
        }
    }

    [Fact]
    public void Preprocess_OneChannelGreyImage_KeepsThePixelValues()
    {
        using var image = TestImages.FromPixels(4, 4, (x, y) => GreyPixel((byte)((x * 60) + (y * 5))));
        var bytes = TestImages.Encode(image, "png");
        var spec = new ImageSpec
        {
            Width = 4, Height = 4, Channels = 1, ResizeMode = CardResize.Stretch, Mean = [0f], Std = [1f],
        };
        var preprocessor = new ImagePreprocessor(spec);
        var tensor = new float[preprocessor.TensorLength];

        preprocessor.Preprocess(bytes, tensor);

        Assert.Equal(16, preprocessor.TensorLength);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(((i % 4 * 60) + (i / 4 * 5)) * (1f / 255f), tensor[i]);
        }
    }

    [Fact]
    public void Preprocess_Jpeg_MatchesSolidColourWithinCompressionError()
    {
        using var image = TestImages.FromPixels(16, 16, (_, _) => new Rgb24(200, 100, 50));
        var bytes = TestImages.Encode(image, "jpeg");
        var tensor = new float[3 * 8 * 8];

        new ImagePreprocessor(Spec(8, 8, CardResize.ShorterSideCenterCrop, ChannelOrder.Rgb))
            .Preprocess(bytes, tensor);

        byte[] colour = [200, 100, 50];
        for (var plane = 0; plane < 3; plane++)
        {
            var expected = ((colour[plane] / 255f) - Mean[plane]) / Std[plane];
            var tolerance = 3f / 255f / Std[plane];
            for (var i = 0; i < 64; i++)
            {
                Assert.InRange(tensor[(plane * 64) + i], expected - tolerance, expected + tolerance);
            }
        }
    }

    [Fact]
    public void Preprocess_CenterCropWithoutResize_KeepsTheMiddleColumns()
    {
        using var image = TestImages.Gradient(6, 2);
        var spec = Spec(2, 2, CardResize.ShorterSideCenterCrop, ChannelOrder.Rgb);
        var tensor = new float[12];

        new ImagePreprocessor(spec).Preprocess(image, tensor);

        // The shorter side is already 2, so nothing is resampled: columns 2 and 3 of 6 are the centre.
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 2; x++)
            {
                var expected = ((image[x + 2, y].R / 255f) - Mean[0]) / Std[0];
                Assert.Equal(expected, tensor[(y * 2) + x], 6);
            }
        }
    }

    [Theory]
    [InlineData(CardResize.Stretch, 40, 30)]
    [InlineData(CardResize.ShorterSideCenterCrop, 40, 30)]
    [InlineData(CardResize.ShorterSideCenterCrop, 9, 50)]
    public void Preprocess_ResizedSolidImage_KeepsItsColour(CardResize mode, int width, int height)
    {
        using var image = TestImages.FromPixels(width, height, (_, _) => new Rgb24(10, 120, 240));
        var bytes = TestImages.Encode(image, "png");
        var spec = Spec(8, 6, mode, ChannelOrder.Rgb);
        spec.ResizeShorterSide = mode == CardResize.Stretch ? null : 9;
        var tensor = new float[3 * 8 * 6];

        new ImagePreprocessor(spec).Preprocess(bytes, tensor);

        byte[] colour = [10, 120, 240];
        for (var plane = 0; plane < 3; plane++)
        {
            var expected = ((colour[plane] / 255f) - Mean[plane]) / Std[plane];
            for (var i = 0; i < 48; i++)
            {
                Assert.Equal(expected, tensor[(plane * 48) + i], 2);
            }
        }
    }

    [Fact]
    public void Preprocess_ImageAlreadyDecoded_IsNotChanged()
    {
        using var image = TestImages.Gradient(30, 20);
        var before = TestImages.Encode(image, "png");
        var augmentation = new ImageAugmentation { RandomResizedCrop = true, HorizontalFlipProbability = 1 };

        new ImagePreprocessor(Spec(8, 8, CardResize.Stretch, ChannelOrder.Rgb))
            .Preprocess(image, new float[3 * 64], augmentation, 5);

        Assert.Equal(30, image.Width);
        Assert.Equal(before, TestImages.Encode(image, "png"));
    }

    [Fact]
    public void Preprocess_FlipAlways_MirrorsEachRow()
    {
        using var image = TestImages.Gradient(4, 3);
        var preprocessor = new ImagePreprocessor(Spec(4, 3, CardResize.Stretch, ChannelOrder.Rgb));
        var plain = new float[36];
        var flipped = new float[36];

        preprocessor.Preprocess(image, plain);
        preprocessor.Preprocess(image, flipped, new ImageAugmentation { HorizontalFlipProbability = 1 }, 1);

        for (var plane = 0; plane < 3; plane++)
        {
            for (var y = 0; y < 3; y++)
            {
                for (var x = 0; x < 4; x++)
                {
                    Assert.Equal(plain[(plane * 12) + (y * 4) + x], flipped[(plane * 12) + (y * 4) + 3 - x]);
                }
            }
        }
    }

    [Fact]
    public void Preprocess_Augmented_IsDeterministicPerSeed()
    {
        using var image = TestImages.Gradient(64, 48);
        var bytes = TestImages.Encode(image, "png");
        var preprocessor = new ImagePreprocessor(Spec(16, 16, CardResize.Stretch, ChannelOrder.Rgb));
        var augmentation = new ImageAugmentation
        {
            RandomResizedCrop = true,
            HorizontalFlipProbability = 0.5,
            Brightness = 0.4,
            Contrast = 0.4,
            Saturation = 0.4,
        };

        float[] Run(ulong seed)
        {
            var tensor = new float[preprocessor.TensorLength];
            preprocessor.Preprocess(bytes, tensor, augmentation, seed);
            return tensor;
        }

        var seed = ImageAugmentation.SampleSeed(42, epoch: 3, sampleIndex: 17);
        var first = Run(seed);
        var again = Run(seed);
        var other = Run(ImageAugmentation.SampleSeed(42, epoch: 3, sampleIndex: 18));
        var plain = new float[preprocessor.TensorLength];
        preprocessor.Preprocess(bytes, plain);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.NotEqual(first, plain);
        Assert.All(first, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SampleSeed_DiffersByEpochAndIndex()
    {
        var seeds = new HashSet<ulong>();
        for (var epoch = 0; epoch < 10; epoch++)
        {
            for (var index = 0; index < 100; index++)
            {
                seeds.Add(ImageAugmentation.SampleSeed(7, epoch, index));
            }
        }

        Assert.Equal(1000, seeds.Count);
    }

    [Fact]
    public void Preprocess_ColourJitterWithUnitFactors_EqualsPlainWithinRounding()
    {
        using var image = TestImages.Gradient(8, 8);
        var preprocessor = new ImagePreprocessor(Spec(8, 8, CardResize.Stretch, ChannelOrder.Bgr));
        var plain = new float[192];
        var jittered = new float[192];

        preprocessor.Preprocess(image, plain);
        // A jitter range this small draws factors within 1e-7 of 1: the jitter path must then equal the table path.
        preprocessor.Preprocess(image, jittered, new ImageAugmentation { Brightness = 1e-7, Saturation = 1e-7 }, 3);

        for (var i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i], jittered[i], 4);
        }
    }

    [Fact]
    public void Preprocess_DestinationTooShort_Throws()
    {
        using var image = TestImages.Gradient(4, 4);
        var preprocessor = new ImagePreprocessor(Spec(4, 4, CardResize.Stretch, ChannelOrder.Rgb));

        var ex = Assert.Throws<ArgumentException>(() => preprocessor.Preprocess(image, new float[47]));

        Assert.Contains("needs 48", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidSpec_NamesTheField()
    {
        var spec = Spec(4, 4, CardResize.Stretch, ChannelOrder.Rgb);
        spec.Std = [1, 0, 1];

        var ex = Assert.Throws<ModelCardException>(() => new ImagePreprocessor(spec));

        Assert.Contains("image.std[1]: expected a positive finite value, found 0.", ex.Message, StringComparison.Ordinal);
    }

    internal static ImageSpec Spec(int width, int height, CardResize mode, ChannelOrder order) => new()
    {
        Width = width,
        Height = height,
        ResizeMode = mode,
        Mean = [.. Mean],
        Std = [.. Std],
        ChannelOrder = order,
    };

    private static Rgb24 GreyPixel(byte value) => new(value, value, value);
}
