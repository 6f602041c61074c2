namespace EdgeBci.Acquisition.Emulation.Sources;

/// <summary>Recipe for synthetic EEG-like signals; every amplitude is in microvolts.</summary>
public sealed record SyntheticSignalOptions
{
    /// <summary>Extra sines on every channel: frequency in Hz and peak amplitude.</summary>
    public IReadOnlyList<SineComponent> Sines { get; init; } = [];

    public double WhiteNoiseRms { get; init; } = 2.0;
    public double PinkNoiseRms { get; init; } = 10.0;

    /// <summary>Alpha (10 Hz) bursts: peak amplitude, and how long each burst and each pause lasts.</summary>
    public double AlphaAmplitude { get; init; } = 20.0;
    public double AlphaFrequency { get; init; } = 10.0;
    public double AlphaBurstSeconds { get; init; } = 2.0;
    public double AlphaPauseSeconds { get; init; } = 3.0;

    public double LineFrequency { get; init; } = 50.0;
    public double LineAmplitude { get; init; }

    public double DcOffset { get; init; }

    /// <summary>Slow electrode drift: peak amplitude of a 0.05 Hz wander.</summary>
    public double DriftAmplitude { get; init; }

    public int Seed { get; init; } = 1299;
}

public readonly record struct SineComponent(double Frequency, double Amplitude);

/// <summary>Sines, white and pink noise, alpha bursts, mains interference, DC offset and drift, per channel.</summary>
public sealed class SyntheticSignalSource : IEmulatorSignalSource
{
    private readonly SyntheticSignalOptions _options;
    private readonly Random _random;
    private readonly double[] _pinkState;
    private readonly double[] _channelPhase;

    public SyntheticSignalSource(int channelCount, SyntheticSignalOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        _options = options ?? new SyntheticSignalOptions();
        ChannelCount = channelCount;
        _random = new Random(_options.Seed);
        _pinkState = new double[channelCount * 3];
        _channelPhase = new double[channelCount];
        for (var i = 0; i < channelCount; i++)
        {
            _channelPhase[i] = 2 * Math.PI * i / channelCount;
        }

        Description = $"synthetic (alpha {_options.AlphaAmplitude} µV, noise {_options.WhiteNoiseRms}+{_options.PinkNoiseRms} µV rms, line {_options.LineAmplitude} µV @ {_options.LineFrequency} Hz)";
    }

    public int ChannelCount { get; }

    public string Description { get; }

    public void Generate(long sampleIndex, double sampleRate, Span<double> microvolts)
    {
        var t = sampleIndex / sampleRate;
        var cycle = _options.AlphaBurstSeconds + _options.AlphaPauseSeconds;
        var inBurst = cycle > 0 && (t % cycle) < _options.AlphaBurstSeconds;
        for (var channel = 0; channel < ChannelCount; channel++)
        {
            var value = _options.DcOffset;
            foreach (var sine in _options.Sines)
            {
                value += sine.Amplitude * Math.Sin(2 * Math.PI * sine.Frequency * t);
            }

            if (inBurst)
            {
                value += _options.AlphaAmplitude * Math.Sin((2 * Math.PI * _options.AlphaFrequency * t) + _channelPhase[channel]);
            }

            value += _options.LineAmplitude * Math.Sin(2 * Math.PI * _options.LineFrequency * t);
            value += _options.DriftAmplitude * Math.Sin((2 * Math.PI * 0.05 * t) + _channelPhase[channel]);
            value += _options.WhiteNoiseRms * Gaussian(_random);
            value += _options.PinkNoiseRms * Pink(channel, Gaussian(_random));
            microvolts[channel] = value;
        }
    }

    /// <summary>Box-Muller: a unit normal deviate from two uniforms.</summary>
    internal static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Three leaky integrators at spread time constants approximate a 1/f spectrum over the EEG band
    /// (a trimmed Kellet filter); scaled to roughly unit variance for unit white input.
    /// </summary>
    private double Pink(int channel, double white)
    {
        var state = _pinkState.AsSpan(channel * 3, 3);
        state[0] = (0.99765 * state[0]) + (white * 0.0990460);
        state[1] = (0.96300 * state[1]) + (white * 0.2965164);
        state[2] = (0.57000 * state[2]) + (white * 1.0526913);
        return (state[0] + state[1] + state[2] + (white * 0.1848)) * 0.25;
    }
}
