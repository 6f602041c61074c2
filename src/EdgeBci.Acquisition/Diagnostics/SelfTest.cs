using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Diagnostics;

/// <summary>One line of the self-test table.</summary>
public sealed record SelfTestCheck(string Check, string Channel, string Measured, string Expected, bool Passed);

public sealed class SelfTestReport
{
    public SelfTestReport(Ads1299Identity? identity, IReadOnlyList<SelfTestCheck> checks)
    {
        Identity = identity;
        Checks = checks;
    }

    public Ads1299Identity? Identity { get; }

    public IReadOnlyList<SelfTestCheck> Checks { get; }

    public bool Passed
    {
        get
        {
            if (Checks.Count == 0)
            {
                return false;
            }

            foreach (var check in Checks)
            {
                if (!check.Passed)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>
/// The bench test an engineer runs on every unit: the chip answers with an ADS1299 ID, every register takes its
/// value, each channel reproduces the internal test signal at the right amplitude and frequency, shorted inputs
/// are quiet, and no electrode is off. The same code runs on the emulator and on hardware.
/// </summary>
public static class SelfTest
{
    private const double AmplitudeTolerance = 0.05;
    private const double FrequencyTolerance = 0.05;
    private const double ShortedRmsLimitAt250 = 0.5;
    private const double ShortedPeakToPeakLimitAt250 = 5.0;

    /// <summary>
    /// A host that loses more than this share of conversions with nothing else reading the chip cannot stream at the
    /// configured rate: the busy CPU or a slow bus is the fault then, not the chip.
    /// </summary>
    private const double MissedConversionLimit = 0.10;

    public static SelfTestReport Run(FrontEnd frontEnd)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        var checks = new List<SelfTestCheck>();
        var device = frontEnd.Device;
        Ads1299Identity identity;
        try
        {
            device.PowerUp();
            identity = new Ads1299Identity(device.ReadRegister(Ads1299Register.ID));
            checks.Add(new SelfTestCheck("ID register", "-", identity.ToString(), "ID & 0x1F in 0x1C/0x1D/0x1E", identity.IsAds1299));
            if (!identity.IsAds1299)
            {
                return new SelfTestReport(identity, checks);
            }

            device.ReadIdentity();
        }
        catch (Ads1299Exception exception)
        {
            checks.Add(new SelfTestCheck("ID register", "-", exception.Message, "an ADS1299", false));
            return new SelfTestReport(null, checks);
        }

        var configuration = frontEnd.Configuration with { ChannelsPerChip = identity.ChannelCount };
        if (!TryConfigure(device, configuration, "register read-back", checks))
        {
            return new SelfTestReport(identity, checks);
        }

        checks.Add(new SelfTestCheck("register read-back", "-", $"{configuration.ConfiguredRegisters().Count()} registers", "all match", true));

        try
        {
            var captures = new List<CapturedFrames>(3)
            {
                CheckTestSignal(frontEnd, configuration, checks),
                CheckShortedNoise(frontEnd, configuration, checks),
                CheckLeadOff(frontEnd, configuration, checks),
            };
            checks.Add(CheckConversionsRead(frontEnd, captures));
        }
        catch (Ads1299Exception exception)
        {
            checks.Add(new SelfTestCheck("conversion", "-", exception.Message, "DRDY at the data rate", false));
        }
        finally
        {
            TryConfigure(device, configuration, "restore configuration", checks);
        }

        return new SelfTestReport(identity, checks);
    }

    private static bool TryConfigure(Ads1299Device device, Ads1299Configuration configuration, string name, List<SelfTestCheck> checks)
    {
        try
        {
            device.Configure(configuration);
            return true;
        }
        catch (Ads1299Exception exception)
        {
            checks.Add(new SelfTestCheck(name, "-", exception.Message, "all registers match", false));
            return false;
        }
    }

    /// <summary>
    /// Conversions the host missed are their own line: the measurements above count by the chip's conversion numbers,
    /// so a busy host does not turn into a wrong test-signal frequency, but it is still a unit that drops data.
    /// </summary>
    private static SelfTestCheck CheckConversionsRead(FrontEnd frontEnd, List<CapturedFrames> captures)
    {
        long spanned = 0, missed = 0;
        foreach (var capture in captures)
        {
            spanned += capture.SpannedConversions;
            missed += capture.MissedConversions;
        }

        var measured = frontEnd.DataReadyKeepsTime
            ? $"{spanned - missed} of {spanned} read, {missed} missed"
            : $"{spanned} read (paced by the reader)";
        return new SelfTestCheck(
            "conversions read",
            "-",
            measured,
            $"≤ {MissedConversionLimit:0%} missed at {frontEnd.SampleRate} SPS",
            missed <= MissedConversionLimit * spanned);
    }

    private static CapturedFrames CheckTestSignal(FrontEnd frontEnd, Ads1299Configuration baseline, List<SelfTestCheck> checks)
    {
        var configuration = baseline.WithAllChannels(Ads1299ChannelInput.TestSignal, Ads1299Gain.X1) with
        {
            InternalTestSignal = true,
            TestSignalFrequency = Ads1299TestSignalFrequency.Fast,
            LeadOff = LeadOffMode.Off,
        };
        frontEnd.Device.Configure(configuration);
        var rate = configuration.SamplesPerSecond;
        var expectedFrequency = Ads1299Values.TestSignalFrequencyHz(Ads1299TestSignalFrequency.Fast);
        var expectedAmplitude = Ads1299Values.TestSignalAmplitudeVolts(doubleAmplitude: false) * 1e6;
        var frames = (int)Math.Ceiling(4 / expectedFrequency * rate);
        var capture = FrameCapture.Capture(frontEnd.Device, frames, rate, frontEnd.DataReadyKeepsTime);
        for (var channel = 0; channel < capture.Channels; channel++)
        {
            var values = capture.Microvolts(channel, Ads1299Gain.X1);
            var (amplitude, frequency) = SquareWave(values, capture.Conversions, rate);
            var amplitudeOk = Math.Abs(amplitude - expectedAmplitude) <= AmplitudeTolerance * expectedAmplitude;
            var frequencyOk = Math.Abs(frequency - expectedFrequency) <= FrequencyTolerance * expectedFrequency;
            checks.Add(new SelfTestCheck(
                "test signal",
                frontEnd.ChannelNames[channel],
                $"{amplitude / 1000:0.000} mV, {frequency:0.00} Hz",
                $"{expectedAmplitude / 1000:0.000} mV ±5%, {expectedFrequency:0.00} Hz ±5%",
                amplitudeOk && frequencyOk));
        }

        return capture;
    }

    private static CapturedFrames CheckShortedNoise(FrontEnd frontEnd, Ads1299Configuration baseline, List<SelfTestCheck> checks)
    {
        var configuration = baseline.WithAllChannels(Ads1299ChannelInput.Shorted, Ads1299Gain.X24) with { LeadOff = LeadOffMode.Off };
        frontEnd.Device.Configure(configuration);
        var rate = configuration.SamplesPerSecond;
        var bandwidthScale = Math.Sqrt(rate / 250.0);
        var rmsLimit = ShortedRmsLimitAt250 * bandwidthScale;
        var peakLimit = ShortedPeakToPeakLimitAt250 * bandwidthScale;
        var capture = FrameCapture.Capture(frontEnd.Device, rate, rate, frontEnd.DataReadyKeepsTime);
        for (var channel = 0; channel < capture.Channels; channel++)
        {
            var values = capture.Microvolts(channel, Ads1299Gain.X24);
            var mean = values.Average();
            double sumSquares = 0, min = double.MaxValue, max = double.MinValue;
            foreach (var v in values)
            {
                sumSquares += (v - mean) * (v - mean);
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            var rms = Math.Sqrt(sumSquares / values.Length);
            checks.Add(new SelfTestCheck(
                "shorted-input noise",
                frontEnd.ChannelNames[channel],
                $"{rms:0.000} µV rms, {max - min:0.00} µVpp",
                $"≤ {rmsLimit:0.00} µV rms, ≤ {peakLimit:0.0} µVpp",
                rms <= rmsLimit && max - min <= peakLimit));
        }

        return capture;
    }

    private static CapturedFrames CheckLeadOff(FrontEnd frontEnd, Ads1299Configuration baseline, List<SelfTestCheck> checks)
    {
        var channels = new Ads1299ChannelConfiguration[baseline.Channels.Count];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = (baseline.Channels[i] with { Input = Ads1299ChannelInput.Normal, PoweredDown = false })
                .SensingElectrode(leadOff: true, bias: baseline.BiasDrive);
        }

        var configuration = baseline with { Channels = channels, LeadOff = LeadOffMode.Dc };
        frontEnd.Device.Configure(configuration);
        var rate = configuration.SamplesPerSecond;
        var capture = FrameCapture.Capture(frontEnd.Device, Math.Max(rate / 4, 16), rate, frontEnd.DataReadyKeepsTime);
        for (var channel = 0; channel < capture.Channels; channel++)
        {
            var off = (capture.LeadOffSeen & (1UL << channel)) != 0;
            checks.Add(new SelfTestCheck("lead-off", frontEnd.ChannelNames[channel], off ? "electrode off" : "attached", "attached", !off));
        }

        return capture;
    }

    /// <summary>
    /// Amplitude from the two levels of a square wave, frequency from its mean crossings, placed at the conversion
    /// each sample came from (<paramref name="conversions"/>), so samples the host missed do not shorten the period.
    /// </summary>
    internal static (double Amplitude, double Frequency) SquareWave(double[] values, ReadOnlySpan<long> conversions, int sampleRate)
    {
        if (conversions.Length != values.Length)
        {
            throw new ArgumentException($"{conversions.Length} conversion numbers for {values.Length} samples.", nameof(conversions));
        }

        var mean = values.Average();
        double high = 0, low = 0;
        int highCount = 0, lowCount = 0, crossings = 0;
        long firstCrossing = -1, lastCrossing = -1;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] >= mean)
            {
                high += values[i];
                highCount++;
            }
            else
            {
                low += values[i];
                lowCount++;
            }

            if (i > 0 && (values[i] >= mean) != (values[i - 1] >= mean))
            {
                crossings++;
                firstCrossing = firstCrossing < 0 ? conversions[i] : firstCrossing;
                lastCrossing = conversions[i];
            }
        }

        if (highCount == 0 || lowCount == 0 || crossings < 3)
        {
            return (0, 0);
        }

        var amplitude = ((high / highCount) - (low / lowCount)) / 2;
        var halfPeriods = crossings - 1;
        var seconds = (double)(lastCrossing - firstCrossing) / sampleRate;
        return (amplitude, halfPeriods / seconds / 2);
    }
}
