using System.Device.Spi;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Diagnostics;
using EdgeBci.Acquisition.Emulation;

namespace EdgeBci.Acquisition.Tests;

/// <summary>
/// A host that reads the chip late loses conversions (the ADS1299 overwrites them). The self-test must measure the
/// chip by its own conversion clock anyway, and report the lost conversions as what they are: the host's fault.
/// </summary>
public class SelfTestMissedConversionTests
{
    private const int SampleRate = 250;
    private static readonly double ExpectedTestSignalHz = Ads1299Values.TestSignalFrequencyHz(Ads1299TestSignalFrequency.Fast);

    [Test]
    public void Conversions_the_host_missed_do_not_shorten_the_test_signal_period()
    {
        var truth = new double[4 * 128];
        for (var n = 0; n < truth.Length; n++)
        {
            truth[n] = (n * ExpectedTestSignalHz / SampleRate) % 1.0 < 0.5 ? 1000 : -1000;
        }

        // Every fifth conversion is lost: numbered by frame, the square wave looks 25% faster.
        var values = new List<double>();
        var conversions = new List<long>();
        for (var n = 0; n < truth.Length; n++)
        {
            if (n % 5 != 4)
            {
                values.Add(truth[n]);
                conversions.Add(n);
            }
        }

        var (amplitude, frequency) = SelfTest.SquareWave([.. values], conversions.ToArray(), SampleRate);
        var (_, byFrame) = SelfTest.SquareWave([.. values], Consecutive(values.Count), SampleRate);

        Assert.That(amplitude, Is.EqualTo(1000).Within(1e-9));
        Assert.That(frequency, Is.EqualTo(ExpectedTestSignalHz).Within(0.02 * ExpectedTestSignalHz));
        Assert.That(byFrame, Is.GreaterThan(1.2 * ExpectedTestSignalHz), "the frame-numbered reading this replaces");
    }

    [Test]
    public void A_lost_conversion_does_not_flip_the_lead_off_excitation_pattern()
    {
        var values = new List<double>();
        var conversions = new List<long>();
        for (long n = 0; n < 1000; n++)
        {
            if (n % 7 != 3)
            {
                values.Add(((n & 2) == 0 ? 50.0 : -50.0) + 7);
                conversions.Add(n);
            }
        }

        var amplitude = Impedance.QuarterRateAmplitude(values.ToArray(), conversions.ToArray());

        Assert.That(amplitude, Is.EqualTo(50).Within(2.5));
    }

    [Test]
    public void A_host_stalling_now_and_then_still_passes_and_the_report_counts_what_it_missed()
    {
        // Two periods asleep every 50th frame: each stall loses at least one conversion, about 3% in all.
        var report = RunSelfTestWithStalls(everyFrames: 50, stallPeriods: 2);

        var testSignal = report.Checks.Where(c => c.Check == "test signal").ToList();
        Assert.That(testSignal, Has.Count.EqualTo(8));
        Assert.That(testSignal, Has.All.Matches<SelfTestCheck>(c => c.Passed), Describe(report));
        var conversions = report.Checks.Single(c => c.Check == "conversions read");
        Assert.That(MissedIn(conversions), Is.GreaterThanOrEqualTo(15), Describe(report));
    }

    [Test]
    public void A_host_that_loses_a_quarter_of_the_conversions_fails_on_that_line_and_not_on_the_chip()
    {
        // Four periods asleep every tenth frame: more than a quarter of the conversions are overwritten unread.
        var report = RunSelfTestWithStalls(everyFrames: 10, stallPeriods: 4);

        Assert.That(report.Passed, Is.False, Describe(report));
        var failed = report.Checks.Where(c => !c.Passed).ToList();
        Assert.That(failed.Select(c => c.Check), Is.EqualTo(new[] { "conversions read" }), Describe(report));
        // 82 stalls of four periods: each loses at least three conversions.
        Assert.That(MissedIn(failed[0]), Is.GreaterThanOrEqualTo(246), Describe(report));
        Assert.That(failed[0].Expected, Does.Contain("10%").And.Contain("250 SPS"));
    }

    [Test]
    public void A_reader_paced_emulator_reads_every_conversion_and_says_so()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        using var frontEnd = OpenFrontEnd(rig);

        var report = SelfTest.Run(frontEnd);

        Assert.That(report.Passed, Is.True, Describe(report));
        Assert.That(report.Checks.Single(c => c.Check == "conversions read").Measured, Does.EndWith("read (paced by the reader)"));
    }

    private static SelfTestReport RunSelfTestWithStalls(int everyFrames, int stallPeriods)
    {
        var stall = TimeSpan.FromSeconds((double)stallPeriods / SampleRate);
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.RealTime, wrapDataSpi: inner => new StallingSpi(inner, everyFrames, stall));
        using var frontEnd = OpenFrontEnd(rig);
        return SelfTest.Run(frontEnd);
    }

    private static FrontEnd OpenFrontEnd(EmulatedRig rig)
    {
        var options = new Ads1299Options { SampleRate = SampleRate, Channels = Ads1299Options.DefaultMontage };
        return new FrontEnd(BoardProfile.Get(BoardProfile.EmulatorName), rig.Device, options.ToConfiguration(), options, rig.Emulator);
    }

    private static long MissedIn(SelfTestCheck check)
    {
        var words = check.Measured.Split(' ');
        var index = Array.IndexOf(words, "missed");
        Assert.That(index, Is.GreaterThan(0), check.Measured);
        return long.Parse(words[index - 1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long[] Consecutive(int count)
    {
        var numbers = new long[count];
        for (var i = 0; i < count; i++)
        {
            numbers[i] = i;
        }

        return numbers;
    }

    private static string Describe(SelfTestReport report) =>
        string.Join(Environment.NewLine, report.Checks.Select(c => $"{c.Check} {c.Channel}: {c.Measured} (expected {c.Expected}) {(c.Passed ? "ok" : "FAIL")}"));

    /// <summary>A host that, every so many frames, is busy elsewhere for a while right after a read.</summary>
    private sealed class StallingSpi(SpiDevice inner, int everyFrames, TimeSpan stall) : SpiDevice
    {
        private int _frames;

        public override SpiConnectionSettings ConnectionSettings => inner.ConnectionSettings;

        public override byte ReadByte() => inner.ReadByte();

        public override void Read(Span<byte> buffer) => inner.Read(buffer);

        public override void WriteByte(byte value) => inner.WriteByte(value);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            inner.TransferFullDuplex(writeBuffer, readBuffer);
            if (writeBuffer.Length == Ads1299Frame.LengthFor(1) && ++_frames % everyFrames == 0)
            {
                Thread.Sleep(stall);
            }
        }
    }
}
