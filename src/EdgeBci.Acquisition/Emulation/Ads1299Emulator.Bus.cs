using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// The host's side of the chip: chip-select windows on SPI, the command decoder (RREG/WREG, RDATAC/SDATAC, START,
/// RESET ...), the register file's reset and write masks, and the START, RESET and PWDN pins.
/// </summary>
public sealed partial class Ads1299Emulator
{
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

    private enum DecoderState
    {
        Opcode,
        RegisterCount,
        RegisterData,
        Ignoring,
    }
}
