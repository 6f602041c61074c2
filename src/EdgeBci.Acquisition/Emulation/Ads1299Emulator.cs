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
public sealed class Ads1299Emulator
{
    private const double SupplyAnalogMicrovolts = 2_500_000; // (AVDD - AVSS) / 2 with a 5 V analog supply
    private const double SupplyDigitalMicrovolts = 825_000;  // DVDD / 4 with a 3.3 V digital supply
    private const double TemperatureOffsetMicrovolts = 145_300;
    private const double TemperatureSlopeMicrovolts = 490;
    private const double FloatingPickupMicrovolts = 20_000;  // a detached electrode picks up mains

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

    /// <summary>One chip-select window: full duplex, one MISO byte per MOSI byte.</summary>
    internal void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso, int clockHz)
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            _outputLength = 0;
            _outputPosition = 0;
            _state = DecoderState.Opcode;
            var ready = _powered && !_resetHeld && now - _poweredSince >= _powerOnTicks;
            if (ready && _continuous)
            {
                // In RDATAC the output register shifts out whenever SCLK runs: the newest conversion, or the
                // previous one again if nothing new has converted.
                Advance(now);
                LatchFrame();
            }

            var fastClock = clockHz > Ads1299Timing.MaximumCommandClockHz;
            for (var i = 0; i < mosi.Length; i++)
            {
                if (!miso.IsEmpty)
                {
                    miso[i] = _outputPosition < _outputLength ? _output[_outputPosition++] : (byte)0;
                }

                if (!ready || now < _busyUntil)
                {
                    if (mosi[i] != 0)
                    {
                        IgnoredCommands++;
                    }

                    continue;
                }

                Decode(mosi[i], fastClock, now);
            }
        }
    }

    internal void SetStartPin(bool high)
    {
        lock (_gate)
        {
            Log($"START pin {(high ? "high" : "low")}");
            _startPin = high;
            UpdateConverting(Stopwatch.GetTimestamp());
        }
    }

    internal void SetResetPin(bool high)
    {
        lock (_gate)
        {
            Log($"RESET pin {(high ? "high" : "low")}");
            if (!high)
            {
                _resetHeld = true;
                return;
            }

            if (_resetHeld)
            {
                _resetHeld = false;
                ResetDigitalCore(Stopwatch.GetTimestamp());
            }
        }
    }

    internal void SetPowerDownPin(bool high)
    {
        lock (_gate)
        {
            Log($"PWDN pin {(high ? "high" : "low")}");
            if (!high)
            {
                _powered = false;
                _converting = false;
                return;
            }

            if (!_powered)
            {
                _powered = true;
                _poweredSince = Stopwatch.GetTimestamp();
                ResetDigitalCore(_poweredSince);
            }
        }
    }

    /// <summary>DRDY level: low while a conversion waits to be read.</summary>
    internal bool DataReadyLow()
    {
        lock (_gate)
        {
            if (Faults.DataReadyStuck)
            {
                return false;
            }

            Advance(Stopwatch.GetTimestamp());
            return _converting && _produced > _read;
        }
    }

    /// <summary>
    /// Blocks until DRDY falls (a conversion is ready and not yet read) or the token is cancelled.
    /// Returns false on cancellation.
    /// </summary>
    internal bool WaitForDataReady(CancellationToken cancellationToken)
    {
        while (true)
        {
            long waitTicks;
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (!Faults.DataReadyStuck && _converting)
                {
                    if (_options.Pacing == EmulatorPacing.FreeRunning && _produced <= _read)
                    {
                        _produced = _read + 1;
                    }

                    Advance(now);
                    if (_produced > _read)
                    {
                        return true;
                    }

                    waitTicks = _conversionEpoch + (long)((_produced + 1) * Stopwatch.Frequency / _conversionRate) - now;
                }
                else
                {
                    waitTicks = Stopwatch.Frequency / 1000;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            PauseFor(waitTicks, cancellationToken);
        }
    }

    /// <summary>Ticks until the next conversion, or -1 when none is coming (stopped, stuck, powered down).</summary>
    internal long TicksUntilNextConversion()
    {
        lock (_gate)
        {
            if (!_converting || Faults.DataReadyStuck)
            {
                return -1;
            }

            var now = Stopwatch.GetTimestamp();
            Advance(now);
            return Math.Max(0, _conversionEpoch + (long)((_produced + 1) * Stopwatch.Frequency / _conversionRate) - now);
        }
    }

    private static void PauseFor(long ticks, CancellationToken cancellationToken)
    {
        // Long waits stay cancellable (a stalled DRDY must time out); short ones need microsecond precision.
        var twoMilliseconds = Stopwatch.Frequency / 500;
        if (ticks > twoMilliseconds)
        {
            cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)(ticks - (twoMilliseconds / 2)) / Stopwatch.Frequency));
            return;
        }

        PreciseSleep.Until(Stopwatch.GetTimestamp() + ticks, cancellationToken);
    }

    private void Decode(byte value, bool fastClock, long now)
    {
        switch (_state)
        {
            case DecoderState.Opcode:
                DecodeOpcode(value, now);
                break;
            case DecoderState.RegisterCount:
                if (fastClock)
                {
                    DecodeTimingViolations++;
                    _state = DecoderState.Ignoring;
                    return;
                }

                _commandRemaining = (value & 0x1F) + 1;
                if (_pendingRead)
                {
                    EmitRegisters();
                    _state = DecoderState.Opcode;
                }
                else
                {
                    _state = DecoderState.RegisterData;
                }

                break;
            case DecoderState.RegisterData:
                if (fastClock)
                {
                    DecodeTimingViolations++;
                    _state = DecoderState.Ignoring;
                    return;
                }

                WriteRegisterFromBus(_commandAddress++, value);
                if (--_commandRemaining == 0)
                {
                    _state = DecoderState.Opcode;
                }

                break;
            case DecoderState.Ignoring:
                break;
        }
    }

    private void DecodeOpcode(byte opcode, long now)
    {
        if (opcode == 0)
        {
            return; // NOP: DIN idles low while the host clocks data out
        }

        var group = opcode & 0xE0;
        if (group is (byte)Ads1299Command.RREG or (byte)Ads1299Command.WREG)
        {
            if (_continuous)
            {
                Log($"ignored {(group == (byte)Ads1299Command.RREG ? "RREG" : "WREG")} in RDATAC");
                IgnoredCommands++;
                _state = DecoderState.Ignoring;
                return;
            }

            _pendingRead = group == (byte)Ads1299Command.RREG;
            _commandAddress = opcode & 0x1F;
            _state = DecoderState.RegisterCount;
            Log($"{(_pendingRead ? "RREG" : "WREG")} 0x{_commandAddress:X2}");
            return;
        }

        switch ((Ads1299Command)opcode)
        {
            case Ads1299Command.WAKEUP:
                Log("WAKEUP");
                _standby = false;
                UpdateConverting(now);
                break;
            case Ads1299Command.STANDBY:
                Log("STANDBY");
                _standby = true;
                UpdateConverting(now);
                break;
            case Ads1299Command.RESET:
                Log("RESET");
                ResetDigitalCore(now);
                break;
            case Ads1299Command.START:
                Log("START");
                _startCommand = true;
                UpdateConverting(now, restart: true);
                break;
            case Ads1299Command.STOP:
                Log("STOP");
                _startCommand = false;
                UpdateConverting(now);
                break;
            case Ads1299Command.RDATAC:
                Log("RDATAC");
                _continuous = true;
                break;
            case Ads1299Command.SDATAC:
                Log("SDATAC");
                _continuous = false;
                break;
            case Ads1299Command.RDATA when !_continuous:
                Log("RDATA");
                Advance(now);
                LatchFrame();
                break;
            default:
                Log($"ignored opcode 0x{opcode:X2}");
                IgnoredCommands++;
                break;
        }
    }

    private void EmitRegisters()
    {
        // In a daisy chain the host hears the first chip's DOUT: register reads come from chip 0.
        var idOverride = Faults.IdOverride;
        var count = Math.Min(_commandRemaining, _registerOutput.Length);
        for (var i = 0; i < count; i++)
        {
            var address = _commandAddress + i;
            byte value = 0;
            if (address < Ads1299RegisterMap.RegisterCount)
            {
                value = address == (int)Ads1299Register.ID && idOverride is { } id ? id : _registers[0][address];
            }

            _registerOutput[i] = value;
        }

        _output = _registerOutput;
        _outputLength = count;
        _outputPosition = 0;
    }

    private void WriteRegisterFromBus(int address, byte value)
    {
        if (address >= Ads1299RegisterMap.RegisterCount)
        {
            IgnoredCommands++;
            return;
        }

        var mask = Ads1299RegisterMap.WritableMasks[address];
        foreach (var chip in _registers)
        {
            chip[address] = (byte)((chip[address] & ~mask) | (value & mask));
        }
    }

    private void ResetDigitalCore(long now)
    {
        Log("digital core reset");
        ResetRegisters();
        _continuous = true;
        _startCommand = false;
        _standby = false;
        _busyUntil = now + _resetBusyTicks;
        UpdateConverting(now, restart: true);
    }

    private void ResetRegisters()
    {
        var id = (byte)((Ads1299RegisterMap.ResetValues[0] & 0xFC) | _options.ChannelsPerChip switch
        {
            4 => 0b00,
            6 => 0b01,
            _ => 0b10,
        });
        foreach (var chip in _registers)
        {
            Ads1299RegisterMap.ResetValues.CopyTo(chip);
            chip[(int)Ads1299Register.ID] = id;
        }
    }

    private void UpdateConverting(long now, bool restart = false)
    {
        var converting = _powered && !_standby && (_startPin || _startCommand);
        if (converting && (!_converting || restart))
        {
            var dataRate = (Ads1299DataRate)(_registers[0][(int)Ads1299Register.CONFIG1] & 0x07);
            // DR = 0b111 is reserved; the silicon's behaviour is undefined, the emulator keeps 250 SPS.
            _conversionRate = Enum.IsDefined(dataRate) ? Ads1299Values.SamplesPerSecond(dataRate) : 250;
            _conversionEpoch = now;
            _produced = 0;
            _read = 0;
            _latched = -1;
        }

        _converting = converting;
    }

    /// <summary>In real-time pacing, conversions complete every 1/rate seconds after START.</summary>
    private void Advance(long now)
    {
        if (!_converting || _options.Pacing != EmulatorPacing.RealTime)
        {
            return;
        }

        var completed = (long)((now - _conversionEpoch) * _conversionRate / Stopwatch.Frequency);
        if (completed > _produced)
        {
            _produced = completed;
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

    private enum DecoderState
    {
        Opcode,
        RegisterCount,
        RegisterData,
        Ignoring,
    }
}
