using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace MtlOnnx.Serving.Hosting;

/// <summary>
/// gzip for gRPC messages, with a cap on what a request may inflate to. grpc-dotnet checks the message size limit
/// against the compressed length and inflates without a limit of its own, so a small "bomb" could otherwise expand
/// to gigabytes; here decompression stops at the cap with <c>ResourceExhausted</c>.
/// </summary>
internal sealed class CappedGzipCompressionProvider : ICompressionProvider
{
    private readonly long _maxBytes;

    /// <summary>Initializes the provider.</summary>
    /// <param name="maxBytes">The most bytes one message may inflate to; negative to refuse compressed requests.</param>
    public CappedGzipCompressionProvider(long maxBytes)
    {
        _maxBytes = maxBytes;
    }

    /// <inheritdoc />
    public string EncodingName => "gzip";

    /// <inheritdoc />
    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    /// <inheritdoc />
    public Stream CreateDecompressionStream(Stream stream)
    {
        if (_maxBytes < 0)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented,
                "This server does not accept compressed requests; send them uncompressed (grpc-encoding identity)."));
        }

        return new CappedStream(new GZipStream(stream, CompressionMode.Decompress), _maxBytes);
    }

    private sealed class CappedStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _maxBytes;
        private long _read;

        public CappedStream(Stream inner, long maxBytes)
        {
            _inner = inner;
            _maxBytes = maxBytes;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // Ask for at most one byte past the cap: enough to know it was crossed, never much more.
            var allowed = (int)Math.Min(buffer.Length, _maxBytes - _read + 1);
            int n;
            try
            {
                n = _inner.Read(buffer[..allowed]);
            }
            catch (InvalidDataException error)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"The request's gzip data is corrupt: {error.Message}"));
            }

            _read += n;
            if (_read > _maxBytes)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"The compressed request inflates to more than {_maxBytes} bytes, the server's limit."));
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
