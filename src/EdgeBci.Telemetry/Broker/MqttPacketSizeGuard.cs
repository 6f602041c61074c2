namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// Follows the MQTT fixed headers in a byte stream as it passes (type byte, then the 1-4 byte variable-length
/// "remaining length", then that many body bytes) and refuses a packet that announces more than the limit, at its
/// header: before the reader allocates or buffers the body. MQTTnet's server has no maximum packet size of its own.
/// </summary>
public sealed class MqttPacketSizeGuard
{
    private const int MaxLengthBytes = 4;

    private readonly int _maxPacketBytes;
    private State _state = State.TypeByte;
    private int _lengthBytes;
    private int _multiplier;
    private long _remaining;

    public MqttPacketSizeGuard(int maxPacketBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketBytes, 2);
        _maxPacketBytes = maxPacketBytes;
    }

    private enum State
    {
        TypeByte,
        Length,
        Body,
    }

    /// <summary>Packets whose header has been read completely (for tests and diagnostics).</summary>
    public long PacketsSeen { get; private set; }

    /// <summary>Feeds the next bytes read from the client; throws <see cref="IOException"/> naming the size and the limit when a packet is too big.</summary>
    public void Inspect(ReadOnlySpan<byte> bytes)
    {
        var index = 0;
        while (index < bytes.Length)
        {
            switch (_state)
            {
                case State.TypeByte:
                    index++;
                    _state = State.Length;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    _remaining = 0;
                    break;
                case State.Length:
                    var encoded = bytes[index++];
                    _remaining += (encoded & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if ((encoded & 0x80) != 0)
                    {
                        if (_lengthBytes == MaxLengthBytes)
                        {
                            throw new IOException("MQTT packet with a malformed remaining length (more than 4 length bytes)");
                        }

                        break;
                    }

                    // The whole packet: type byte + length bytes + body, as MQTT 5 counts "Maximum Packet Size".
                    var total = 1 + _lengthBytes + _remaining;
                    if (total > _maxPacketBytes)
                    {
                        throw new IOException($"MQTT packet of {total} bytes refused: the embedded broker's limit is {_maxPacketBytes} bytes (Mqtt:EmbeddedMaxPacketBytes)");
                    }

                    PacketsSeen++;
                    _state = _remaining == 0 ? State.TypeByte : State.Body;
                    break;
                default:
                    var take = (int)Math.Min(_remaining, bytes.Length - index);
                    index += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.TypeByte;
                    }

                    break;
            }
        }
    }
}
