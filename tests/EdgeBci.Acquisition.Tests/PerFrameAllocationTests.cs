using System.Device.Spi;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Acquisition.Tests;

/// <summary>
/// The acquisition thread's whole per-frame path (DRDY wait, SPI read, decode, ring) allocates nothing, including the
/// DRDY timeout and the recovery after it: a stalled line or a descheduled thread must not start feeding the GC.
/// </summary>
public class PerFrameAllocationTests
{
    [Test]
    public void The_per_frame_path_allocates_nothing()
    {
        using var rig = new EmulatedRig(new PerChannelSineSource(8), EmulatorPacing.FreeRunning);
        var path = new PerFramePath(rig);
        path.Read(1000);

        var allocated = path.AllocatedWhile(() => path.Read(10_000));

        TestContext.Out.WriteLine($"{allocated} bytes allocated over 10 000 frames");
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void The_recovery_after_a_drdy_stall_longer_than_the_timeout_allocates_nothing()
    {
        using var rig = new EmulatedRig(new PerChannelSineSource(8), EmulatorPacing.FreeRunning);
        var path = new PerFramePath(rig);
        path.Read(1000);
        // Warm the timeout path once, so that what is measured is the steady state, not first-call JIT work.
        path.Stall(timeouts: 1);
        path.Read(100);

        var allocated = path.AllocatedWhile(() =>
        {
            for (var stall = 0; stall < 3; stall++)
            {
                path.Stall(timeouts: 2);
                path.Read(1000);
            }
        });

        TestContext.Out.WriteLine($"{allocated} bytes allocated over 3 stalls of 2 DRDY timeouts each and 3000 frames");
        Assert.That(path.Loop.Counters.DataReadyTimeouts, Is.EqualTo(7), "the timeout path was taken");
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void The_measurement_sees_an_allocation_on_the_per_frame_path()
    {
        // The same harness with a data SPI handle that allocates on every transfer: a measurement that cannot see
        // that would make the two tests above pass on anything.
        using var rig = new EmulatedRig(new PerChannelSineSource(8), EmulatorPacing.FreeRunning, wrapDataSpi: inner => new AllocatingSpi(inner));
        var path = new PerFramePath(rig);
        path.Read(1000);

        var allocated = path.AllocatedWhile(() => path.Read(10_000));

        Assert.That(allocated, Is.GreaterThanOrEqualTo(10_000L * rig.Device.FrameLength));
    }

    /// <summary>The acquisition loop's per-frame step driven from the test thread, with a reader draining the ring.</summary>
    private sealed class PerFramePath
    {
        private readonly EmulatedRig _rig;
        private readonly SampleRingReader _reader;
        private readonly byte[] _frame;
        private readonly int[] _samples = new int[8];

        public PerFramePath(EmulatedRig rig)
        {
            _rig = rig;
            var configuration = rig.Initialize();
            var ring = new SampleRing(8, 1, 256);
            _reader = ring.CreateReader();
            Loop = new AcquisitionLoop(rig.Device, ring, configuration.SamplesPerSecond, dataReadyKeepsTime: rig.Emulator.IsRealTime);
            rig.Device.StartContinuous();
            _frame = new byte[rig.Device.FrameLength];
        }

        public AcquisitionLoop Loop { get; }

        public void Read(int frames)
        {
            for (var i = 0; i < frames; i++)
            {
                if (!Loop.ReadOne(_frame))
                {
                    throw new AssertionException($"DRDY timed out on frame {i} of {frames} with the line healthy.");
                }

                _reader.TryRead(_samples, default, out _);
            }
        }

        /// <summary>DRDY dead for longer than the loop's timeout: each ReadOne times out and returns false.</summary>
        public void Stall(int timeouts)
        {
            _rig.Emulator.Faults.DataReadyStuck = true;
            for (var i = 0; i < timeouts; i++)
            {
                if (Loop.ReadOne(_frame))
                {
                    throw new AssertionException("A frame arrived while DRDY was stuck.");
                }
            }

            _rig.Emulator.Faults.DataReadyStuck = false;
        }

        public long AllocatedWhile(Action action)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    private sealed class AllocatingSpi(SpiDevice inner) : SpiDevice
    {
        public override SpiConnectionSettings ConnectionSettings => inner.ConnectionSettings;

        public override byte ReadByte() => inner.ReadByte();

        public override void Read(Span<byte> buffer) => inner.Read(buffer);

        public override void WriteByte(byte value) => inner.WriteByte(value);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            var copy = writeBuffer.ToArray();
            inner.TransferFullDuplex(copy, readBuffer);
        }
    }
}
