using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding;
using EdgeBci.Signing;
using EdgeBci.Training.Gate;
using EdgeBci.Training.Transfer;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Cli.Camp;

/// <summary>What calibrate does after the session: which base model it adapts, where a passed model is installed.</summary>
/// <param name="Base">The base model, loaded and verified.</param>
/// <param name="InstallPath">Where a passed model goes (the firmware's Decoding:ModelPath); null with --no-install.</param>
/// <param name="Unit">The unit's configuration (Signal, Decoding, Control) the model and its live replay are judged under.</param>
/// <param name="Signer">The trainer's key the installed model is signed with (--sign-key); null installs it unsigned (the emulator only).</param>
internal sealed record CalibrationPlan(BaseModel Base, string? InstallPath, IConfiguration Unit, string ModelVersion, GateOptions Gate, SigningKey? Signer);

/// <summary><c>edgebci calibrate</c>'s options for the steps after the session.</summary>
internal sealed class CalibrationCliOptions
{
    /// <summary>The shipped base model, beside the tool.</summary>
    public const string DefaultBase = "models/base-rest-left-right";

    public Option<DirectoryInfo?> Base { get; } = new("--base") { Description = $"The base model bundle to adapt (default {DefaultBase} beside the tool)." };

    public Option<DirectoryInfo?> Install { get; } = new("--install")
    {
        Description = "Where a model that passes the gate is installed (default the configuration's Decoding:ModelPath; the firmware takes it up once disarmed).",
    };

    public Option<bool> NoInstall { get; } = new("--no-install") { Description = "Judge the model but install nothing, whatever the verdict." };

    public Option<bool> SessionOnly { get; } = new("--session-only") { Description = "Record the session only: no training, no gate." };

    public Option<string?> ModelVersion { get; } = new("--model-version") { Description = "Version of the wearer's model (default the UTC date and time, yyyy.MM.dd.HHmmss)." };

    /// <summary>Needed to install on a real board, whose firmware loads only signed models.</summary>
    public Option<FileInfo?> SignKey { get; } = ModelSigningOptions.SignKey();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Base, Install, NoInstall, SessionOnly, ModelVersion, SignKey })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The plan, or null with --session-only.</summary>
    /// <exception cref="ArgumentException">
    /// The base model is missing or fails its checks, the install target is unusable (named), or the model would be
    /// installed on a real board without --sign-key (its firmware would refuse it after the wearer's session).
    /// </exception>
    public CalibrationPlan? Resolve(ParseResult parse, DeviceOptions device)
    {
        if (parse.GetValue(SessionOnly))
        {
            return null;
        }

        var baseFolder = parse.GetValue(Base)?.FullName ?? Path.Combine(AppContext.BaseDirectory, DefaultBase);
        var baseModel = BaseModel.Load(baseFolder);
        var unit = device.Configuration(parse);
        string? install = null;
        if (!parse.GetValue(NoInstall))
        {
            var configured = unit[$"{DecodingOptions.Section}:ModelPath"];
            install = parse.GetValue(Install)?.FullName
                ?? (string.IsNullOrWhiteSpace(configured)
                    ? throw new ArgumentException($"--install is needed: the configuration's {DecodingOptions.Section}:ModelPath is empty, so there is nowhere the firmware would load the wearer's model from.")
                    : Path.GetFullPath(configured, AppContext.BaseDirectory));
        }

        var version = parse.GetValue(ModelVersion) ?? DateTimeOffset.UtcNow.ToString("yyyy.MM.dd.HHmmss", CultureInfo.InvariantCulture);
        foreach (var character in version)
        {
            // The version names the model's folder among the wearer's bundles.
            if (!(char.IsAsciiLetterOrDigit(character) || character is '.' or '-' or '_'))
            {
                throw new ArgumentException($"--model-version '{version}': '{character}' is not allowed; use letters, digits, '.', '-' and '_'.");
            }
        }

        // Last: nothing after it throws, so a key read is always handed to the plan (and disposed with it).
        var signer = install is null ? null : Signer(parse, AcquisitionSettings.Bind(unit).Board, install);
        return new CalibrationPlan(baseModel, install, unit, version, new GateOptions(), signer);
    }

    private SigningKey? Signer(ParseResult parse, string board, string install)
    {
        var signer = ModelSigningOptions.LoadKey(parse.GetValue(SignKey), "--sign-key");
        return signer is not null || board == BoardProfile.EmulatorName
            ? signer
            : throw new ArgumentException(
                $"--sign-key is needed: the model would be installed in {install} on Board = {board}, whose firmware loads only models signed by a trusted key; give the trainer's key, or --no-install.");
    }
}
