using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Acquisition.Tests;

public class StreamingTests
{
    [Test]
    public void Every_channel_of_a_sixteen_channel_daisy_chain_arrives_in_order()
    {
        using var rig = new EmulatedRig(new PerChannelSineSource(16), EmulatorPacing.FreeRunning, chips: 2);
        var configuration = rig.Initialize(new Ads1299Configuration
        {
            Channels = Ads1299Configuration.DefaultChannels(16, new Ads1299ChannelConfiguration { Gain = Ads1299Gain.X24 }),
            LeadOff = LeadOffMode.Off,
        });
        Assert.That(rig.Device.FrameLength, Is.EqualTo(54));
        var (ring, loop) = Pump(rig, configuration, frames: 500);
        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[16];
        var status = new uint[2];
        var lsb = Ads1299Scaling.MicrovoltsPerCount(Ads1299Gain.X24);
        var checkedFrames = 0;
        while (reader.TryRead(samples, status, out var stamp))
        {
            for (var c = 0; c < 16; c++)
            {
                var expected = PerChannelSineSource.Expected(c, stamp.SampleIndex, 250);
                Assert.That(samples[c] * lsb, Is.EqualTo(expected).Within(lsb), $"channel {c + 1}, sample {stamp.SampleIndex}");
            }

            checkedFrames++;
        }

        Assert.That(checkedFrames, Is.EqualTo(500));
        Assert.That(loop.Counters.BadFrames, Is.Zero);
    }

    [Test]
    public void Corrupted_status_headers_are_counted_and_leave_a_hole_in_the_sample_index()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        var configuration = rig.Initialize();
        var ring = new SampleRing(8, 1, 4096);
        using var reader = ring.CreateReader();
        var loop = new AcquisitionLoop(rig.Device, ring, configuration.SamplesPerSecond, dataReadyKeepsTime: rig.Emulator.IsRealTime);
        rig.Device.StartContinuous();
        var frame = new byte[rig.Device.FrameLength];
        for (var i = 0; i < 100; i++)
        {
            loop.ReadOne(frame);
        }

        rig.Emulator.Faults.CorruptStatusHeaders(7);
        for (var i = 0; i < 100; i++)
        {
            loop.ReadOne(frame);
        }

        Assert.That(loop.Counters.BadFrames, Is.EqualTo(7));
        Assert.That(loop.Counters.Frames, Is.EqualTo(193));
        var samples = new int[8];
        long previous = -1, holes = 0;
        while (reader.TryRead(samples, default, out var stamp))
        {
            holes += previous < 0 ? 0 : stamp.SampleIndex - previous - 1;
            previous = stamp.SampleIndex;
        }

