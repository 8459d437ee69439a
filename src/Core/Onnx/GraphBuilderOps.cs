namespace MtlOnnx.Onnx;

/// <summary>
/// Typed shortcuts for the <c>ai.onnx</c> operators that models and gradients use most.
/// Each adds one node to the builder and returns its output.
/// </summary>
public static class GraphBuilderOps
{
    /// <summary>Adds <c>Add(a, b)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The first operand.</param>
    /// <param name="y">The second operand.</param>
    /// <returns>The sum.</returns>
    public static GraphValue Add(this GraphBuilder b, GraphValue x, GraphValue y) => b.Node("Add", [x, y]);

    /// <summary>Adds <c>Sub(a, b)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The minuend.</param>
    /// <param name="y">The subtrahend.</param>
    /// <returns>The difference.</returns>
    public static GraphValue Sub(this GraphBuilder b, GraphValue x, GraphValue y) => b.Node("Sub", [x, y]);

    /// <summary>Adds <c>Mul(a, b)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor.</param>
    /// <returns>The product.</returns>
    public static GraphValue Mul(this GraphBuilder b, GraphValue x, GraphValue y) => b.Node("Mul", [x, y]);

    /// <summary>Adds <c>Div(a, b)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The dividend.</param>
    /// <param name="y">The divisor.</param>
    /// <returns>The quotient.</returns>
    public static GraphValue Div(this GraphBuilder b, GraphValue x, GraphValue y) => b.Node("Div", [x, y]);

    /// <summary>Adds <c>MatMul(a, b)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand.</param>
    /// <returns>The matrix product.</returns>
    public static GraphValue MatMul(this GraphBuilder b, GraphValue x, GraphValue y) => b.Node("MatMul", [x, y]);

    /// <summary>Adds <c>Relu(x)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The input.</param>
    /// <returns>The rectified input.</returns>
    public static GraphValue Relu(this GraphBuilder b, GraphValue x) => b.Node("Relu", [x]);

    /// <summary>Adds <c>Gemm(a, w, c)</c> with <c>transB=1</c>: the PyTorch linear layer <c>x·Wᵀ + c</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The input, [N, in].</param>
    /// <param name="weight">The weight, [out, in].</param>
    /// <param name="bias">The bias, [out].</param>
    /// <returns>The output, [N, out].</returns>
    public static GraphValue Linear(this GraphBuilder b, GraphValue x, GraphValue weight, GraphValue bias) =>
        b.Node("Gemm", [x, weight, bias], Attr.Int("transB", 1));

    /// <summary>Adds a 2-D <c>Conv</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The input, [N, C, H, W].</param>
    /// <param name="weight">The kernel, [M, C/group, kH, kW].</param>
    /// <param name="bias">The bias, [M], or <see cref="GraphValue.None"/>.</param>
    /// <param name="strides">The strides, or <see langword="null"/> for ones.</param>
    /// <param name="pads">The pads [top, left, bottom, right], or <see langword="null"/> for zeros.</param>
    /// <param name="group">The number of groups.</param>
    /// <returns>The output.</returns>
    public static GraphValue Conv(
        this GraphBuilder b,
        GraphValue x,
        GraphValue weight,
        GraphValue bias,
        long[]? strides = null,
        long[]? pads = null,
        long group = 1)
    {
        ArgumentNullException.ThrowIfNull(b);
        var attributes = new List<AttributeProto>();
        if (strides is not null)
        {
            attributes.Add(Attr.Ints("strides", strides));
        }

        if (pads is not null)
        {
            attributes.Add(Attr.Ints("pads", pads));
        }

        if (group != 1)
        {
            attributes.Add(Attr.Int("group", group));
        }

        GraphValue[] inputs = bias.IsNone ? [x, weight] : [x, weight, bias];
        return b.Node("Conv", inputs, [.. attributes]);
    }

    /// <summary>Adds <c>Reshape(x, shape)</c> with a constant target shape.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The input.</param>
    /// <param name="shape">The target shape; 0 copies a dimension, -1 infers one.</param>
    /// <returns>The reshaped value.</returns>
    public static GraphValue Reshape(this GraphBuilder b, GraphValue x, params ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.Node("Reshape", [x, b.Int64s(shape, "shape")]);
    }

    /// <summary>Adds <c>Transpose(x)</c>.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="x">The input.</param>
    /// <param name="perm">The permutation.</param>
    /// <returns>The transposed value.</returns>
    public static GraphValue Transpose(this GraphBuilder b, GraphValue x, params ReadOnlySpan<long> perm)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.Node("Transpose", [x], Attr.Ints("perm", perm));
    }
}
