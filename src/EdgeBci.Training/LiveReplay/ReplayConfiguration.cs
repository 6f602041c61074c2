using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Control;
using EdgeBci.Decoding;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// The unit's configuration as the live replay needs it (the chip, the signal chain, the decoder, the supervisor),
/// bound strictly from the firmware's appsettings.json like the firmware binds it: an unknown key is an error naming it.
/// The Control keys that belong to the firmware host (auto-arm, console, command socket, thread priority, the emulated
/// deadman circuit) mean nothing to a replay and are skipped. As on the unit, Control:HopMs comes from
/// Decoding:HopSeconds and Control:DecisionMaxAgeMs is raised to HopMs + the decoder's margin unless set, and the
/// model's channels are the required ones unless Control:RequiredChannels names others.
/// </summary>
public sealed record ReplayConfiguration(Ads1299Options Ads1299, SignalOptions Signal, DecodingOptions Decoding, ControlOptions Control)
{
    private static readonly string[] FirmwareHostKeys = ["AutoArmOnEmulator", "ConsoleCommands", "CommandSocket", "RealTimePriority", "BoardWatchdogFile"];

    /// <summary>Binds <paramref name="configuration"/> and fits the supervisor's derived keys to <paramref name="manifest"/>.</summary>
    /// <exception cref="ArgumentException">A key is unknown or invalid (named).</exception>
    public static ReplayConfiguration Bind(IConfiguration configuration, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(manifest);
        var ads1299 = AcquisitionSettings.Bind(configuration).Ads1299;
        var signal = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
        var decoding = AcquisitionSettings.BindSection<DecodingOptions>(configuration, DecodingOptions.Section);
        var controlSection = SupervisorKeys(configuration.GetSection(ControlOptions.Section));
        var control = AcquisitionSettings.BindSection<ControlOptions>(controlSection, ControlOptions.Section);
        var configured = controlSection.GetSection(ControlOptions.Section);
        var problems = new List<string>(decoding.Validate());
        problems.AddRange(signal.Validate(ads1299.SampleRate));

        var sources = ControlOptionSources.Configured;
        if (!configured.GetSection(nameof(ControlOptions.HopMs)).Exists())
        {
            control.HopMs = (int)Math.Ceiling(decoding.HopSeconds * 1000);
            sources = sources with { Hop = string.Create(CultureInfo.InvariantCulture, $"derived from {DecodingOptions.Section}:HopSeconds = {decoding.HopSeconds}") };
        }

        if (!configured.GetSection(nameof(ControlOptions.DecisionMaxAgeMs)).Exists() && control.DecisionMaxAgeMs < control.HopMs + ControlOptions.DecisionMaxAgeMarginMs)
        {
            control.DecisionMaxAgeMs = control.HopMs + ControlOptions.DecisionMaxAgeMarginMs;
            sources = sources with { DecisionMaxAgeRaised = true };
        }

        if (control.RequiredChannels.Length == 0)
        {
            control.RequiredChannels = [.. manifest.Channels];
        }

        problems.AddRange(control.Validate(sources));
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        return new ReplayConfiguration(ads1299, signal, decoding, control);
    }

    /// <summary>Reads a JSON configuration file (the firmware's appsettings.json); a missing or malformed file is named.</summary>
    public static IConfiguration ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{path}: no such configuration file.");
        }

        try
        {
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException exception)
        {
            throw new ArgumentException($"{path}: not a JSON configuration file: {exception.Message}", exception);
        }
    }

    private static IConfiguration SupervisorKeys(IConfigurationSection section)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var prefix = section.Path + ConfigurationPath.KeyDelimiter;
        foreach (var (key, value) in section.AsEnumerable())
        {
            if (!key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var top = key[prefix.Length..].Split(ConfigurationPath.KeyDelimiter)[0];
            if (Array.Exists(FirmwareHostKeys, name => string.Equals(name, top, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            keys[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(keys).Build();
    }
}
