using System.Text;
using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>
/// The host folder the guest mounts at /mnt/proof: what a unit receives (bundle, deploy/ with install.sh, the trust
/// key provisioned at the factory), the recording to replay, the guest script <c>proof.sh</c> with its
/// <c>proof.env</c>, and <c>results/</c>, which the guest fills and the host reads after power-off.
/// </summary>
internal sealed class ProofShare
{
    private ProofShare(string folder) => Folder = folder;

    public string Folder { get; }

    public string Results => Path.Combine(Folder, "results");

    /// <summary>The recording as the guest sees it, also the host's input to the same filter (same bytes, same time stamp).</summary>
    public string Recording { get; private init; } = "";

    public static ProofShare Create(string path, PublishedRelease release, string recording, string model, string board)
    {
        Directory.CreateDirectory(path);
        foreach (var folder in new[] { "bundle", "deploy", "trust", "data", "results" })
        {
            Directory.CreateDirectory(Path.Combine(path, folder));
        }

        var bundle = $"bundle/{Path.GetFileName(release.Bundle)}";
        File.Copy(release.Bundle, Path.Combine(path, bundle));
        // The repository's deploy/ files at the commit the bundle was built from: install.sh, the unit, the rules.
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "deploy")))
        {
            File.Copy(file, Path.Combine(path, "deploy", Path.GetFileName(file)));
        }

        File.Copy(release.TrustedKey, Path.Combine(path, "trust", Path.GetFileName(release.TrustedKey)));
        var data = $"data/{Path.GetFileName(recording)}";
        var copy = Path.Combine(path, data);
        File.Copy(recording, copy);
        // The filter's output header carries the input's modification time: both machines must see the same one.
        File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(recording));
        File.Copy(RepositoryRoot.File("tests/system/arm64/proof.sh"), Path.Combine(path, "proof.sh"));
        File.WriteAllText(Path.Combine(path, "proof.env"),
            $"BUNDLE={bundle}\nMODEL={model}\nRECORDING={data}\nBOARD={board}\n");
        return new ProofShare(path) { Recording = copy };
    }

    /// <summary>The guest's <c>results/results.txt</c>; empty when the guest never wrote it (the failure message shows why).</summary>
    public IReadOnlyDictionary<string, string> ReadResults() =>
        KeyValueFile.ReadIfPresent(Path.Combine(Results, "results.txt")) ?? new Dictionary<string, string>();

    /// <summary>Every result file's tail, for a failure message.</summary>
    public string DescribeResults()
    {
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(Results, "*.*"))
        {
            if (file.EndsWith(".bdf", StringComparison.Ordinal))
            {
                continue;
            }

            text.Append("--- ").Append(file).Append('\n').Append(HostCommand.Tail(File.ReadAllText(file), 25));
        }

        return text.Length > 0 ? text.ToString() : $"(the guest wrote nothing into {Results})";
    }
}
