using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation.Sources;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// A register-level model of one ADS1299, or two daisy-chained on one chip select: the SPI command decoder, the
/// register file with its reset values and read-only bits, RDATAC/SDATAC modes, power-down, reset and START pins,
/// the conversion clock behind DRDY, the input mux (electrodes, shorted inputs, test signal, temperature, supply),
/// lead-off detection and the 24-bit data frame. <see cref="Ads1299EmulatorSpiDevice"/> and
/// <see cref="Ads1299EmulatorGpioDriver"/> put it behind the platform's own abstractions so the real driver code runs
/// against it unchanged.
/// </summary>
public sealed partial class Ads1299Emulator
{
    private const double SupplyAnalogMicrovolts = 2_500_000; // (AVDD - AVSS) / 2 with a 5 V analog supply
    private const double SupplyDigitalMicrovolts = 825_000;  // DVDD / 4 with a 3.3 V digital supply
    private const double TemperatureOffsetMicrovolts = 145_300;
    private const double TemperatureSlopeMicrovolts = 490;
    private const double FloatingPickupMicrovolts = 20_000;  // a detached electrode picks up mains

    private const int IdlePollMilliseconds = 10;

    private readonly object _gate = new();
    private readonly IEmulatorSignalSource _source;
    private readonly Ads1299EmulatorOptions _options;
    private readonly byte[][] _registers;
    private readonly byte[] _frame;
    private readonly byte[] _registerOutput = new byte[Ads1299RegisterMap.RegisterCount];
    private readonly double[] _electrodes;
    private readonly Random _noise;
    private readonly List<BusEvent>? _log;
    private readonly long _powerOnTicks = (long)(Ads1299Timing.PowerOnReset.TotalSeconds * Stopwatch.Frequency);
    private readonly long _resetBusyTicks = (long)(18 / Ads1299Values.MasterClockHz * Stopwatch.Frequency) + 1;

    private byte[] _output;
    private int _outputLength;
    private int _outputPosition;
    private DecoderState _state;
    private int _commandAddress;
    private int _commandRemaining;
    private bool _pendingRead;

    private bool _powered = true;
    private long _poweredSince;
    private bool _resetHeld;
    private long _busyUntil;
    private bool _startPin;
    private bool _startCommand;
    private bool _standby;
    private bool _continuous = true;
    private bool _converting;
    private long _conversionEpoch;
    private double _conversionRate = 250;
    private long _produced;
    private long _read;
    private long _latched = -1;

    /// <summary>Whether DRDY keeps wall-clock time; a free-running chip converts only as fast as it is read.</summary>
    public bool IsRealTime => _options.Pacing == EmulatorPacing.RealTime;

    public Ads1299Emulator(IEmulatorSignalSource source, Ads1299EmulatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _options = options ?? new Ads1299EmulatorOptions();
        if (_options.Chips is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Chips, "The emulator models 1 chip or a daisy chain of 2.");
        }

        if (_options.ChannelsPerChip is not (4 or 6 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.ChannelsPerChip, "ADS1299 variants have 4, 6 or 8 channels.");
        }

        ChannelCount = _options.Chips * _options.ChannelsPerChip;
        if (source.ChannelCount != ChannelCount)
        {
            throw new ArgumentException($"The signal source drives {source.ChannelCount} channels; the emulated chain has {ChannelCount}.", nameof(source));
        }

        _source = source;
        _registers = new byte[_options.Chips][];
        for (var chip = 0; chip < _options.Chips; chip++)
        {
            _registers[chip] = new byte[Ads1299RegisterMap.RegisterCount];
        }

