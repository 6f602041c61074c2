using System.Device.Spi;
using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;

namespace EdgeBci.Acquisition.Tests;

public class DriverTests
{
    [Test]
    public void Power_up_follows_the_datasheet_sequence()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning, recordBus: true);
        rig.Device.PowerUp();
        var log = rig.Emulator.BusLog;
        var steps = log.Select(e => e.What).ToList();

        var powerLow = steps.IndexOf("PWDN pin low");
        var powerHigh = steps.IndexOf("PWDN pin high", Math.Max(powerLow, 0));
        var resetLow = steps.IndexOf("RESET pin low", powerHigh);
        var resetHigh = steps.IndexOf("RESET pin high", resetLow);
        var sdatac = steps.IndexOf("SDATAC", resetHigh);
        Assert.Multiple(() =>
        {
            Assert.That(powerLow, Is.GreaterThanOrEqualTo(0).And.LessThan(powerHigh), "PWDN held low before power-up");
            Assert.That(steps.IndexOf("RESET pin low", powerLow), Is.LessThan(powerHigh), "RESET low while the supplies come up");
            Assert.That(resetLow, Is.GreaterThan(powerHigh), "RESET pulse after power-up");
            Assert.That(resetHigh, Is.GreaterThan(resetLow));
            Assert.That(sdatac, Is.GreaterThan(resetHigh), "SDATAC after reset: the chip wakes in RDATAC");
        });

        var porSeconds = (double)(log[resetLow].Timestamp - log[powerHigh].Timestamp) / Stopwatch.Frequency;
        var afterResetSeconds = (double)(log[sdatac].Timestamp - log[resetHigh].Timestamp) / Stopwatch.Frequency;
        Assert.Multiple(() =>
        {
            Assert.That(porSeconds, Is.GreaterThanOrEqualTo(Ads1299Timing.PowerOnReset.TotalSeconds), "tPOR = 2^18 tCLK");
            Assert.That(afterResetSeconds, Is.GreaterThanOrEqualTo(18 / Ads1299Values.MasterClockHz), "18 tCLK after reset");
            Assert.That(rig.Emulator.IgnoredCommands, Is.Zero, "no command reached the chip before it could decode it");
            Assert.That(rig.Emulator.IsContinuousMode, Is.False);
        });
    }

    [Test]
    public void Commands_before_power_on_reset_are_lost_which_is_why_the_driver_waits()
    {
        var emulator = new Ads1299Emulator(EmulatedRig.QuietSource(8));
        using var spi = new Ads1299EmulatorSpiDevice(emulator, EmulatedRig.Settings(2_000_000));
        spi.WriteByte((byte)Ads1299Command.SDATAC);
        Assert.That(emulator.IsContinuousMode, Is.True);
        Assert.That(emulator.IgnoredCommands, Is.EqualTo(1));
    }

    [Test]
    public void Identity_of_the_eight_channel_part_is_accepted()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        rig.Device.PowerUp();
        var identity = rig.Device.ReadIdentity();
        Assert.That(identity.RawId & 0x1F, Is.EqualTo(0x1E));
        Assert.That(identity.ChannelCount, Is.EqualTo(8));
    }

    [TestCase((byte)0x00, "all zeros")]
    [TestCase((byte)0xFF, "all ones")]
    [TestCase((byte)0x92, "ADS1298")]
    public void Unexpected_id_stops_start_up_naming_what_was_read_and_what_is_accepted(byte id, string hint)
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        rig.Emulator.Faults.IdOverride = id;
        rig.Device.PowerUp();
        var error = Assert.Throws<Ads1299Exception>(() => rig.Device.ReadIdentity());
        Assert.That(error!.Message, Does.Contain($"0x{id:X2}").And.Contain(hint).And.Contain("0x1C").And.Contain("0x1D").And.Contain("0x1E"));
    }

    [Test]
    public void Configuration_is_written_and_verified_register_by_register()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        var configuration = rig.Initialize(new Ads1299Configuration
        {
            DataRate = Ads1299DataRate.Sps1000,
            Channels = Ads1299Configuration.DefaultChannels(8, new Ads1299ChannelConfiguration { Gain = Ads1299Gain.X8, LeadOffPositive = true }),
            LeadOff = LeadOffMode.Ac,
            LeadOffCurrent = LeadOffCurrent.Nanoamps24,
        });
        var image = configuration.Encode();
        foreach (var register in configuration.ConfiguredRegisters())
        {
            var mask = Ads1299RegisterMap.ReadBackMask(register);
            Assert.That(rig.Emulator.PeekRegister(0, register) & mask, Is.EqualTo(image[(int)register] & mask), register.ToString());
        }
    }

    [Test]
    public void A_register_that_does_not_take_its_value_is_named()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning,
            wrapCommandSpi: inner => new WregBitFlipper(inner, Ads1299Register.CH3SET, 0x40));
        rig.Device.PowerUp();
        rig.Device.ReadIdentity();
        var error = Assert.Throws<Ads1299Exception>(() => rig.Device.Configure(new Ads1299Configuration()));
        Assert.That(error!.Message, Does.Contain("CH3SET").And.Contain("0x07"));
    }

    [Test]
    public void Wreg_sent_in_rdatac_changes_nothing()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        rig.Initialize();
        rig.Device.StartContinuous();
        var before = rig.Emulator.PeekRegister(0, Ads1299Register.CH1SET);
        var ignoredBefore = rig.Emulator.IgnoredCommands;

        rig.DataSpi.Write([(byte)((byte)Ads1299Command.WREG | (byte)Ads1299Register.CH1SET), 0x00, 0x81]);

        Assert.That(rig.Emulator.PeekRegister(0, Ads1299Register.CH1SET), Is.EqualTo(before));
        Assert.That(rig.Emulator.IgnoredCommands, Is.GreaterThan(ignoredBefore));
        Assert.Throws<InvalidOperationException>(() => rig.Device.WriteRegister(Ads1299Register.CH1SET, 0x81), "the driver refuses too");
    }

    [Test]
    public void Fast_data_clock_needs_a_slow_command_handle_to_meet_tsdecode()
    {
        var emulator = new Ads1299Emulator(EmulatedRig.QuietSource(8));
        using var fast = new Ads1299EmulatorSpiDevice(emulator, EmulatedRig.Settings(8_000_000));
        var pins = Boards.BoardProfile.Get("emulator").Pins;
        var error = Assert.Throws<ArgumentException>(() =>
            _ = new Ads1299Device(fast, new System.Device.Gpio.GpioController(new Ads1299EmulatorGpioDriver(emulator, pins)), pins, shouldDispose: false));
        Assert.That(error!.Message, Does.Contain("tSDECODE"));

        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning, dataClockHz: 8_000_000, commandClockHz: 2_000_000);
        rig.Initialize();
        Assert.That(rig.Emulator.DecodeTimingViolations, Is.Zero);
    }

    [Test]
    public void The_emulator_drops_a_multi_byte_command_clocked_faster_than_tsdecode()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning, dataClockHz: 8_000_000, commandClockHz: 2_000_000);
        rig.Initialize();
        var before = rig.Emulator.PeekRegister(0, Ads1299Register.CH2SET);
        rig.DataSpi.Write([(byte)((byte)Ads1299Command.WREG | (byte)Ads1299Register.CH2SET), 0x00, 0x81]);
        Assert.That(rig.Emulator.DecodeTimingViolations, Is.EqualTo(1));
        Assert.That(rig.Emulator.PeekRegister(0, Ads1299Register.CH2SET), Is.EqualTo(before));
    }

    [Test]
    public void Rdata_reads_one_conversion_on_demand()
    {
        using var rig = new EmulatedRig(new PerChannelSineSource(8), EmulatorPacing.FreeRunning);
        rig.Initialize();
        rig.Device.SendCommand(Ads1299Command.START);
        Assert.That(rig.Device.WaitForDataReady(TimeSpan.FromSeconds(1)), Is.True);
        var frame = new byte[rig.Device.FrameLength];
        rig.Device.ReadFrameByCommand(frame);
        Assert.That(Ads1299Frame.HasValidPreamble(Ads1299Frame.Status(frame)), Is.True);
    }

    /// <summary>A bus fault between host and chip: flips bits of one register's WREG data byte.</summary>
    private sealed class WregBitFlipper(SpiDevice inner, Ads1299Register target, byte flip) : SpiDevice
    {
        public override SpiConnectionSettings ConnectionSettings => inner.ConnectionSettings;

        public override byte ReadByte() => inner.ReadByte();

        public override void Read(Span<byte> buffer) => inner.Read(buffer);

        public override void WriteByte(byte value) => inner.WriteByte(value);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var copy = buffer.ToArray();
            if (copy.Length >= 3 && copy[0] == ((byte)Ads1299Command.WREG | (byte)target))
            {
                copy[2] ^= flip;
            }

            inner.Write(copy);
        }

        public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => inner.TransferFullDuplex(writeBuffer, readBuffer);
    }
}
