using EdgeBci.Signal.Chain;
using EdgeBci.Signal.Referencing;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// What the running unit feeds a decoder: the names of the channels its signal chain outputs (in stream order), the
/// chip's data rate, the chain's output rate and the chain's configuration. A model bundle is checked against this by
/// <see cref="BundleCompatibility"/> before it may run.
/// </summary>
/// <param name="ChannelNames">The chain's output channels in stream order, as the re-referencing names them ("C3", or "C3-CZ" for a bipolar pair).</param>
/// <param name="ChipRate">The ADS1299 data rate the chain filters at (SPS).</param>
/// <param name="OutputRate">The rate of the chain's output, which the decoder receives (Hz).</param>
/// <param name="Signal">The chain's configuration (section "Signal").</param>
/// <param name="WindowSamples">
/// The window the running decoder uses, when one is already running (a hot swap must keep it); null at start-up,
/// where the model's own window is taken.
/// </param>
public sealed record UnitConfiguration(IReadOnlyList<string> ChannelNames, int ChipRate, double OutputRate, SignalOptions Signal, int? WindowSamples = null)
{
    /// <summary>
    /// The configuration of a unit whose chain is built from <paramref name="signal"/> over <paramref name="deviceChannels"/>
    /// at <paramref name="chipRate"/>, as <see cref="SignalChain.Create"/> builds it: output channels named by the
    /// re-referencing, output rate <see cref="SignalOptions.OutputRate"/> or the chip's rate.
    /// </summary>
    /// <exception cref="ArgumentException">The reference does not parse against the channels.</exception>
    public static UnitConfiguration For(SignalOptions signal, IReadOnlyList<string> deviceChannels, int chipRate)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(deviceChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chipRate);
        var names = Rereferencer.Parse(signal.Reference, deviceChannels).OutputChannelNames(deviceChannels);
        return new UnitConfiguration(names, chipRate, signal.OutputRate == 0 ? chipRate : signal.OutputRate, signal);
    }
}
