using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class TensorProtosTests
{
    [Fact]
    public void Create_BoolTensor_StoresOneBytePerElementAndRoundTrips()
    {
        bool[] values = [true, false, true];

        var tensor = TensorProtos.Create<bool>("mask", ElementType.Bool, [3], values);

        Assert.Equal(3, tensor.RawData.Length);
        Assert.Equal(values, TensorProtos.ToArray<bool>(tensor));
    }

    [Fact]
    public void Create_ElementSizeDoesNotMatchType_Throws()
    {
        var error = Assert.Throws<ArgumentException>(
            () => TensorProtos.Create<float>("x", ElementType.Int64, [1], [1f]));

        Assert.Contains("cannot hold ONNX type int64", error.Message, StringComparison.Ordinal);
    }
}
