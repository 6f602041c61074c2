namespace EdgeBci.Acquisition.Ads1299;

/// <summary>How one input channel is set up (one CHnSET register plus its bits in the sense and flip registers).</summary>
public sealed record Ads1299ChannelConfiguration
{
    public bool PoweredDown { get; init; }
    public Ads1299Gain Gain { get; init; } = Ads1299Gain.X24;
    public Ads1299ChannelInput Input { get; init; } = Ads1299ChannelInput.Normal;
    /// <summary>
    /// Closes the switch from SRB2 to the channel's positive input (INxP): the reference then sits on INxP and the
    /// electrode on INxN, so the channel reads reference minus electrode.
    /// </summary>
    public bool Srb2 { get; init; } = true;
    public bool BiasFromPositive { get; init; } = true;
    public bool BiasFromNegative { get; init; }
    public bool LeadOffPositive { get; init; }
    public bool LeadOffNegative { get; init; }
    public bool LeadOffFlip { get; init; }

    /// <summary>True when the electrode is wired to INxN (SRB2 takes INxP), false when it is on INxP.</summary>
    public bool ElectrodeOnNegativeInput => Srb2;

    /// <summary>Lead-off detection and bias sensing on whichever input carries the electrode.</summary>
    public Ads1299ChannelConfiguration SensingElectrode(bool leadOff, bool bias) => this with
    {
        LeadOffPositive = leadOff && !ElectrodeOnNegativeInput,
        LeadOffNegative = leadOff && ElectrodeOnNegativeInput,
        BiasFromPositive = bias && !ElectrodeOnNegativeInput,
        BiasFromNegative = bias && ElectrodeOnNegativeInput,
    };
}

public enum LeadOffMode
{
    Off,
    Dc,
    Ac,
}

/// <summary>
/// A complete, typed ADS1299 set-up. <see cref="Encode"/> turns it into the register image the driver writes
/// and verifies; nothing else in the code base assembles register bits by hand.
/// </summary>
public sealed record Ads1299Configuration
{
    public Ads1299DataRate DataRate { get; init; } = Ads1299DataRate.Sps250;

    /// <summary>One entry per channel of the chain (8 per chip).</summary>
    public IReadOnlyList<Ads1299ChannelConfiguration> Channels { get; init; } = DefaultChannels(8);

    public bool InternalReference { get; init; } = true;
    public bool BiasDrive { get; init; } = true;
    public bool BiasReferenceInternal { get; init; } = true;
    /// <summary>Ties every channel's negative input to SRB1 (MISC1.SRB1).</summary>
    public bool Srb1 { get; init; }

    public LeadOffMode LeadOff { get; init; } = LeadOffMode.Dc;
    public LeadOffCurrent LeadOffCurrent { get; init; } = LeadOffCurrent.Nanoamps6;
    public LeadOffThreshold LeadOffThreshold { get; init; } = LeadOffThreshold.Percent95;

    public bool InternalTestSignal { get; init; }
    public bool DoubleTestAmplitude { get; init; }
    public Ads1299TestSignalFrequency TestSignalFrequency { get; init; } = Ads1299TestSignalFrequency.Fast;

    /// <summary>8 for the ADS1299, 6 or 4 for the ADS1299-6 and ADS1299-4 (the ID register tells which is fitted).</summary>
    public int ChannelsPerChip { get; init; } = Ads1299RegisterMap.ChannelsPerChip;

    public int ChipCount => Channels.Count / ChannelsPerChip;

    public int SamplesPerSecond => Ads1299Values.SamplesPerSecond(DataRate);

    public static Ads1299ChannelConfiguration[] DefaultChannels(int count, Ads1299ChannelConfiguration? template = null)
    {
        var channels = new Ads1299ChannelConfiguration[count];
        Array.Fill(channels, template ?? new Ads1299ChannelConfiguration());
        return channels;
    }

    /// <summary>A copy with every channel's input and gain replaced (self-test and impedance use this).</summary>
    public Ads1299Configuration WithAllChannels(Ads1299ChannelInput input, Ads1299Gain gain)
    {
        var channels = new Ads1299ChannelConfiguration[Channels.Count];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = Channels[i] with { Input = input, Gain = gain, PoweredDown = false };
        }