        FrameLength = Ads1299Frame.LengthFor(_options.Chips, _options.ChannelsPerChip);
        _frame = new byte[FrameLength];
        _output = _frame;
        _electrodes = new double[ChannelCount];
        _noise = new Random(_options.Seed);
        _log = _options.RecordBusActivity ? [] : null;
        _poweredSince = Stopwatch.GetTimestamp();
        ResetRegisters();
    }

    public Ads1299EmulatorOptions Options => _options;

    public int ChannelCount { get; }

    public int FrameLength { get; }

    public Ads1299EmulatorFaults Faults { get; } = new();

    public string SourceDescription => _source.Description;

    /// <summary>Conversions completed since the last START.</summary>
    public long ConversionsProduced
    {
        get { lock (_gate) { Advance(Stopwatch.GetTimestamp()); return _produced; } }
    }

    /// <summary>Frames shifted out to the host.</summary>
    public long FramesRead { get; private set; }

    /// <summary>Bytes of multi-byte commands that arrived faster than tSDECODE allows, so the chip dropped the command.</summary>
    public long DecodeTimingViolations { get; private set; }

    /// <summary>Commands the chip ignored: register access in RDATAC, unknown opcodes, anything before power-on reset.</summary>
    public long IgnoredCommands { get; private set; }

    public bool IsContinuousMode
    {
        get { lock (_gate) { return _continuous; } }
    }

    public bool IsConverting
    {
        get { lock (_gate) { return _converting; } }
    }

    public double ConversionRate
    {
        get { lock (_gate) { return _conversionRate; } }
    }

    /// <summary>Snapshot of the bus log (empty unless <see cref="Ads1299EmulatorOptions.RecordBusActivity"/>).</summary>
    public IReadOnlyList<BusEvent> BusLog
    {
        get { lock (_gate) { return _log is null ? [] : [.. _log]; } }
    }

    /// <summary>Reads a register as the silicon holds it, bypassing SPI (for tests and diagnostics).</summary>
    public byte PeekRegister(int chip, Ads1299Register register)
    {
        lock (_gate)
        {
            return _registers[chip][(int)register];
        }
    }

    /// <summary>Fills the output shift register with the newest conversion (conversion indices start at 1).</summary>
    private void LatchFrame()
    {
        var conversion = _produced;
        if (conversion == 0)
        {
            // Nothing converted since START or reset: the output register holds zeros.
            _frame.AsSpan().Clear();
        }
        else if (conversion != _latched)
        {
            BuildFrame(conversion - 1);
            _latched = conversion;
            FramesRead++;
        }

        _read = conversion;
        if (_options.Pacing == EmulatorPacing.FreeRunning)
        {
            // Free-running, reading this conversion is what makes the next one ready: wake the DRDY edge dispatcher.
            Monitor.PulseAll(_gate);
        }

        _output = _frame;
        _outputLength = FrameLength;
        _outputPosition = 0;
    }

    private void BuildFrame(long sampleIndex)
    {
        _source.Generate(sampleIndex, _conversionRate, _electrodes);
        var faults = Faults;
        var electrodesOff = faults.ElectrodesOffMask;
        var railed = faults.RailedMask;
        var constant = faults.ConstantMask;
        var flipProbability = faults.BitFlipProbability;
        var time = sampleIndex / _conversionRate;
        var bytesPerChip = Ads1299Frame.BytesPerChipWith(_options.ChannelsPerChip);

        for (var chip = 0; chip < _options.Chips; chip++)
        {
            var registers = _registers[chip];
            var leadOff = registers[(int)Ads1299Register.LOFF];
            var acLeadOff = (leadOff & 0x03) != 0;
            var comparatorsOn = (registers[(int)Ads1299Register.CONFIG4] & (byte)Config4Bits.LeadOffComparatorsEnabled) != 0 || acLeadOff;
            var excitationAmps = Ads1299Values.Amps((LeadOffCurrent)((leadOff >> 2) & 0x03));
            var testSignalOn = (registers[(int)Ads1299Register.CONFIG2] & (byte)Config2Bits.InternalTestSignal) != 0;
            byte statusP = 0, statusN = 0;
            var block = _frame.AsSpan(chip * bytesPerChip, bytesPerChip);

            for (var local = 0; local < _options.ChannelsPerChip; local++)
            {
                var channel = (chip * _options.ChannelsPerChip) + local;
                var setting = registers[(int)Ads1299RegisterMap.ChannelSetRegister(local)];
                var gain = (Ads1299Gain)((setting >> 4) & 0x07);
                if (gain > Ads1299Gain.X24)
                {
                    gain = Ads1299Gain.X24;
                }

                var mux = (Ads1299ChannelInput)(setting & 0x07);
                // With SRB2 closed the reference occupies INxP and the electrode is wired to INxN.
                var electrodeOnNegative = (setting & (byte)ChannelSetBits.Srb2) != 0;
                var senseRegister = electrodeOnNegative ? Ads1299Register.LOFF_SENSN : Ads1299Register.LOFF_SENSP;
                var sensed = (registers[(int)senseRegister] & (1 << local)) != 0;
                var electrodeOff = (electrodesOff & (1UL << channel)) != 0;
                var fullScale = Ads1299Scaling.FullScaleMicrovolts(gain);

                double microvolts;
                if ((setting & (byte)ChannelSetBits.PowerDown) != 0)
                {
                    microvolts = 0;
                }
                else
                {
                    microvolts = mux switch
                    {
                        Ads1299ChannelInput.Normal => ElectrodeInput(channel, time, sampleIndex, electrodeOff, sensed, acLeadOff, excitationAmps, fullScale),
                        Ads1299ChannelInput.Shorted => ShortedNoise(gain),
                        Ads1299ChannelInput.TestSignal => testSignalOn ? TestSignal(registers[(int)Ads1299Register.CONFIG2], time) : ShortedNoise(gain),
                        Ads1299ChannelInput.Temperature => TemperatureOffsetMicrovolts + (TemperatureSlopeMicrovolts * (_options.DieTemperatureCelsius - 25)),
                        Ads1299ChannelInput.Supply => local is 2 or 3 ? SupplyDigitalMicrovolts : SupplyAnalogMicrovolts,
                        _ => ShortedNoise(gain),
                    };
                }

                if (sensed && comparatorsOn && electrodeOff)
                {
                    if (electrodeOnNegative)
                    {
                        statusN |= (byte)(1 << local);
                    }
                    else
                    {
                        statusP |= (byte)(1 << local);
                    }
                }

                var counts = Ads1299Scaling.ToCounts(microvolts, gain);
                if ((railed & (1UL << channel)) != 0)
                {
                    counts = Ads1299Frame.MaximumCount;
                }
                else if ((constant & (1UL << channel)) != 0)
                {
                    counts = 0;
                }

                if (flipProbability > 0 && _noise.NextDouble() < flipProbability)
                {
                    counts = ((counts ^ (1 << _noise.Next(24))) << 8) >> 8;
                }

                Ads1299Frame.WriteSample(block.Slice(Ads1299Frame.StatusBytes + (local * Ads1299Frame.SampleBytes), Ads1299Frame.SampleBytes), counts);
            }

            var gpioNibble = (byte)(registers[(int)Ads1299Register.GPIO] >> 4);
            var status = Ads1299Frame.ComposeStatus(statusP, statusN, gpioNibble);
            if (chip == 0 && faults.TakeStatusCorruption())
            {
                status &= 0x0FFFFF; // the 1100 preamble is gone: what a host sees when it reads a shifted or torn frame
            }

            Ads1299Frame.WriteStatus(block, status);
        }
    }

    private double ElectrodeInput(int channel, double time, long sampleIndex, bool electrodeOff, bool sensed,
        bool acLeadOff, double excitationAmps, double fullScale)
    {
        if (electrodeOff)
        {
            if (sensed)
            {
                // The excitation current has nowhere to go but into the input capacitance: the input rails.
                return acLeadOff && (sampleIndex & 2) != 0 ? -fullScale : fullScale;
            }

            return (FloatingPickupMicrovolts * Math.Sin(2 * Math.PI * 50 * time)) + (200 * GaussianNoise());
        }

        var value = _electrodes[channel];
        if (sensed)
        {
            var drop = excitationAmps * _options.ElectrodeImpedanceKiloohms * 1e3 * 1e6;
            // AC excitation at fDR/4 is a square wave: two samples up, two down.
            value += acLeadOff ? ((sampleIndex & 2) == 0 ? drop : -drop) : drop;
        }

        return value;
    }

    /// <summary>Input-referred noise with shorted inputs: about 0.14 µV rms at 250 SPS and gain 24, rising with bandwidth.</summary>
    private double ShortedNoise(Ads1299Gain gain)
    {
        var rms = 0.14 * Math.Sqrt(_conversionRate / 250.0) * Math.Sqrt(24.0 / Ads1299Values.Multiplier(gain));
        return rms * GaussianNoise();
    }

    private static double TestSignal(byte config2, double time)
    {
        var amplitude = Ads1299Values.TestSignalAmplitudeVolts((config2 & (byte)Config2Bits.DoubleTestAmplitude) != 0) * 1e6;
        var calFrequency = (Ads1299TestSignalFrequency)(config2 & 0x03);
        // CAL_FREQ = 0b10 is "not used" in the datasheet; treat it as the slow setting.
        var frequency = Ads1299Values.TestSignalFrequencyHz(Enum.IsDefined(calFrequency) ? calFrequency : Ads1299TestSignalFrequency.Slow);
        if (frequency == 0)
        {
            return amplitude;
        }

        return (time * frequency) % 1.0 < 0.5 ? amplitude : -amplitude;
    }

    private double GaussianNoise() => SyntheticSignalSource.Gaussian(_noise);

    private void Log(string what)
    {
        _log?.Add(new BusEvent(Stopwatch.GetTimestamp(), what));
    }
}
