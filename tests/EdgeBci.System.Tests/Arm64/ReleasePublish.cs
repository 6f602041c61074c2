using System.Xml.Linq;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>A published release bundle and the public key a unit must trust to install it.</summary>
internal sealed record PublishedRelease(string Bundle, string Version, string TrustedKey);

/// <summary>
/// <c>make publish RID=&lt;rid&gt; SIGN_KEY=&lt;key&gt;</c> from the repository, as a release is made, signed with a
/// throw-away key generated for this run; the key's public half is what the test provisions into the unit's trust folder.
/// </summary>
internal static class ReleasePublish
{
    public static async Task<PublishedRelease> RunAsync(string rid, string keyFolder, string logPath, TimeSpan timeout)
    {
        using var key = SigningKey.Generate(Path.Combine(keyFolder, "system-test-release"));
        var privateKey = Path.Combine(keyFolder, "system-test-release" + SigningKey.PrivateKeyExtension);
        var publicKey = Path.Combine(keyFolder, "system-test-release" + TrustedKey.PublicKeyExtension);
        var version = ProjectVersion();
        var bundle = Path.Combine(RepositoryRoot.Path, "artifacts", $"edgebci-firmware-{version}-{rid}.tar.gz");
        var started = DateTime.UtcNow;
        await HostCommand.RunAsync("make", ["publish", $"RID={rid}", $"SIGN_KEY={privateKey}"], logPath, timeout, RepositoryRoot.Path);
        if (!File.Exists(bundle) || File.GetLastWriteTimeUtc(bundle) < started.AddSeconds(-2))
        {
            throw new FileNotFoundException($"make publish RID={rid} did not write {bundle} (log {logPath}).", bundle);
        }

        return new PublishedRelease(bundle, version, publicKey);
    }

    /// <summary>The release version, from <c>&lt;Version&gt;</c> in Directory.Build.props (what make publish names the bundle by).</summary>
    private static string ProjectVersion()
    {
        var props = RepositoryRoot.File("Directory.Build.props");
        var version = XDocument.Load(props).Descendants("Version").FirstOrDefault()?.Value.Trim();
        return string.IsNullOrEmpty(version) ? throw new InvalidDataException($"{props}: no <Version>.") : version;
    }
}
