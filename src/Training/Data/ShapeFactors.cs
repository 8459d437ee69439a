namespace MtlOnnx.Training.Data;

/// <summary>The generative factors of one image of the shapes data set.</summary>
/// <param name="Shape">The shape class: 0 square, 1 ellipse, 2 heart.</param>
/// <param name="Scale">The size, in [0.5, 1].</param>
/// <param name="Rotation">The rotation in degrees, in [0, 360).</param>
/// <param name="X">The horizontal position of the centre, in [0, 1] from left to right.</param>
/// <param name="Y">The vertical position of the centre, in [0, 1] from top to bottom.</param>
public readonly record struct ShapeFactors(int Shape, double Scale, double Rotation, double X, double Y)
{
    /// <summary>Gets the quadrant of the position: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.</summary>
    public int Quadrant => (X >= 0.5 ? 1 : 0) + (Y >= 0.5 ? 2 : 0);

    /// <summary>
    /// Gets whether the compositional hold-out keeps this combination out of training: each shape class in the
    /// quadrant with its own number (squares top-left, ellipses top-right, hearts bottom-left).
    /// </summary>
    public bool IsHeldOut => Quadrant == Shape;

    /// <summary>Gets the value of a factor by name.</summary>
    /// <param name="name">One of <c>shape</c>, <c>scale</c>, <c>rotation</c>, <c>x</c>, <c>y</c>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentException">The name is not a factor.</exception>
    public double Factor(string name) => name switch
    {
        "shape" => Shape,
        "scale" => Scale,
        "rotation" => Rotation,
        "x" => X,
        "y" => Y,
        _ => throw new ArgumentException($"'{name}' is not a shapes factor; factors are shape, scale, rotation, x and y.", nameof(name)),
    };
}
