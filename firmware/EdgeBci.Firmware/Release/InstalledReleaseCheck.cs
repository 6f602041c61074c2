using EdgeBci.Release.Bundle;
using EdgeBci.Release.Slots;
using EdgeBci.Signing;

namespace EdgeBci.Firmware;

/// <summary>What the start-up check of the installed release found: a refusal line, or what to log.</summary>
internal sealed record InstalledReleaseVerdict(string? Refusal, string Description, bool FromSlot);

/// <summary>
/// The firmware's check of its own slot, before it touches any hardware: when it runs from an installed release
/// (<c>&lt;slot&gt;/firmware/</c> with <c>&lt;slot&gt;/manifest.txt</c> beside), the slot must carry a trusted
/// signature, every file must match the manifest, and the version must be the one the installer recorded for the slot.
/// A file changed after installing, or a slot swapped behind the installer's back, must not drive a wheelchair.
/// Outside a slot (development, <c>make run</c>, tests) there is nothing to check.
/// </summary>
internal static partial class InstalledReleaseCheck
{
    /// <summary>The folder of the unit's release state files.</summary>
    public const string StateFolderKey = "Release:StateFolder";

    public const string DefaultStateFolder = "/var/lib/edgebci/release";

    /// <summary>The slot guard's state file in the state folder.</summary>
    public const string StateFile = "state";

    private const string FirmwareFolder = "firmware";

    /// <summary>Checks the release the firmware in <paramref name="baseDirectory"/> belongs to, if it belongs to one.</summary>
    public static InstalledReleaseVerdict Run(string baseDirectory, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        ArgumentNullException.ThrowIfNull(configuration);

        // systemd starts /opt/edgebci/firmware/..., a chain of links into the slot: the slot is where they lead.
        var firmware = RealPath(Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory)));
        var slot = Path.GetDirectoryName(firmware);
        if (Path.GetFileName(firmware) != FirmwareFolder || slot is null || !File.Exists(Path.Combine(slot, ReleasePath.ManifestFile)))
        {
            return new InstalledReleaseVerdict(null, $"not running from an installed release ({firmware} has no ../{ReleasePath.ManifestFile}); the release check does not apply", FromSlot: false);
        }

        var trustFolder = configuration[TrustStore.ConfigurationKey] is { Length: > 0 } configured ? configured : TrustStore.DefaultFolder;
        var stateFolder = configuration[StateFolderKey] is { Length: > 0 } folder ? folder : DefaultStateFolder;
        try
        {
            var verified = ReleaseVerifier.VerifyFolder(slot, TrustStore.Load(trustFolder), new ReleaseVerificationOptions());
            var version = verified.Manifest.Version;
            var statePath = Path.Combine(stateFolder, StateFile);
            var slotName = Path.GetFileName(slot);
            if (KeyValueFile.ReadIfPresent(statePath) is { } state && state.TryGetValue(slotName + "_version", out var recorded) && recorded.Length > 0
                && (!ReleaseVersion.TryParse(recorded, out var expected) || expected != version))
            {
                return new InstalledReleaseVerdict(
                    $"{slot} is version {version}, but the installer verified {recorded} into slot {slotName} ({statePath}): the slot was changed behind the installer's back",
                    "refused", FromSlot: true);
            }

            return new InstalledReleaseVerdict(null, $"release {version} in {slot} verified: signed by trusted key {verified.KeyId}, {verified.Manifest.Files.Count} files match the manifest", FromSlot: true);
        }
        catch (Exception exception) when (exception is ReleaseVerificationException or SigningException or FormatException or IOException or UnauthorizedAccessException)
        {
            return new InstalledReleaseVerdict(exception.Message, "refused", FromSlot: true);
        }
    }

    /// <summary>Logs a check that passed: what was verified, or (debug) why there was nothing to verify.</summary>
    public static void Log(ILogger logger, InstalledReleaseVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.FromSlot)
        {
            LogVerified(logger, verdict.Description);
        }
        else
        {
            LogNotApplicable(logger, verdict.Description);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "release: {Description}")]
    private static partial void LogVerified(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "release: {Description}")]
    private static partial void LogNotApplicable(ILogger logger, string description);

    /// <summary>The path with every symbolic link along it resolved (realpath(3), which .NET does not offer whole).</summary>
    private static string RealPath(string path)
    {
        var root = Path.GetPathRoot(path) ?? "/";
        var resolved = root;
        var pending = new Stack<string>();
        PushComponents(pending, path[root.Length..]);
        for (var links = 0; pending.Count > 0;)
        {
            var component = pending.Pop();
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? root;
                continue;
            }

            var next = Path.Combine(resolved, component);
            var target = new FileInfo(next).LinkTarget;
            if (target is null || ++links > 40)
            {
                resolved = next;
                continue;
            }

            // A link's target is read relative to the folder holding the link; its parts are walked like the rest.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target) ?? root;
            }

            PushComponents(pending, target);
        }

        return resolved;
    }

    /// <summary>Pushes the components of <paramref name="path"/> so the first one is popped first.</summary>
    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var index = parts.Length - 1; index >= 0; index--)
        {
            pending.Push(parts[index]);
        }
    }
}
