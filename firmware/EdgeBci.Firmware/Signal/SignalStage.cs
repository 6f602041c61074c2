using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Quality;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>
/// Everything the signal stage needs, built and validated from configuration before the host starts, so a bad
/// Signal key stops start-up with its name like any other.
/// </summary>
internal sealed class SignalStage
{
    private SignalStage(SignalOptions options, SignalChain chain, SignalQualityMonitor quality, BandPowerMeter bandPower, double microvoltsPerQ31)
    {
        Conditions = new PublishedChannelConditions(quality.Channels);
        Options = options;
        Chain = chain;
        Quality = quality;
        BandPower = bandPower;
        MicrovoltsPerQ31 = microvoltsPerQ31;
    }

    public SignalOptions Options { get; }

    public SignalChain Chain { get; }

    public SignalQualityMonitor Quality { get; }

    /// <summary>The quality monitor's conditions, published after every block for the decoder and the focus meter.</summary>
    public PublishedChannelConditions Conditions { get; }

    /// <summary>Band power of the chain's output (at the output rate).</summary>
    public BandPowerMeter BandPower { get; }

    public double MicrovoltsPerQ31 { get; }

    public static SignalStage Create(IConfiguration configuration, FrontEnd frontEnd)
    {
        var options = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
        var microvoltsPerQ31 = Q31.MicrovoltsPerStep(Ads1299Scaling.MicrovoltsPerCount(frontEnd.Options.GainSetting));
        var chain = SignalChain.Create(options, frontEnd.ChannelNames, frontEnd.SampleRate, options.BlockFrames);
        IReadOnlyList<FrequencyBand> bands;
        try
        {
            bands = FrequencyBand.Parse(options.Bands);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"{SignalOptions.Section}:Bands = '{options.Bands}': {exception.Message}", exception);
        }

        var quality = new SignalQualityMonitor(frontEnd.ChannelNames, frontEnd.SampleRate, microvoltsPerQ31,
            new SignalQualityOptions { LineFrequencyHz = options.NotchHz > 0 ? options.NotchHz : 50, HoldOffSeconds = options.QualityHoldOffSeconds });
        var bandPower = new BandPowerMeter(chain.OutputChannels, chain.OutputRate, bands, options.BandPowerWindowSeconds, microvoltsPerQ31);
        return new SignalStage(options, chain, quality, bandPower, microvoltsPerQ31);
    }
}
