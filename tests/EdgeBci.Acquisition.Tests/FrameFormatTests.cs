using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Tests;

public class FrameFormatTests
{
    [TestCase(new byte[] { 0x7F, 0xFF, 0xFF }, 8_388_607)]
    [TestCase(new byte[] { 0x80, 0x00, 0x00 }, -8_388_608)]
    [TestCase(new byte[] { 0xFF, 0xFF, 0xFF }, -1)]
    [TestCase(new byte[] { 0x00, 0x00, 0x01 }, 1)]
    [TestCase(new byte[] { 0x00, 0x00, 0x00 }, 0)]
    public void Samples_are_sign_extended_from_24_bits(byte[] bytes, int expected)
    {
        Assert.That(Ads1299Frame.ReadSample(bytes), Is.EqualTo(expected));
        var written = new byte[3];
        Ads1299Frame.WriteSample(written, expected);
        Assert.That(written, Is.EqualTo(bytes));
    }

    [Test]
    public void Status_word_carries_preamble_lead_off_and_gpio()
    {
        var status = Ads1299Frame.ComposeStatus(0b1010_0001, 0b0000_0110, 0x9);
        Assert.Multiple(() =>
        {
            Assert.That(Ads1299Frame.HasValidPreamble(status), Is.True);
            Assert.That(Ads1299Frame.LeadOffPositive(status), Is.EqualTo(0b1010_0001));
            Assert.That(Ads1299Frame.LeadOffNegative(status), Is.EqualTo(0b0000_0110));
            Assert.That(Ads1299Frame.GpioInputs(status), Is.EqualTo(0x9));
            Assert.That(Ads1299Frame.HasValidPreamble(status & 0x0FFFFF), Is.False);
        });
    }

    [Test]
    public void Daisy_chained_frame_decodes_sixteen_channels_and_counts_bad_chips()
    {
        var frame = new byte[Ads1299Frame.LengthFor(2)];
        Assert.That(frame, Has.Length.EqualTo(54));
        for (var chip = 0; chip < 2; chip++)
        {
            var block = frame.AsSpan(chip * 27, 27);
            Ads1299Frame.WriteStatus(block, Ads1299Frame.ComposeStatus((byte)(chip + 1), 0, 0));
            for (var c = 0; c < 8; c++)
            {
                Ads1299Frame.WriteSample(block.Slice(3 + (3 * c), 3), ((chip * 8) + c - 8) * 1000);
            }
        }

        var status = new uint[2];
        var samples = new int[16];
        Assert.That(Ads1299Frame.Decode(frame, status, samples), Is.Zero);
        Assert.That(samples, Is.EqualTo(Enumerable.Range(0, 16).Select(i => (i - 8) * 1000).ToArray()));
        Assert.That(Ads1299Frame.LeadOffPositive(status[1]), Is.EqualTo(2));

        frame[27] = 0x00; // chip 2 loses its preamble
        Assert.That(Ads1299Frame.Decode(frame, status, samples), Is.EqualTo(1));
    }

    [Test]
    public void Scaling_uses_two_vref_over_gain_over_two_to_the_24()
    {
        Assert.That(Ads1299Scaling.MicrovoltsPerCount(Ads1299Gain.X24), Is.EqualTo(2 * 4.5 / 24 / 16_777_216 * 1e6).Within(1e-12));
        Assert.That(Ads1299Scaling.ToCounts(1e9, Ads1299Gain.X24), Is.EqualTo(Ads1299Frame.MaximumCount));
        Assert.That(Ads1299Scaling.ToCounts(-1e9, Ads1299Gain.X24), Is.EqualTo(Ads1299Frame.MinimumCount));
        Assert.That(Ads1299Scaling.ToMicrovolts(Ads1299Scaling.ToCounts(123.456, Ads1299Gain.X1), Ads1299Gain.X1), Is.EqualTo(123.456).Within(0.27));
    }

    [Test]
    public void Configuration_encodes_datasheet_bits()
    {
        var configuration = new Ads1299Configuration
        {
            DataRate = Ads1299DataRate.Sps500,
            Channels = Ads1299Configuration.DefaultChannels(8, new Ads1299ChannelConfiguration { Gain = Ads1299Gain.X12, Input = Ads1299ChannelInput.Normal, Srb2 = true, LeadOffPositive = true }),
            LeadOff = LeadOffMode.Dc,
        };
        var image = configuration.Encode();
        Assert.Multiple(() =>
        {
            Assert.That(image[(int)Ads1299Register.CONFIG1], Is.EqualTo(0xD5), "reserved 1, multiple readback, reserved 10, DR 101");
            Assert.That(image[(int)Ads1299Register.CONFIG3], Is.EqualTo(0xEC), "internal reference, reserved 11, internal bias reference, bias buffer on");
            Assert.That(image[(int)Ads1299Register.CH1SET], Is.EqualTo(0x58), "gain 12 (101), SRB2, normal input");
            Assert.That(image[(int)Ads1299Register.LOFF_SENSP], Is.EqualTo(0xFF));
            Assert.That(image[(int)Ads1299Register.CONFIG4], Is.EqualTo(0x02), "lead-off comparators on for DC lead-off");
        });
    }

    [Test]
    public void Daisy_chain_rejects_different_settings_on_the_second_chip()
    {
        var channels = Ads1299Configuration.DefaultChannels(16);
        channels[9] = channels[9] with { Gain = Ads1299Gain.X1 };
        var error = Assert.Throws<ArgumentException>(() => new Ads1299Configuration { Channels = channels }.Validate());
        Assert.That(error!.Message, Does.Contain("channel 10").And.Contain("share chip select"));
    }
}