        return this with { Channels = channels };
    }

    /// <summary>
    /// Checks the set-up is one the chip can hold. In a shared-chip-select daisy chain every WREG reaches every
    /// chip, so channel n and channel n+8 must be configured identically.
    /// </summary>
    public void Validate()
    {
        if (ChannelsPerChip is not (4 or 6 or 8))
        {
            throw new ArgumentException($"Ads1299 channels per chip {ChannelsPerChip} is not an ADS1299 variant: 4, 6 or 8.");
        }

        if (Channels.Count == 0 || Channels.Count % ChannelsPerChip != 0 || ChipCount > 2)
        {
            throw new ArgumentException(
                $"Ads1299 channel count {Channels.Count} is not supported: use {ChannelsPerChip} (one chip) or {2 * ChannelsPerChip} (two chips in a daisy chain).");
        }

        _ = Ads1299Values.SamplesPerSecond(DataRate);
        for (var i = 0; i < Channels.Count; i++)
        {
            _ = Ads1299Values.Multiplier(Channels[i].Gain);
            if (!Enum.IsDefined(Channels[i].Input))
            {
                throw new ArgumentException($"Ads1299 channel {i + 1}: input {Channels[i].Input} is not a CHnSET mux setting.");
            }

            var first = Channels[i % ChannelsPerChip];
            if (Channels[i] != first)
            {
                throw new ArgumentException(
                    $"Ads1299 channel {i + 1} differs from channel {(i % ChannelsPerChip) + 1}: chips in a daisy chain share chip select, so both receive the same register writes.");
            }
        }
    }

    /// <summary>The register image (0x00..0x17) for one chip; the ID and status registers are left at zero.</summary>
    public byte[] Encode()
    {
        Validate();
        var registers = new byte[Ads1299RegisterMap.RegisterCount];

        var config1 = Config1Bits.ReservedOne | Config1Bits.ReservedFixed;
        if (ChipCount == 1)
        {
            config1 |= Config1Bits.MultipleReadback;
        }
        else
        {
            // Chip 1 (CLKSEL high) puts its oscillator on CLK for chip 2 (CLKSEL low), so both convert on one clock
            // and one DRDY serves both; on a chip that runs from an external clock the bit does nothing.
            config1 |= Config1Bits.ClockOutput;
        }

        registers[(int)Ads1299Register.CONFIG1] = (byte)((byte)config1 | (byte)DataRate);

        var config2 = Config2Bits.ReservedFixed;
        if (InternalTestSignal)
        {
            config2 |= Config2Bits.InternalTestSignal;
        }

        if (DoubleTestAmplitude)
        {
            config2 |= Config2Bits.DoubleTestAmplitude;
        }

        registers[(int)Ads1299Register.CONFIG2] = (byte)((byte)config2 | (byte)TestSignalFrequency);

        var config3 = Config3Bits.ReservedFixed;
        if (InternalReference)
        {
            config3 |= Config3Bits.InternalReferenceEnabled;
        }

        if (BiasDrive)
        {
            config3 |= Config3Bits.BiasBufferEnabled;
        }

        if (BiasReferenceInternal)
        {
            config3 |= Config3Bits.BiasReferenceInternal;
        }

        registers[(int)Ads1299Register.CONFIG3] = (byte)config3;

        var frequency = LeadOff == LeadOffMode.Ac ? LeadOffFrequency.AcQuarterDataRate : LeadOffFrequency.Dc;
        registers[(int)Ads1299Register.LOFF] = (byte)(((byte)LeadOffThreshold << 5) | ((byte)LeadOffCurrent << 2) | (byte)frequency);

        byte biasP = 0, biasN = 0, loffP = 0, loffN = 0, flip = 0;
        for (var i = 0; i < ChannelsPerChip; i++)
        {
            var channel = Channels[i];
            var bits = channel.Srb2 ? ChannelSetBits.Srb2 : ChannelSetBits.None;
            if (channel.PoweredDown)
            {
                bits |= ChannelSetBits.PowerDown;
            }

            registers[(int)Ads1299RegisterMap.ChannelSetRegister(i)] =
                (byte)((byte)bits | ((byte)channel.Gain << 4) | (byte)channel.Input);

            var mask = (byte)(1 << i);
            if (channel.BiasFromPositive && BiasDrive)
            {
                biasP |= mask;
            }

            if (channel.BiasFromNegative && BiasDrive)
            {
                biasN |= mask;
            }

            if (LeadOff != LeadOffMode.Off && channel.LeadOffPositive)
            {
                loffP |= mask;
            }

            if (LeadOff != LeadOffMode.Off && channel.LeadOffNegative)
            {
                loffN |= mask;
            }

            if (channel.LeadOffFlip)
            {
                flip |= mask;
            }
        }

        registers[(int)Ads1299Register.BIAS_SENSP] = biasP;
        registers[(int)Ads1299Register.BIAS_SENSN] = biasN;
        registers[(int)Ads1299Register.LOFF_SENSP] = loffP;
        registers[(int)Ads1299Register.LOFF_SENSN] = loffN;
        registers[(int)Ads1299Register.LOFF_FLIP] = flip;
        registers[(int)Ads1299Register.GPIO] = 0x0F; // all four GPIOs as inputs: nothing is wired to them
        registers[(int)Ads1299Register.MISC1] = (byte)(Srb1 ? Misc1Bits.Srb1 : Misc1Bits.None);
        registers[(int)Ads1299Register.MISC2] = 0;
        registers[(int)Ads1299Register.CONFIG4] =
            (byte)(LeadOff == LeadOffMode.Dc ? Config4Bits.LeadOffComparatorsEnabled : Config4Bits.None);
        return registers;
    }

    /// <summary>Registers the driver writes and reads back, in write order; a smaller variant has fewer CHnSET.</summary>
    public IReadOnlyList<Ads1299Register> ConfiguredRegisters()
    {
        var registers = new List<Ads1299Register>(AllConfiguredRegisters.Length);
        foreach (var register in AllConfiguredRegisters)
        {
            var isAbsentChannel = register >= Ads1299Register.CH1SET && register <= Ads1299Register.CH8SET
                && register - Ads1299Register.CH1SET >= ChannelsPerChip;
            if (!isAbsentChannel)
            {
                registers.Add(register);
            }
        }

        return registers;
    }

    private static readonly Ads1299Register[] AllConfiguredRegisters =
    [
        Ads1299Register.CONFIG3, // reference first: it needs time to settle
        Ads1299Register.CONFIG1,
        Ads1299Register.CONFIG2,
        Ads1299Register.LOFF,
        Ads1299Register.CH1SET, Ads1299Register.CH2SET, Ads1299Register.CH3SET, Ads1299Register.CH4SET,
        Ads1299Register.CH5SET, Ads1299Register.CH6SET, Ads1299Register.CH7SET, Ads1299Register.CH8SET,
        Ads1299Register.BIAS_SENSP, Ads1299Register.BIAS_SENSN,
        Ads1299Register.LOFF_SENSP, Ads1299Register.LOFF_SENSN, Ads1299Register.LOFF_FLIP,
        Ads1299Register.GPIO, Ads1299Register.MISC1, Ads1299Register.MISC2, Ads1299Register.CONFIG4,
    ];
}
