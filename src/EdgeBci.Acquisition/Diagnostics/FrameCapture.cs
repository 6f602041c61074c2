using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Acquisition.Diagnostics;

/// <summary>A block of frames read synchronously, for diagnostics that run while the acquisition thread is not.</summary>
public sealed class CapturedFrames
{
    internal CapturedFrames(int frames, int channels)
    {
        Frames = frames;
        Channels = channels;
        Counts = new int[frames * channels];
        Conversions = new long[frames];
    }

    public int Frames { get; }

    public int Channels { get; }

    /// <summary>Frame-major counts: frame f, channel c at [f * Channels + c].</summary>
    public int[] Counts { get; }

    /// <summary>
    /// The chip's conversion number of each kept frame, counted from the first (0). Consecutive unless the host read
    /// too late and the chip overwrote conversions in between: measurements tied to the chip's clock (a test signal's
    /// period, the fDR/4 lead-off excitation) must use these, not the frame index.
    /// </summary>
    public long[] Conversions { get; }

    /// <summary>Conversions the chip made after the first frame that were never read (overwritten before the host came).</summary>
    public long MissedConversions { get; internal set; }

    /// <summary>Every conversion from the first frame to the last, read or not.</summary>
    public long SpannedConversions => Conversions[Frames - 1] + 1;

    /// <summary>Lead-off bits (LOFF_STATP or LOFF_STATN) seen in any frame (chip 0 in bits 0-7).</summary>
    public ulong LeadOffSeen { get; internal set; }

    public int BadFrames { get; internal set; }

    /// <summary>One channel in microvolts for the given gain.</summary>
    public double[] Microvolts(int channel, Ads1299Gain gain)
    {
        var values = new double[Frames];
        var scale = Ads1299Scaling.MicrovoltsPerCount(gain);
        for (var f = 0; f < Frames; f++)
        {
            values[f] = Counts[(f * Channels) + channel] * scale;
        }

        return values;
    }
}

public static class FrameCapture
{
    /// <summary>
    /// Starts conversions, reads <paramref name="frames"/> frames in RDATAC and stops again, numbering each frame by
    /// the conversion it holds. Throws <see cref="Ads1299Exception"/> if DRDY stays silent for longer than twenty
    /// conversion periods.
    /// </summary>
    /// <param name="dataReadyKeepsTime">
    /// False only for an emulator paced by its reader: then every frame is the next conversion and DRDY timing says
    /// nothing about lost ones.
    /// </param>
    public static CapturedFrames Capture(Ads1299Device device, int frames, int sampleRate, bool dataReadyKeepsTime = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var capture = new CapturedFrames(frames, device.ChannelCount);
        var frame = new byte[device.FrameLength];
        var status = new uint[device.ChipCount];
        var timeout = TimeSpan.FromSeconds(Math.Max(20.0 / sampleRate, 0.1));
        var gaps = dataReadyKeepsTime ? new DataReadyGapDetector(sampleRate, Stopwatch.Frequency) : null;
        long conversion = -1, first = 0, missed = 0;
        device.StartContinuous();
        try
        {
            var taken = 0;
            while (taken < frames)
            {
                if (!device.WaitForDataReady(timeout))
                {
                    throw new Ads1299Exception($"DRDY did not fall within {timeout.TotalMilliseconds:0} ms after {taken} of {frames} frames: the chip is not converting.");
                }

                // The detector answers 0 for the first frame: nothing can be missed before the count starts.
                var lost = gaps?.Observe(Stopwatch.GetTimestamp()) ?? 0;
                missed += lost;
                conversion += 1 + lost;
                device.ReadFrame(frame);
                var samples = capture.Counts.AsSpan(taken * capture.Channels, capture.Channels);
                if (Ads1299Frame.Decode(frame, status, samples, device.ChannelsPerChip) > 0)
                {
                    capture.BadFrames++;
                    continue;
                }

                for (var chip = 0; chip < status.Length; chip++)
                {
                    var off = Ads1299Frame.LeadOffPositive(status[chip]) | Ads1299Frame.LeadOffNegative(status[chip]);
                    capture.LeadOffSeen |= (ulong)off << (8 * chip);
                }

                if (taken == 0)
                {
                    // Count from the first kept frame: a corrupt frame before it starts nothing.
                    first = conversion;
                    missed = 0;
                }

                capture.Conversions[taken] = conversion - first;
                taken++;
            }
        }
        finally
        {
            device.StopContinuous();
        }

        capture.MissedConversions = missed;
        return capture;
    }
}
