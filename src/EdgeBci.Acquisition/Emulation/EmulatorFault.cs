using System.Globalization;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>What <see cref="EmulatorFault"/> does to the emulated chip.</summary>
public enum EmulatorFaultKind
{
    /// <summary>The electrode of a channel is detached: it floats, and lead-off detection sees it.</summary>
    ElectrodeOff,

    /// <summary>A channel is pinned at positive full scale.</summary>
    Railed,

    /// <summary>A channel reads exactly zero counts (switched off); it replaces a railed fault on that channel.</summary>
    Constant,

    /// <summary>The ID register reads another value (only the start-up identification reads it).</summary>
    WrongId,

    /// <summary>The next N frames lack the 1100 status preamble.</summary>
    CorruptStatus,

    /// <summary>Random single-bit errors on the wire with a probability per channel sample.</summary>
    BitFlips,

    /// <summary>DRDY stays high: no frame arrives.</summary>
    StuckDataReady,
}

/// <summary>
/// One fault for the emulated ADS1299, in the spelling the CLI's <c>--inject</c> and the firmware's
/// <c>Emulator:Faults</c> share: <c>electrode-off=N</c>, <c>railed=N</c>, <c>constant=N</c> (1-based channel), <c>wrong-id=0xNN</c>,
/// <c>corrupt-status=COUNT</c>, <c>bit-flips=P</c>, <c>stuck-drdy</c>.
/// </summary>
/// <param name="Kind">What the fault does.</param>
/// <param name="Channel">0-based channel for <see cref="EmulatorFaultKind.ElectrodeOff"/>, <see cref="EmulatorFaultKind.Railed"/> and <see cref="EmulatorFaultKind.Constant"/>.</param>
/// <param name="Value">The ID byte, frame count or probability of the other kinds.</param>
public readonly record struct EmulatorFault(EmulatorFaultKind Kind, int Channel = 0, double Value = 0)
{
    /// <summary>The accepted spellings, for error messages and help texts.</summary>
    public const string Usage = "electrode-off=N, railed=N, constant=N, wrong-id=0xNN, corrupt-status=COUNT, bit-flips=P or stuck-drdy";

    /// <summary>Parses one fault for a chip with <paramref name="channels"/> channels; on failure <paramref name="error"/> says what to write instead.</summary>
    public static bool TryParse(string? text, int channels, out EmulatorFault fault, out string error)
    {
        fault = default;
        error = string.Empty;
        var parts = (text ?? string.Empty).Split('=', 2);
        var name = parts[0].Trim().ToLowerInvariant();
        var value = parts.Length > 1 ? parts[1].Trim() : null;
        switch (name)
        {
            case "electrode-off":
            case "railed":
            case "constant":
                if (!int.TryParse(value, CultureInfo.InvariantCulture, out var channel) || channel < 1 || channel > channels)
                {
                    error = $"give a channel 1..{channels}, e.g. {name}=3.";
                    return false;
                }

                fault = new EmulatorFault(name switch { "railed" => EmulatorFaultKind.Railed, "constant" => EmulatorFaultKind.Constant, _ => EmulatorFaultKind.ElectrodeOff }, channel - 1);
                return true;
            case "wrong-id":
                var hex = value?.StartsWith("0x", StringComparison.OrdinalIgnoreCase) == true ? value[2..] : value;
                if (!byte.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id))
                {
                    error = "the ID must be a byte in hex, e.g. wrong-id=0x00.";
                    return false;
                }

                fault = new EmulatorFault(EmulatorFaultKind.WrongId, Value: id);
                return true;
            case "corrupt-status":
                if (!int.TryParse(value, CultureInfo.InvariantCulture, out var count) || count <= 0)
                {
                    error = "give a frame count, e.g. corrupt-status=10.";
                    return false;
                }

                fault = new EmulatorFault(EmulatorFaultKind.CorruptStatus, Value: count);
                return true;
            case "bit-flips":
                if (!double.TryParse(value, CultureInfo.InvariantCulture, out var p) || p is not (>= 0 and <= 1))
                {
                    error = "give a probability 0..1, e.g. bit-flips=0.01.";
                    return false;
                }

                fault = new EmulatorFault(EmulatorFaultKind.BitFlips, Value: p);
                return true;
            case "stuck-drdy":
                fault = new EmulatorFault(EmulatorFaultKind.StuckDataReady);
                return true;
            default:
                error = $"unknown fault '{name}'; use {Usage}.";
                return false;
        }
    }

    /// <summary>Injects the fault into the running (or not yet started) emulated chip; thread-safe.</summary>
    public void Apply(Ads1299EmulatorFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        switch (Kind)
        {
            case EmulatorFaultKind.ElectrodeOff:
                faults.SetElectrodeOff(Channel, true);
                break;
            case EmulatorFaultKind.Railed:
                faults.SetRailed(Channel, true);
                break;
            case EmulatorFaultKind.Constant:
                faults.SetConstant(Channel, true);
                break;
            case EmulatorFaultKind.WrongId:
                faults.IdOverride = (byte)Value;
                break;
            case EmulatorFaultKind.CorruptStatus:
                faults.CorruptStatusHeaders((int)Value);
                break;
            case EmulatorFaultKind.BitFlips:
                faults.BitFlipProbability = Value;
                break;
            case EmulatorFaultKind.StuckDataReady:
                faults.DataReadyStuck = true;
                break;
            default:
                throw new InvalidOperationException($"Unknown emulator fault {Kind}.");
        }
    }

    /// <summary>The fault in its configuration spelling, channels 1-based.</summary>
    public override string ToString() => Kind switch
    {
        EmulatorFaultKind.ElectrodeOff => string.Create(CultureInfo.InvariantCulture, $"electrode-off={Channel + 1}"),
        EmulatorFaultKind.Railed => string.Create(CultureInfo.InvariantCulture, $"railed={Channel + 1}"),
        EmulatorFaultKind.Constant => string.Create(CultureInfo.InvariantCulture, $"constant={Channel + 1}"),
        EmulatorFaultKind.WrongId => string.Create(CultureInfo.InvariantCulture, $"wrong-id=0x{(byte)Value:X2}"),
        EmulatorFaultKind.CorruptStatus => string.Create(CultureInfo.InvariantCulture, $"corrupt-status={(int)Value}"),
        EmulatorFaultKind.BitFlips => string.Create(CultureInfo.InvariantCulture, $"bit-flips={Value}"),
        _ => "stuck-drdy",
    };
}
