using System.Buffers.Binary;
using MtlOnnx.Preprocessing.Internal;

namespace MtlOnnx.Core.Tests.Preprocessing;

public sealed class WebpFramesTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public void Count_RiffWithAnimationFrames_CountsAnmfChunks(int anmfChunks, int expected)
    {
        var chunks = new List<(string, int)> { ("VP8X", 10), ("ANIM", 6) };
        for (var i = 0; i < anmfChunks; i++)
        {
            chunks.Add(("ANMF", 17));
        }

        Assert.Equal(expected, WebpFrames.Count(Riff(chunks)));
    }

    [Fact]
    public void Count_ChunkSizePastTheEnd_StopsWithoutThrowing()
    {
        var bytes = Riff([("ANMF", 4), ("ANMF", 4)]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), uint.MaxValue);

        Assert.Equal(1, WebpFrames.Count(bytes));
    }

    private static byte[] Riff(IReadOnlyList<(string FourCc, int Size)> chunks)
    {
        using var stream = new MemoryStream();
        stream.Write("RIFF\0\0\0\0WEBP"u8);
        foreach (var (fourCc, size) in chunks)
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(fourCc));
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)size);
            stream.Write(length);
            stream.Write(new byte[size + (size & 1)]);
        }

        var bytes = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }
}