        Assert.That(holes, Is.EqualTo(7), "consumers see exactly where the rejected frames were");
    }

    [Test]
    public void A_drdy_stall_is_counted_as_missed_samples_from_timing()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.RealTime);
        rig.Initialize();
        var ring = new SampleRing(8, 1, 1024);
        using var loop = new AcquisitionLoop(rig.Device, ring, 250, dataReadyKeepsTime: rig.Emulator.IsRealTime);
        loop.Start();
        Thread.Sleep(300);
        var gapsBefore = loop.Counters.GapEvents;

        rig.Emulator.Faults.DataReadyStuck = true;
        // Inside these two timestamps DRDY was certainly dead, however late this thread ran.
        var stuckFrom = Stopwatch.GetTimestamp();
        Thread.Sleep(200);
        var framesDuringStall = loop.Counters.Frames;
        Thread.Sleep(200);
        Assert.That(loop.Counters.Frames, Is.EqualTo(framesDuringStall), "no frames while DRDY is dead");
        var stuckUntil = Stopwatch.GetTimestamp();
        rig.Emulator.Faults.DataReadyStuck = false;
        Thread.Sleep(300);
        loop.Stop();

        // The stall is the longest silence between two frames in the ring. Across it, the sample index must skip one
        // conversion per period the silence lasted: each frame is less than a period late (or the lateness was
        // counted), so the skip is the silence in periods, less one, within one either way. That is the gap
        // detector's property whatever the machine did; a thread descheduled after the stall only lengthens the
        // silence, and both sides of the comparison see it.
        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[8];
        FrameStamp previous = default, before = default, after = default;
        var first = true;
        while (reader.TryRead(samples, default, out var stamp))
        {
            if (!first && stamp.Timestamp - previous.Timestamp > after.Timestamp - before.Timestamp)
            {
                (before, after) = (previous, stamp);
            }

            (previous, first) = (stamp, false);
        }

        var silencePeriods = (after.Timestamp - before.Timestamp) * 250.0 / Stopwatch.Frequency;
        var skipped = after.SampleIndex - before.SampleIndex - 1;
        var stuckPeriods = (stuckUntil - stuckFrom) * 250.0 / Stopwatch.Frequency;
        TestContext.Out.WriteLine($"DRDY stuck for at least {stuckPeriods / 250 * 1000:0} ms; silence {silencePeriods / 250 * 1000:0} ms = {silencePeriods:0.0} periods; {skipped} conversions counted missed across it");
        Assert.That(silencePeriods, Is.GreaterThanOrEqualTo(stuckPeriods), "the silence found is the stall");
        Assert.That(skipped, Is.InRange(silencePeriods - 2, silencePeriods + 1), "conversions counted missed across the silence");
        Assert.That(loop.Counters.GapEvents - gapsBefore, Is.GreaterThanOrEqualTo(1));
        Assert.That(loop.Counters.DataReadyTimeouts, Is.GreaterThan(0));
    }

    [Test]
    public void Lead_off_and_railed_channels_show_in_status_and_data()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        var configuration = rig.Initialize(new Ads1299Configuration
        {
            Channels = Ads1299Configuration.DefaultChannels(8, new Ads1299ChannelConfiguration { Srb2 = true }.SensingElectrode(leadOff: true, bias: true)),
            LeadOff = LeadOffMode.Dc,
        });
        rig.Emulator.Faults.SetElectrodeOff(3, true);
        rig.Emulator.Faults.SetRailed(6, true);
        var (ring, loop) = Pump(rig, configuration, frames: 20);
        Assert.That(loop.Counters.LeadOffNegative, Is.EqualTo(1UL << 3), "with SRB2 on INxP the electrode is on INxN");
        Assert.That(loop.Counters.LeadOffPositive, Is.Zero);

        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[8];
        Assert.That(reader.TryRead(samples, default, out _), Is.True);
        Assert.That(samples[6], Is.EqualTo(Ads1299Frame.MaximumCount));
        Assert.That(samples[3], Is.EqualTo(Ads1299Frame.MaximumCount), "a detached electrode with DC lead-off current rails");
        Assert.That(Math.Abs(samples[0]), Is.LessThan(Ads1299Frame.MaximumCount / 100));
    }

    [Test]
    public void Bit_flips_on_the_wire_corrupt_samples_at_the_injected_rate()
    {
        using var rig = new EmulatedRig(EmulatedRig.QuietSource(8), EmulatorPacing.FreeRunning);
        var configuration = rig.Initialize(new Ads1299Configuration { LeadOff = LeadOffMode.Off });
        rig.Emulator.Faults.BitFlipProbability = 0.05;
        var (ring, _) = Pump(rig, configuration, frames: 2000);
        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[8];
        var corrupted = 0;
        while (reader.TryRead(samples, default, out _))
        {
            foreach (var s in samples)
            {
                corrupted += s != 0 ? 1 : 0;
            }
        }

        Assert.That(corrupted / 16000.0, Is.EqualTo(0.05).Within(0.01));
    }

    [TestCase(Ads1299DataRate.Sps250)]
    [TestCase(Ads1299DataRate.Sps500)]
    [TestCase(Ads1299DataRate.Sps1000)]
    [TestCase(Ads1299DataRate.Sps2000)]
    [TestCase(Ads1299DataRate.Sps4000)]
    [TestCase(Ads1299DataRate.Sps8000)]
    [TestCase(Ads1299DataRate.Sps16000)]
    public void Frames_arrive_at_the_configured_data_rate(Ads1299DataRate rate)
    {
        var sps = Ads1299Values.SamplesPerSecond(rate);
        using var rig = new EmulatedRig(new ConversionNumberSource(8), EmulatorPacing.RealTime, dataClockHz: 8_000_000, commandClockHz: 2_000_000);
        rig.Initialize(new Ads1299Configuration { DataRate = rate, LeadOff = LeadOffMode.Off });
        var ring = new SampleRing(8, 1, 2 * sps);
        using var loop = new AcquisitionLoop(rig.Device, ring, sps);
        loop.Start();
        Thread.Sleep(1200);
        loop.Stop();

        // Two clocks that do not know each other: the chip numbers its conversions in the data it sends, the host
        // stamps each frame's arrival. A frame can arrive late but never early, so in each end quarter of the run the
        // earliest-arriving frame sits on the conversion clock, and the slope between those two is the chip's rate.
        // Conversions lost to a late read show as jumps in the numbers, so they count without the gap detector.
        var frames = ConversionNumberSource.Read(ring, out var firstMissing);
        var start = frames[0].Timestamp + (Stopwatch.Frequency / 5);
        var end = frames[^1].Timestamp;
        var quarter = (end - start) / 4;
        var nominalTicks = (double)Stopwatch.Frequency / sps;
        (long Conversion, long Timestamp)? Earliest(long from, long to)
        {
            (long Conversion, long Timestamp)? best = null;
            var bestLateness = double.MaxValue;
            foreach (var frame in frames)
            {
                var lateness = frame.Timestamp - (frame.Conversion * nominalTicks);
                if (frame.Timestamp >= from && frame.Timestamp <= to && lateness < bestLateness)
                {
                    (best, bestLateness) = (frame, lateness);
                }
            }

            return best;
        }

        // A reader starved by a loaded machine can read no frame at all in an end quarter (ci-36: 698 of 4,813 read):
        // then the earliest frame of that half is the best estimate, rather than a slope from an empty window.
        var middle = start + ((end - start) / 2);
        var early = Earliest(start, start + quarter) ?? Earliest(start, middle)
            ?? throw new AssertionException("no frame arrived in the first half of the run");
        var late = Earliest(end - quarter, end) ?? Earliest(middle, end)
            ?? throw new AssertionException("no frame arrived in the second half of the run");
        var measured = (late.Conversion - early.Conversion) * (double)Stopwatch.Frequency / (late.Timestamp - early.Timestamp);
        var conversions = frames[^1].Conversion - frames[0].Conversion + 1;
        TestContext.Out.WriteLine($"{measured:0.0} conversions/s measured over {(late.Timestamp - early.Timestamp) * 1000.0 / Stopwatch.Frequency:0} ms; {frames.Count} of {conversions} conversions read, {loop.Counters.MissedSamples} counted missed by the gap detector; first unread conversion {firstMissing}");
        // A late arrival at either end shifts the slope by its lateness over half a second: 1 % is 5 ms of it.
        Assert.That(measured, Is.EqualTo(sps).Within(1).Percent, "the chip's conversion rate by the host's clock");
        Assert.That(frames.Count, Is.GreaterThan(0));
    }

    private static (SampleRing Ring, AcquisitionLoop Loop) Pump(EmulatedRig rig, Ads1299Configuration configuration, int frames)
    {
        var ring = new SampleRing(rig.Device.ChannelCount, rig.Device.ChipCount, frames);
        var loop = new AcquisitionLoop(rig.Device, ring, configuration.SamplesPerSecond, dataReadyKeepsTime: rig.Emulator.IsRealTime);
        rig.Device.StartContinuous();
        var buffer = new byte[rig.Device.FrameLength];
        while (loop.Counters.Frames < frames)
        {
            loop.ReadOne(buffer);
        }

        return (ring, loop);
    }
}
