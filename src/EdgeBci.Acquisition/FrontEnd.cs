using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.Spi;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition;

/// <summary>
/// The ADS1299 as the rest of the unit gets it: the board profile resolved, SPI and GPIO opened (real ones, or the
/// emulator's), the driver powered up, identified and configured. The firmware, the CLI and the tests all start here.
/// </summary>
public sealed class FrontEnd : IDisposable
{
    /// <summary>SPI traffic may use at most this share of the clock: the rest is DRDY latency and scheduling slack.</summary>
    private const double MaximumBusLoad = 0.6;

    internal FrontEnd(BoardProfile board, Ads1299Device device, Ads1299Configuration configuration, Ads1299Options options, Ads1299Emulator? emulator)
    {
        Board = board;
        Device = device;
        Configuration = configuration;
        Options = options;
        Emulator = emulator;
    }

    public BoardProfile Board { get; }

    public Ads1299Device Device { get; }

    /// <summary>The streaming configuration from <see cref="Options"/>; diagnostics may apply others temporarily.</summary>
    public Ads1299Configuration Configuration { get; }

    public Ads1299Options Options { get; }

    /// <summary>The emulated chip when <see cref="Board"/> is the emulator (fault injection lives here).</summary>
    public Ads1299Emulator? Emulator { get; }

    public IReadOnlyList<string> ChannelNames => Options.Channels;

    public int SampleRate => Options.SampleRate;

    /// <summary>False only for an emulator paced by its reader: then DRDY timing says nothing about lost samples.</summary>
    public bool DataReadyKeepsTime => Emulator?.IsRealTime ?? true;

