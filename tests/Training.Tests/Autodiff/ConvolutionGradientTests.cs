using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class ConvolutionGradientTests
{
    public static TheoryData<long[], long[], long[]?, long[]?, long[]?, int, string?> ConvCases() => new()
    {
        // input [N, C, spatial...], weight [M, C/group, k...], strides, pads, dilations, group, auto_pad
        { [2, 2, 5, 5], [3, 2, 3, 3], null, null, null, 1, null },
        { [1, 2, 6, 5], [2, 2, 3, 2], [2, 1], [1, 0, 1, 1], null, 1, null },
        { [1, 2, 7, 7], [2, 2, 3, 3], [2, 2], [1, 1, 0, 0], [2, 1], 1, null },
        { [1, 4, 5, 5], [6, 2, 3, 3], null, [1, 1, 1, 1], null, 2, null },
        { [1, 3, 5, 4], [3, 1, 3, 3], [1, 2], null, null, 3, null },
        { [2, 2, 9], [3, 2, 3], [2], [1, 2], null, 1, null },
        { [1, 2, 8], [2, 1, 3], null, null, [2], 2, null },
        { [1, 2, 5, 5], [2, 2, 3, 3], [2, 2], null, null, 1, "SAME_UPPER" },
        { [3, 1, 6, 6], [2, 1, 3, 3], null, null, null, 1, null },
        { [2, 1, 7, 6], [3, 1, 3, 2], [2, 2], [1, 0, 1, 1], [1, 2], 1, null },
        { [2, 1, 9], [2, 1, 4], [3], [1, 1], null, 1, null },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv_Gradient_MatchesFiniteDifferences(
        long[] input, long[] weight, long[]? strides, long[]? pads, long[]? dilations, int group, string? autoPad)
    {
        (string, TestTensor)[] inputs =
        [
            ("x", TestTensor.Random(input, 1)), ("w", TestTensor.Random(weight, 2)), ("b", TestTensor.Random([weight[0]], 3)),
        ];
        var model = ModelFactory.Single("Conv", inputs, ["x", "w", "b"], attributes: Attributes(strides, pads, dilations, group, autoPad));
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x", "w", "b"]);
    }

    public static TheoryData<long[], long[], long[]?, long[]?, long[]?, int, long[]?> ConvTransposeCases() => new()
    {
        // input [N, Cin, spatial...], weight [Cin, Cout/group, k...], strides, pads, dilations, group, output_padding
        { [2, 2, 3, 3], [2, 3, 3, 3], null, null, null, 1, null },
        { [1, 2, 3, 4], [2, 2, 3, 2], [2, 1], [1, 0, 1, 1], null, 1, null },
        { [1, 2, 3, 3], [2, 2, 3, 3], [2, 2], [1, 1, 1, 1], null, 1, [1, 1] },
        { [1, 4, 3, 3], [4, 1, 2, 2], [2, 2], null, null, 2, null },
        { [1, 2, 4], [2, 2, 3], [2], [0, 1], [2], 1, null },
    };

    [Theory]
    [MemberData(nameof(ConvTransposeCases))]
    public void ConvTranspose_Gradient_MatchesFiniteDifferences(
        long[] input, long[] weight, long[]? strides, long[]? pads, long[]? dilations, int group, long[]? outputPadding)
    {
        (string, TestTensor)[] inputs =
        [
            ("x", TestTensor.Random(input, 1)), ("w", TestTensor.Random(weight, 2)),
            ("b", TestTensor.Random([weight[1] * group], 3)),
        ];
        var attributes = Attributes(strides, pads, dilations, group, null).ToList();
        if (outputPadding is not null)
        {
            attributes.Add(Attr.Ints("output_padding", outputPadding));
        }

        var model = ModelFactory.Single("ConvTranspose", inputs, ["x", "w", "b"], attributes: [.. attributes]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x", "w", "b"]);
    }

    private static AttributeProto[] Attributes(long[]? strides, long[]? pads, long[]? dilations, int group, string? autoPad)
    {
        var list = new List<AttributeProto>();
        if (strides is not null)
        {
            list.Add(Attr.Ints("strides", strides));
        }

        if (pads is not null)
        {
            list.Add(Attr.Ints("pads", pads));
        }

        if (dilations is not null)
        {
            list.Add(Attr.Ints("dilations", dilations));
        }

        if (group != 1)
        {
            list.Add(Attr.Int("group", group));
        }

        if (autoPad is not null)
        {
            list.Add(Attr.String("auto_pad", autoPad));
        }

        return [.. list];
    }
}
