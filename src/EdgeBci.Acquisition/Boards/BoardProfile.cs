using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Boards;

/// <summary>SPI bus facts of a board (from hardware/boards/*.json).</summary>
public sealed record BoardSpi(int BusId, int ChipSelectLine, int MaxClockHz, int RecommendedClockHz);

/// <summary>Where the ADS1299 control lines are: the gpiochip is found by label, never by number.</summary>
public sealed record BoardGpio(IReadOnlyList<string> ChipLabels, int DrdyLine, int StartLine, int ResetLine, int PwdnLine);

/// <summary>A carrier board the unit can run on: Raspberry Pi 4/5, Jetson Orin Nano, or the emulator.</summary>
public sealed partial record BoardProfile(string Name, string Description, BoardSpi Spi, BoardGpio Gpio, BoardDeadman Deadman, string Notes)
{
    public const string EmulatorName = "emulator";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private static readonly Lazy<IReadOnlyDictionary<string, BoardProfile>> Embedded = new(LoadEmbedded);

    public bool IsEmulator => string.Equals(Name, EmulatorName, StringComparison.Ordinal);

    /// <summary>
    /// JSON "eStopHardwareCut" (default false): the board's e-stop opens the actuator's power in hardware, so an actuator
    /// may be driven without the firmware reading the e-stop loop (Control:EStopPin).
    /// </summary>
    public bool EStopHardwareCut { get; init; }

    public Ads1299Pins Pins => new(Gpio.DrdyLine, Gpio.StartLine, Gpio.ResetLine, Gpio.PwdnLine);

    /// <summary>Every board profile shipped with the firmware, by name.</summary>
    public static IReadOnlyDictionary<string, BoardProfile> All => Embedded.Value;

    public static BoardProfile Get(string name)
    {
        if (All.TryGetValue(name, out var profile))
        {
            return profile;
        }

        throw new ArgumentException($"Board '{name}' is unknown; allowed: {string.Join(" | ", All.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
    }

    public static BoardProfile Parse(string json, string origin)
    {
        try
        {
            var profile = JsonSerializer.Deserialize<BoardProfile>(json, JsonOptions)
                ?? throw new InvalidDataException($"Board profile {origin} is empty.");
            profile.Validate(origin, json);
            return profile;
        }
        catch (JsonException exception)
        {
            // An unknown member's message names it but carries no position: its line is looked up here.
            var unknown = UnknownMember().Match(exception.Message);
            var where = unknown.Success ? $" (line {LineOf(json, unknown.Groups["name"].Value)})" : string.Empty;
            throw new InvalidDataException($"Board profile {origin} is not valid{where}: {exception.Message}", exception);
        }
    }

    private void Validate(string origin, string json)
    {
        if (Spi.MaxClockHz <= 0 || Spi.RecommendedClockHz <= 0 || Spi.RecommendedClockHz > Spi.MaxClockHz)
        {
            throw new InvalidDataException($"Board profile {origin}: spi clocks must be positive with recommendedClockHz <= maxClockHz.");
        }

        if (Gpio.ChipLabels.Count == 0 || Gpio.DrdyLine < 0)
        {
            throw new InvalidDataException($"Board profile {origin}: gpio needs at least one chip label and a DRDY line.");
        }

        var problems = Deadman.Problems().Select(problem => $"Board profile {origin}, line {LineOf(json, "deadman", problem.Key)}: {problem.Problem}.").ToList();
        var adsLines = new[] { Gpio.DrdyLine, Gpio.StartLine, Gpio.ResetLine, Gpio.PwdnLine };
        foreach (var (key, line) in new[] { ("pulseLine", Deadman.PulseLine), ("clearLine", Deadman.ClearLine) })
        {
            if (line >= 0 && adsLines.Contains(line))
            {
                problems.Add($"Board profile {origin}, line {LineOf(json, "deadman", key)}: deadman.{key} = {line} is one of the ADS1299's lines (gpio: DRDY {Gpio.DrdyLine}, START {Gpio.StartLine}, RESET {Gpio.ResetLine}, PWDN {Gpio.PwdnLine}).");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException(string.Join(Environment.NewLine, problems));
        }
    }

    /// <summary>The 1-based line of the first member called <paramref name="key"/>.</summary>
    private static int LineOf(string json, string key)
    {
        var at = json.IndexOf($"\"{key}\"", StringComparison.Ordinal);
        return 1 + json.AsSpan(0, Math.Max(at, 0)).Count('\n');
    }

    [GeneratedRegex("The JSON property '(?<name>[^']+)' could not be mapped")]
    private static partial Regex UnknownMember();

    /// <summary>The 1-based line of <paramref name="key"/> inside the object <paramref name="section"/> (the section's own line when the key is missing).</summary>
    private static int LineOf(string json, string section, string key)
    {
        var start = json.IndexOf($"\"{section}\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return 1;
        }

        var end = json.IndexOf('}', start);
        var at = json.IndexOf($"\"{key}\"", start, (end < 0 ? json.Length : end) - start, StringComparison.Ordinal);
        return 1 + json.AsSpan(0, at < 0 ? start : at).Count('\n');
    }

    private static Dictionary<string, BoardProfile> LoadEmbedded()
    {
        var assembly = typeof(BoardProfile).Assembly;
        var profiles = new Dictionary<string, BoardProfile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("EdgeBci.Boards.", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var profile = Parse(reader.ReadToEnd(), resource);
            profiles.Add(profile.Name, profile);
        }

        return profiles;
    }
}
