using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Reads node attributes with their ONNX defaults.</summary>
internal static class NodeAttributes
{
    public static AttributeProto? Find(NodeProto node, string name)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    public static long GetInt(NodeProto node, string name, long defaultValue) =>
        Find(node, name) is { } a ? a.I : defaultValue;

    public static float GetFloat(NodeProto node, string name, float defaultValue) =>
        Find(node, name) is { } a ? a.F : defaultValue;

    public static string GetString(NodeProto node, string name, string defaultValue) =>
        Find(node, name) is { } a ? a.S.ToStringUtf8() : defaultValue;

    public static long[]? GetInts(NodeProto node, string name) =>
        Find(node, name) is { } a ? a.Ints.ToArray() : null;

    public static float[]? GetFloats(NodeProto node, string name) =>
        Find(node, name) is { } a ? a.Floats.ToArray() : null;

    public static TensorProto? GetTensor(NodeProto node, string name) => Find(node, name)?.T;
}
