using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Configuration;

/// <summary>The <c>Ads1299</c> configuration section: how the front-end is set up.</summary>
public sealed class Ads1299Options
{
    public const string Section = "Ads1299";

    public static readonly string[] DefaultMontage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    /// <summary>Samples per second: 250, 500, 1000, 2000, 4000, 8000 or 16000.</summary>
    public int SampleRate { get; set; } = 250;

    /// <summary>PGA gain for every electrode channel: 1, 2, 4, 6, 8, 12 or 24.</summary>
    public int Gain { get; set; } = 24;

    /// <summary>
    /// Electrode names in input order (IN1P first); 8 per chip, 16 for a two-chip daisy chain. Unset means
    /// <see cref="DefaultMontage"/>; it starts empty because the configuration binder appends to an array it finds.
    /// </summary>
    public string[] Channels { get; set; } = [];

    /// <summary>SPI clock for frame reads; 0 takes the board's recommended clock.</summary>
    public int SpiClockHz { get; set; }

    /// <summary>
    /// Where the common reference electrode goes. Srb1: SRB1 ties every INxN to it and electrodes go on INxP, so a
    /// channel reads electrode minus reference. Srb2: SRB2 ties every INxP to it and electrodes go on INxN, so a
    /// channel reads reference minus electrode (inverted polarity, as on an OpenBCI Cyton).
    /// </summary>
    public string Reference { get; set; } = "Srb1";

    public bool BiasDrive { get; set; } = true;

    /// <summary>Lead-off detection while streaming: Off, Dc or Ac.</summary>
    public string LeadOff { get; set; } = "Dc";

    /// <summary>Lead-off excitation: 6 or 24 (nA); 6000 or 24000 are the µA settings.</summary>
    public int LeadOffCurrentNanoamps { get; set; } = 6;

    /// <summary>Resistance in series with every electrode on the board (e.g. 2200 Ω on an OpenBCI Cyton), removed from impedance readings.</summary>
    public double SeriesResistanceOhms { get; set; }

    /// <summary>SCHED_FIFO priority of the acquisition thread (1..99), 0 for normal scheduling.</summary>
    public int RealTimePriority { get; set; } = 50;

    /// <summary>Seconds of frames the acquisition ring holds for slow consumers.</summary>
    public double RingSeconds { get; set; } = 4;

    public static readonly int[] AllowedRates = [250, 500, 1000, 2000, 4000, 8000, 16000];
    public static readonly int[] AllowedGains = [1, 2, 4, 6, 8, 12, 24];
    public static readonly int[] AllowedLeadOffCurrents = [6, 24, 6000, 24000];

    /// <summary>Every problem with the section, each naming its key and what is allowed.</summary>
    public IReadOnlyList<string> Validate(int? boardMaxSpiClockHz = null)
    {
        var errors = new List<string>();
        if (Array.IndexOf(AllowedRates, SampleRate) < 0)
        {
            errors.Add($"{Section}:SampleRate = {SampleRate} is not allowed; use one of {string.Join(", ", AllowedRates)}.");
        }

        if (Array.IndexOf(AllowedGains, Gain) < 0)
        {
            errors.Add($"{Section}:Gain = {Gain} is not allowed; use one of {string.Join(", ", AllowedGains)}.");
        }

        if (Channels is null || Channels.Length is not (8 or 16))
        {
            errors.Add($"{Section}:Channels has {Channels?.Length ?? 0} names; give 8 (one ADS1299) or 16 (two in a daisy chain).");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < Channels.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(Channels[i]))
                {
                    errors.Add($"{Section}:Channels:{i} is empty; every channel needs an electrode name.");
                }
                else if (!seen.Add(Channels[i]))
                {
                    errors.Add($"{Section}:Channels:{i} = '{Channels[i]}' repeats an earlier channel name.");
                }
            }
        }

        if (SpiClockHz < 0 || SpiClockHz > 20_000_000)
        {
            errors.Add($"{Section}:SpiClockHz = {SpiClockHz} is out of range; use 0 (board default) up to 20000000 (the ADS1299's limit).");
        }
        else if (boardMaxSpiClockHz is { } max && SpiClockHz > max)
        {
            errors.Add($"{Section}:SpiClockHz = {SpiClockHz} exceeds this board's maximum of {max} Hz.");
        }

        if (!Enum.TryParse<Ads1299.LeadOffMode>(LeadOff, ignoreCase: true, out _))
        {
            errors.Add($"{Section}:LeadOff = '{LeadOff}' is not allowed; use Off, Dc or Ac.");
        }

        if (Array.IndexOf(AllowedLeadOffCurrents, LeadOffCurrentNanoamps) < 0)
        {
            errors.Add($"{Section}:LeadOffCurrentNanoamps = {LeadOffCurrentNanoamps} is not allowed; use 6, 24, 6000 or 24000.");
        }

        if (!string.Equals(Reference, "Srb1", StringComparison.OrdinalIgnoreCase) && !string.Equals(Reference, "Srb2", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Section}:Reference = '{Reference}' is not allowed; use Srb1 or Srb2.");
        }

        if (SeriesResistanceOhms is < 0 or > 1e6 || double.IsNaN(SeriesResistanceOhms))
        {
            errors.Add($"{Section}:SeriesResistanceOhms = {SeriesResistanceOhms} is out of range 0..1000000.");
        }

        if (RealTimePriority is < 0 or > 99)
        {
            errors.Add($"{Section}:RealTimePriority = {RealTimePriority} is out of range 0..99 (0 = normal scheduling).");
        }

        if (RingSeconds is < 0.5 or > 60 || double.IsNaN(RingSeconds))
        {
            errors.Add($"{Section}:RingSeconds = {RingSeconds} is out of range 0.5..60.");
        }

        return errors;
    }

    public int ChipCount => Channels.Length / Ads1299RegisterMap.ChannelsPerChip;

    /// <summary>The PGA gain as the register setting (what count scaling needs).</summary>
    public Ads1299Gain GainSetting => Ads1299Values.TryParseGain(Gain, out var gain)
        ? gain
        : throw new ArgumentException($"{Section}:Gain = {Gain} is not allowed; use one of 1, 2, 4, 6, 8, 12, 24.");

    /// <summary>The typed register-level configuration these options describe.</summary>
    public Ads1299Configuration ToConfiguration()
    {
        Ads1299Values.TryParseDataRate(SampleRate, out var rate);
        var gain = GainSetting;
        var leadOff = Enum.Parse<LeadOffMode>(LeadOff, ignoreCase: true);
        var srb1 = string.Equals(Reference, "Srb1", StringComparison.OrdinalIgnoreCase);
        var channel = new Ads1299ChannelConfiguration
        {
            Gain = gain,
            Input = Ads1299ChannelInput.Normal,
            Srb2 = !srb1,
        }.SensingElectrode(leadOff: leadOff != LeadOffMode.Off, bias: BiasDrive);
        return new Ads1299Configuration
        {
            DataRate = rate,
            Channels = Ads1299Configuration.DefaultChannels(Channels.Length, channel),
            BiasDrive = BiasDrive,
            Srb1 = srb1,
            LeadOff = leadOff,
            LeadOffCurrent = LeadOffCurrentNanoamps switch
            {
                24 => LeadOffCurrent.Nanoamps24,
                6000 => LeadOffCurrent.Microamps6,
                24000 => LeadOffCurrent.Microamps24,
                _ => LeadOffCurrent.Nanoamps6,
            },
        };
    }
}
