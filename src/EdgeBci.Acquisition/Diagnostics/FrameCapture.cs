using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Diagnostics;

/// <summary>A block of frames read synchronously, for diagnostics that run while the acquisition thread is not.</summary>
public sealed class CapturedFrames
{
    internal CapturedFrames(int frames, int channels)
    {
        Frames = frames;
        Channels = channels;
        Counts = new int[frames * channels];
    }

    public int Frames { get; }

    public int Channels { get; }

    /// <summary>Frame-major counts: frame f, channel c at [f * Channels + c].</summary>
    public int[] Counts { get; }

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
    /// Starts conversions, reads <paramref name="frames"/> frames in RDATAC and stops again. Throws
    /// <see cref="Ads1299Exception"/> if DRDY stays silent for longer than twenty conversion periods.
    /// </summary>
    public static CapturedFrames Capture(Ads1299Device device, int frames, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var capture = new CapturedFrames(frames, device.ChannelCount);
        var frame = new byte[device.FrameLength];
        var status = new uint[device.ChipCount];
        var timeout = TimeSpan.FromSeconds(Math.Max(20.0 / sampleRate, 0.1));
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

                taken++;
            }
        }
        finally
        {
            device.StopContinuous();
        }

        return capture;
    }
}
