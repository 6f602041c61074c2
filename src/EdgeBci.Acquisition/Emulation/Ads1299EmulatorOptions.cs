namespace EdgeBci.Acquisition.Emulation;

public enum EmulatorPacing
{
    /// <summary>DRDY falls at the configured data rate by the wall clock; a late reader loses conversions, as on the chip.</summary>
    RealTime,
    /// <summary>A new conversion is ready the moment the previous one was read: replay as fast as the reader drains it.</summary>
    FreeRunning,
}

public sealed record Ads1299EmulatorOptions
{
    /// <summary>1, or 2 chips daisy-chained on one chip select.</summary>
    public int Chips { get; init; } = 1;

    /// <summary>8 (ADS1299), 6 or 4; sets the ID register and the frame length.</summary>
    public int ChannelsPerChip { get; init; } = 8;

    public EmulatorPacing Pacing { get; init; } = EmulatorPacing.RealTime;

    /// <summary>Electrode-skin impedance of every attached electrode, in kΩ.</summary>
    public double ElectrodeImpedanceKiloohms { get; init; } = 5.0;

    /// <summary>Die temperature reported through the temperature-sensor mux, in °C.</summary>
    public double DieTemperatureCelsius { get; init; } = 30.0;

    /// <summary>Seed of the chip's own noise (shorted inputs, floating electrodes).</summary>
    public int Seed { get; init; } = 1299;

    /// <summary>Keep a log of every command and pin change with its time (tests read it; off in the firmware).</summary>
    public bool RecordBusActivity { get; init; }
}

/// <summary>One thing the emulated chip saw on its pins or SPI bus.</summary>
public readonly record struct BusEvent(long Timestamp, string What);
