using EdgeBci.Telemetry.Broker;

namespace EdgeBci.Telemetry.Tests.Broker;

/// <summary>The fixed-header guard in front of MQTTnet: packets are followed across any read boundaries, and an oversized one is refused at its header.</summary>
public sealed class MqttPacketSizeGuardTests
{
    private const int Limit = 65536;

    /// <summary>A PUBLISH-like packet: type byte, MQTT variable-length remaining length, body.</summary>
    private static byte[] Packet(int bodyLength, byte type = 0x30)
    {
        var header = new List<byte> { type };
        var length = bodyLength;
        do
        {
            var encoded = (byte)(length % 128);
            length /= 128;
            if (length > 0)
            {
                encoded |= 0x80;
            }

            header.Add(encoded);
        }
        while (length > 0);

        var packet = new byte[header.Count + bodyLength];
        header.CopyTo(packet);
        for (var i = header.Count; i < packet.Length; i++)
        {
            packet[i] = 0x80; // body bytes that look like continuation bytes, to catch a guard that loses its place
        }

        return packet;
    }

    private static byte[] Concat(params byte[][] packets) => packets.SelectMany(p => p).ToArray();

    [Test]
    public void Many_packets_in_one_read_are_each_followed()
    {
        var guard = new MqttPacketSizeGuard(Limit);
        guard.Inspect(Concat(Packet(0, 0xC0), Packet(10), Packet(127), Packet(128), Packet(16_383), Packet(16_384), Packet(Limit - 4)));
        Assert.That(guard.PacketsSeen, Is.EqualTo(7));
    }

    [Test]
    public void Byte_at_a_time_reads_are_followed_across_every_boundary()
    {
        var guard = new MqttPacketSizeGuard(Limit);
        var bytes = Concat(Packet(300), Packet(0, 0xC0), Packet(20_000), Packet(5));
        foreach (var b in bytes)
        {
            guard.Inspect([b]);
        }

        Assert.That(guard.PacketsSeen, Is.EqualTo(4));
    }

    [Test]
    public void A_packet_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_not()
    {
        // 1 type byte + 3 length bytes + body: the whole packet counts, as MQTT 5's Maximum Packet Size does.
        var atLimit = Packet(Limit - 4);
        Assert.That(atLimit, Has.Length.EqualTo(Limit));
        Assert.That(() => new MqttPacketSizeGuard(Limit).Inspect(atLimit), Throws.Nothing);
        Assert.That(() => new MqttPacketSizeGuard(Limit).Inspect(Packet(Limit - 3).AsSpan(0, 4)),
            Throws.TypeOf<IOException>().With.Message.Contains("65537 bytes").And.Message.Contains("65536"));
    }

    [Test]
    public void A_16_MB_announcement_is_refused_before_64_KB_are_read()
    {
        var announced = Packet(16 << 20)[..5];
        var follow = new byte[1 << 20];
        using var source = new MemoryStream(Concat(Packet(10), announced, follow));
        using var guarded = new PacketSizeGuardStream(source, Limit);
        var buffer = new byte[4096];
        IOException? refused = null;
        try
        {
            while (guarded.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }
        catch (IOException exception)
        {
            refused = exception;
        }

        Assert.That(refused, Is.Not.Null, "the oversized packet ends the stream");
        Assert.That(refused!.Message, Does.Contain("16777221 bytes refused"));
        Assert.That(source.Position, Is.LessThanOrEqualTo(buffer.Length), "refused in the read that brought its header");
    }

    [Test]
    public void A_remaining_length_of_more_than_four_bytes_is_malformed()
    {
        Assert.That(() => new MqttPacketSizeGuard(Limit).Inspect(new byte[] { 0x30, 0x80, 0x80, 0x80, 0x80 }),
            Throws.TypeOf<IOException>().With.Message.Contains("malformed"));
    }

    [Test]
    public async Task The_async_read_path_is_guarded_too()
    {
        using var source = new MemoryStream(Packet(100_000));
        await using var guarded = new PacketSizeGuardStream(source, Limit);
        IOException? told = null;
        await using var reporting = new PacketSizeGuardStream(new MemoryStream(Packet(100_000)), Limit, exception => told = exception);
        Assert.That(async () => await guarded.ReadAsync(new byte[64].AsMemory()), Throws.TypeOf<IOException>());
        Assert.That(async () => await reporting.ReadAsync(new byte[64].AsMemory()), Throws.TypeOf<IOException>());
        Assert.That(told, Is.Not.Null, "the broker is told, to log it");
    }
}
