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
    /// <summary>
    /// Checks the release the firmware in <paramref name="baseDirectory"/> belongs to, if it belongs to one, against the
    /// keys in <paramref name="trustFolder"/> and the versions the installer recorded in <paramref name="stateFolder"/>.
    /// </summary>
    public static InstalledReleaseVerdict Run(string baseDirectory, string trustFolder, string stateFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(trustFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(stateFolder);
        try
        {
            // systemd starts /opt/edgebci/firmware/..., a chain of links into the slot: the slot is where they lead.
            if (RunningSlot.Find(baseDirectory) is not { } slot)
            {
                return new InstalledReleaseVerdict(null, $"not running from an installed release ({baseDirectory} is not <slot>/firmware beside a {ReleasePath.ManifestFile}); the release check does not apply", FromSlot: false);
            }

            var verified = ReleaseVerifier.VerifyFolder(slot.Folder, TrustStore.Load(trustFolder),
                new ReleaseVerificationOptions { InstallerLinks = ReleaseVerificationOptions.InstalledSlotLinks });
            var version = verified.Manifest.Version;
            var statePath = Path.Combine(stateFolder, ReleaseFiles.State);
            if (KeyValueFile.ReadIfPresent(statePath) is { } state && state.TryGetValue(slot.Name + "_version", out var recorded) && recorded.Length > 0
                && (!ReleaseVersion.TryParse(recorded, out var expected) || expected != version))
            {
                return new InstalledReleaseVerdict(
                    $"{slot.Folder} is version {version}, but the installer verified {recorded} into slot {slot.Name} ({statePath}): the slot was changed behind the installer's back",
                    "refused", FromSlot: true);
            }

            return new InstalledReleaseVerdict(null, $"release {version} in {slot.Folder} verified: signed by trusted key {verified.KeyId}, {verified.Manifest.Files.Count} files match the manifest", FromSlot: true);
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
}