    /// <summary>
    /// Opens the front-end. Configuration problems are collected first and thrown together as an
    /// <see cref="ArgumentException"/> whose message names every bad key.
    /// </summary>
    /// <param name="boardName">emulator | rpi4 | rpi5 | jetson-orin-nano.</param>
    /// <param name="contentRoot">Where relative recording paths are resolved.</param>
    public static FrontEnd Open(string boardName, Ads1299Options options, EmulatorOptions emulatorOptions, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(emulatorOptions);
        if (!BoardProfile.All.TryGetValue(boardName ?? string.Empty, out var board))
        {
            throw new ArgumentException($"Board = '{boardName}' is not allowed; use one of {string.Join(" | ", BoardProfile.All.Keys.Order(StringComparer.Ordinal))}.");
        }

        var errors = new List<string>(options.Validate(board.Spi.MaxClockHz));
        if (board.IsEmulator)
        {
            errors.AddRange(emulatorOptions.Validate(options.Channels.Length));
        }

        var clock = options.SpiClockHz == 0 ? board.Spi.RecommendedClockHz : options.SpiClockHz;
        if (errors.Count == 0)
        {
            var frameBits = Ads1299Frame.LengthFor(options.ChipCount) * 8.0;
            var needed = frameBits * options.SampleRate / MaximumBusLoad;
            if (clock < needed)
            {
                errors.Add($"{Ads1299Options.Section}:SpiClockHz = {clock} cannot carry {options.SampleRate} SPS of {frameBits / 8} -byte frames; set at least {Math.Ceiling(needed / 1e6)} MHz (board maximum {board.Spi.MaxClockHz} Hz) or lower {Ads1299Options.Section}:SampleRate.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }

        var configuration = options.ToConfiguration();
        var dataSettings = new SpiConnectionSettings(board.Spi.BusId, board.Spi.ChipSelectLine) { Mode = SpiMode.Mode1, ClockFrequency = clock };
        var commandSettings = clock > Ads1299Timing.MaximumCommandClockHz
            ? new SpiConnectionSettings(board.Spi.BusId, board.Spi.ChipSelectLine) { Mode = SpiMode.Mode1, ClockFrequency = Math.Min(board.Spi.RecommendedClockHz, Ads1299Timing.MaximumCommandClockHz) }
            : null;

        if (board.IsEmulator)
        {
            var source = EmulatorSourceFactory.Create(options, emulatorOptions, contentRoot);
            var emulator = new Ads1299Emulator(source, new Ads1299EmulatorOptions
            {
                Chips = options.ChipCount,
                Pacing = Enum.Parse<EmulatorPacing>(emulatorOptions.Pacing, ignoreCase: true),
                ElectrodeImpedanceKiloohms = emulatorOptions.ElectrodeImpedanceKiloohms,
            });
            var device = new Ads1299Device(
                new Ads1299EmulatorSpiDevice(emulator, dataSettings),
                new GpioController(new Ads1299EmulatorGpioDriver(emulator, board.Pins)),
                board.Pins,
                options.ChipCount,
                commandSettings is null ? null : new Ads1299EmulatorSpiDevice(emulator, commandSettings));
            return new FrontEnd(board, device, configuration, options, emulator);
        }

        var gpio = new GpioController(new LibGpiodDriver(FindGpioChip(board)));
        var dataSpi = SpiDevice.Create(dataSettings);
        var commandSpi = commandSettings is null ? null : SpiDevice.Create(commandSettings);
        return new FrontEnd(board, new Ads1299Device(dataSpi, gpio, board.Pins, options.ChipCount, commandSpi), configuration, options, null);
    }

    /// <summary>Power-up, ID check and register configuration with read-back. Throws <see cref="Ads1299Exception"/> on any mismatch.</summary>
    public Ads1299Identity Initialize()
    {
        Device.PowerUp();
        var identity = Device.ReadIdentity();
        Device.Configure(Configuration with { ChannelsPerChip = identity.ChannelCount });
        Identity = identity;
        return identity;
    }

    /// <summary>The chip's identity once <see cref="Initialize"/> has succeeded.</summary>
    public Ads1299Identity? Identity { get; private set; }

    public void Dispose() => Device.Dispose();

    /// <summary>
    /// A second controller on the board's own gpiochip (the one carrying the ADS1299's lines), for the unit's other
    /// inputs and outputs (e-stop loop, arm button). The caller owns it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The board is the emulator: it has no GPIO lines.</exception>
    public GpioController OpenBoardGpio() => OpenBoardGpio(Board);

    /// <summary>A controller on <paramref name="board"/>'s own gpiochip without opening the front-end (the deadman's lines after the firmware stopped).</summary>
    /// <exception cref="InvalidOperationException">The board is the emulator: it has no GPIO lines.</exception>
    /// <exception cref="IOException">libgpiod is missing or no gpiochip carries the board's label.</exception>
    public static GpioController OpenBoardGpio(BoardProfile board)
    {
        ArgumentNullException.ThrowIfNull(board);
        return board.IsEmulator
            ? throw new InvalidOperationException("The emulator board has no GPIO lines of its own.")
            : new GpioController(new LibGpiodDriver(FindGpioChip(board)));
    }

    private static int FindGpioChip(BoardProfile board)
    {
        IList<GpioChipInfo> chips;
        try
        {
            chips = LibGpiodDriver.GetAvailableChips();
        }
        catch (DllNotFoundException exception)
        {
            throw new IOException(
                $"Board {board.Name}: libgpiod is not installed, so the DRDY/START/RESET/PWDN lines cannot be opened (Debian/Raspberry Pi OS: sudo apt install libgpiod2; see hardware/README.md).",
                exception);
        }

        foreach (var label in board.Gpio.ChipLabels)
        {
            foreach (var chip in chips)
            {
                if (string.Equals(chip.Label, label, StringComparison.Ordinal))
                {
                    return chip.Id;
                }
            }
        }

        var present = new List<string>();
        foreach (var chip in chips)
        {
            present.Add($"{chip.Name} '{chip.Label}'");
        }

        throw new Ads1299Exception(
            $"Board {board.Name}: no gpiochip labelled {string.Join(" or ", board.Gpio.ChipLabels)}; present: {(present.Count == 0 ? "none (is libgpiod installed and /dev/gpiochip* readable?)" : string.Join(", ", present))}.");
    }
}
