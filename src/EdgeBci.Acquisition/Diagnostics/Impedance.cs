using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Diagnostics;

public sealed record ElectrodeImpedance(string Channel, double Kiloohms, bool LeadOff)
{
    public string Quality => LeadOff || Kiloohms > 500 ? "open" : Kiloohms <= 10 ? "good" : Kiloohms <= 50 ? "fair" : "poor";
}

/// <summary>
/// Electrode impedance by AC lead-off: the chip pushes a square current of known size at a quarter of the data rate
/// through each electrode, and the voltage it produces at that frequency over the current is the impedance.
/// </summary>
public static class Impedance
{
    public static IReadOnlyList<ElectrodeImpedance> Measure(FrontEnd frontEnd, LeadOffCurrent current = LeadOffCurrent.Nanoamps6, double seconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        var device = frontEnd.Device;
        var baseline = frontEnd.Configuration with { ChannelsPerChip = device.ChannelsPerChip };
        var channels = new Ads1299ChannelConfiguration[baseline.Channels.Count];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = (baseline.Channels[i] with { Input = Ads1299ChannelInput.Normal, PoweredDown = false })
                .SensingElectrode(leadOff: true, bias: baseline.BiasDrive);
        }

        var configuration = baseline with { Channels = channels, LeadOff = LeadOffMode.Ac, LeadOffCurrent = current };
        device.Configure(configuration);
        var rate = configuration.SamplesPerSecond;
        var frames = Math.Max(4, (int)(seconds * rate) / 4 * 4);
        CapturedFrames capture;
        try
        {
            capture = FrameCapture.Capture(device, frames, rate, frontEnd.DataReadyKeepsTime);
        }
        finally
        {
            device.Configure(baseline);
        }

        var amps = Ads1299Values.Amps(current);
        var results = new ElectrodeImpedance[capture.Channels];
        for (var channel = 0; channel < capture.Channels; channel++)
        {
            var gain = configuration.Channels[channel].Gain;
            var volts = QuarterRateAmplitude(capture.Microvolts(channel, gain), capture.Conversions) * 1e-6;
            var ohms = Math.Max(0, (volts / amps) - frontEnd.Options.SeriesResistanceOhms);
            var railed = volts * 1e6 >= 0.9 * Ads1299Scaling.FullScaleMicrovolts(gain);
            results[channel] = new ElectrodeImpedance(frontEnd.ChannelNames[channel], ohms / 1e3, railed);
        }

        return results;
    }

    /// <summary>
    /// Peak amplitude of the fDR/4 square wave, whatever its phase: the two quadrature square patterns, taken at the
    /// conversion each sample came from so that a conversion the host missed does not flip the pattern.
    /// </summary>
    internal static double QuarterRateAmplitude(ReadOnlySpan<double> microvolts, ReadOnlySpan<long> conversions)
    {
        if (conversions.Length != microvolts.Length)
        {
            throw new ArgumentException($"{conversions.Length} conversion numbers for {microvolts.Length} samples.", nameof(conversions));
        }

        var usable = microvolts.Length / 4 * 4;
        double mean = 0;
        for (var i = 0; i < usable; i++)
        {
            mean += microvolts[i];
        }

        mean /= usable;
        double inPhase = 0, quadrature = 0;
        for (var i = 0; i < usable; i++)
        {
            var x = microvolts[i] - mean;
            var n = conversions[i];
            inPhase += (n & 2) == 0 ? x : -x;
            quadrature += ((n + 1) & 2) == 0 ? x : -x;
        }

        return Math.Sqrt((inPhase * inPhase) + (quadrature * quadrature)) / usable;
    }
}
