namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// A client's socket stream with <see cref="MqttPacketSizeGuard"/> on everything read from it: a read that brings the
/// header of an oversized packet fails (the connection ends) instead of handing MQTTnet a length it would allocate.
/// Writes pass through untouched.
/// </summary>
public sealed class PacketSizeGuardStream : Stream
{
    private readonly Stream _inner;
    private readonly MqttPacketSizeGuard _guard;
    private readonly Action<IOException>? _refused;

    /// <param name="refused">Told about a refused packet before the read fails (MQTTnet only logs the failure at debug level).</param>
    public PacketSizeGuardStream(Stream inner, int maxPacketBytes, Action<IOException>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _guard = new MqttPacketSizeGuard(maxPacketBytes);
        _refused = refused;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        Inspect(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..read]);
        return read;
    }

    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _guard.Inspect(bytes);
        }
        catch (IOException exception)
        {
            _refused?.Invoke(exception);
            throw;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
