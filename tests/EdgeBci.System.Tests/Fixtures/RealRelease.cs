using System.Security.Cryptography;
using System.Text;
using EdgeBci.Release.Bundle;
using EdgeBci.Signing;
using EdgeBci.SystemTests.Nspawn;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Fixtures;

/// <summary>
/// The real linux-x64 release, made the way an engineer makes one: <c>make publish RID=linux-x64 SIGN_KEY=…</c> from
/// the repository root with a throw-away key (SigningKey.Generate). It takes minutes, so it is made once and kept under
/// /var/tmp/edgebci-system-test/real-&lt;key&gt;, the key being a hash of what the publish reads: the committed content of
/// its inputs and every uncommitted change under them (tracked diff and untracked files). A changed source makes a new
/// one; a commit that changes only tests does not, so the manifest's commit may name an earlier commit with the same
/// inputs. The cache holds
/// the signed bundle, a copy of the staged folder it was packed from, and the throw-away key that signed it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class RealRelease
{
    public const string Rid = "linux-x64";
    private static readonly string[] PublishInputs =
        ["Makefile", "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig", "EdgeBci.sln", "src", "firmware", "deploy", "hardware"];

    private static readonly Lazy<Published> Made = new(Publish);

    /// <summary>The published release, made on first use.</summary>
    public static Published Get() => Made.Value;

    /// <summary>A bundle, its staged folder and the key that signed it.</summary>
    internal sealed record Published(string Bundle, string Stage, string KeyPath, ReleaseManifest Manifest)
    {
        public string PublicKeyPath => Path.ChangeExtension(KeyPath, null) + ".pub.pem";

        /// <summary>
        /// A second release from the same stage: a copy of it changed by <paramref name="change"/> (the copy's root is
        /// passed), signed with the same key as <paramref name="version"/> by ReleaseSigner and packed by ReleaseArchive
        /// into <paramref name="outputFolder"/>. Returns the bundle's path.
        /// </summary>
        public string Resign(string outputFolder, string version, Action<string> change)
        {
            var copy = Path.Combine(outputFolder, $".stage-{Guid.NewGuid():N}");
            try
            {
                HostCommand.Check("cp", ["-a", Stage, copy], TimeSpan.FromMinutes(5));
                change(copy);
                var identity = new ReleaseIdentity(ReleaseVersion.Parse(version), Manifest.Commit, Manifest.Rid, Manifest.Boards,
                    DateTimeOffset.UtcNow);
                using (var key = SigningKey.Load(KeyPath))
                {
                    ReleaseSigner.Sign(key, copy, identity);
                }

                var bundle = Path.Combine(outputFolder, FixtureBundle.NameOf(version, Manifest.Rid));
                ReleaseArchive.Pack(copy, bundle, identity.Created);
                return bundle;
            }
            finally
            {
                HostCommand.Run("rm", ["-rf", "--one-file-system", copy], TimeSpan.FromMinutes(2));
            }
        }
    }

    private static Published Publish()
    {
        var root = RepositoryRoot.Path;
        var cache = Path.Combine(DebianRootFs.CacheFolder, "real-" + CacheKey(root));
        var bundlePath = Path.Combine(cache, "bundle.tar.gz");
        var stage = Path.Combine(cache, "stage");
        var keyPath = Path.Combine(cache, "release.key");
        Directory.CreateDirectory(DebianRootFs.CacheFolder);
        using (var lockFile = DebianRootFs.WaitForLock(cache + ".lock", TimeSpan.FromMinutes(45)))
        {
            if (!File.Exists(bundlePath))
            {
                Make(root, cache, stage, keyPath, bundlePath);
            }
        }

        var manifest = ReleaseManifest.Parse(File.ReadAllText(Path.Combine(stage, ReleasePath.ManifestFile)));
        TestContext.Progress.WriteLine($"real release {manifest.Version} ({manifest.Rid}, commit {manifest.Commit}): {bundlePath}");
        return new Published(bundlePath, stage, keyPath, manifest);
    }

    private static void Make(string root, string cache, string stage, string keyPath, string bundlePath)
    {
        HostCommand.Run("rm", ["-rf", "--one-file-system", cache], TimeSpan.FromMinutes(2));
        Directory.CreateDirectory(cache);
        SigningKey.Generate(Path.ChangeExtension(keyPath, null)).Dispose();
        var log = Path.Combine(cache, "make-publish.log");
        TestContext.Progress.WriteLine($"make publish RID={Rid} (several minutes; output in {log})");
        var made = HostCommand.Run("bash", ["-c", $"cd '{root}' && make publish RID={Rid} SIGN_KEY='{keyPath}' >'{log}' 2>&1"], TimeSpan.FromMinutes(40));
        var output = File.Exists(log) ? File.ReadAllText(log) : "";
        if (made.ExitCode != 0)
        {
            throw new InvalidOperationException($"make publish RID={Rid} failed (exit {made.ExitCode}):\n{Tail(output)}\n{made}");
        }

        // make prints "bundle: artifacts/edgebci-firmware-<version>-<rid>.tar.gz" last.
        var bundleLine = output.Split('\n').LastOrDefault(l => l.StartsWith("bundle: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"make publish printed no 'bundle: ' line:\n{Tail(output)}");
        File.Copy(Path.Combine(root, bundleLine["bundle: ".Length..].Trim()), bundlePath + ".partial");
        HostCommand.Check("cp", ["-a", Path.Combine(root, "artifacts", "stage", Rid), stage], TimeSpan.FromMinutes(5));
        File.Move(bundlePath + ".partial", bundlePath);
    }

    // The committed content of the publish's inputs (their tree hashes, so a commit that changes only tests keeps the
    // cache), and every uncommitted change under them: the tracked diff and each untracked file.
    private static string CacheKey(string root)
    {
        var text = new StringBuilder();
        foreach (var input in PublishInputs)
        {
            text.Append(Git(root, $"rev-parse HEAD:{input}"));
        }

        text.Append(Git(root, "diff HEAD --binary -- " + string.Join(' ', PublishInputs)));
        var untracked = Git(root, "ls-files --others --exclude-standard -- " + string.Join(' ', PublishInputs))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in untracked)
        {
            text.Append(file).Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, file)))));
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static string Git(string root, string arguments)
    {
        var result = HostCommand.Run("bash", ["-c", $"cd '{root}' && git {arguments}"], TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"the real release's cache key needs git:\n{result}");
        }

        return result.Stdout;
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines[Math.Max(0, lines.Length - 40)..]);
    }
}
