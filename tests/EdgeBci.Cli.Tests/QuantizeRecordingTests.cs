using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>edgebci quantize</c> calibrates only on the recordings its bundle's manifest names, byte for byte: another
/// subject's runs, or a named run that differs, are refused, and the bundle stays exactly as it was.
/// </summary>
public class QuantizeRecordingTests
{
    private static readonly string ShippedBundle = Path.Combine(DataFolder.FindRepository(AppContext.BaseDirectory)!, "firmware", "EdgeBci.Firmware", "models", "s001-left-vs-right");

    private static string Eegmmidb => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S002/S002R04.edf"))!, ".."));

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.GetFiles(folder).ToDictionary(path => Path.GetFileName(path), ModelBundle.Sha256, StringComparer.Ordinal);

    /// <summary>The command's exit and output with the console's line wrapping undone, so a message reads as one line.</summary>
    private static (int Exit, string Output) Unwrapped(params string[] args)
    {
        var (exit, output) = CliRunner.Run(args);
        return (exit, System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "));
    }

    [Test]
    public void Another_subjects_recordings_are_refused_naming_them_and_the_manifests_list_and_the_bundle_is_untouched()
    {
        using var bundle = new ScratchFolder("quantize-other-subject", ShippedBundle);
        var before = Hashes(bundle.Path);

        var (exit, output) = Unwrapped(["quantize", bundle.Path, "--data", Eegmmidb, "--subject", "2"]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("S002R04.edf: not a recording this model was trained on")
            .And.Contain("names S001R04.edf, S001R08.edf, S001R12.edf").And.Contain("the data given has S002R04.edf, S002R08.edf, S002R12.edf"));
        Assert.That(Hashes(bundle.Path), Is.EqualTo(before));
    }

    [Test]
    public void A_named_recording_that_differs_is_refused_with_both_hashes_and_the_bundle_is_untouched()
    {
        using var bundle = new ScratchFolder("quantize-changed-recording", ShippedBundle);
        using var data = new ScratchFolder("quantize-changed-data");
        var subject = Directory.CreateDirectory(Path.Combine(data.Path, "S001")).FullName;
        foreach (var run in new[] { "S001R04.edf", "S001R12.edf" })
        {
            File.CreateSymbolicLink(Path.Combine(subject, run), SharedData.Path($"eegmmidb/S001/{run}"));
        }

        var changed = Path.Combine(subject, "S001R08.edf");
        File.Copy(SharedData.Path("eegmmidb/S001/S001R08.edf"), changed);
        using (var stream = File.OpenWrite(changed))
        {
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte(0x55);
        }

        var before = Hashes(bundle.Path);

        var (exit, output) = Unwrapped(["quantize", bundle.Path, "--data", data.Path]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("S001R08.edf: SHA-256").And.Contain("differs from the recording the model was trained on"));
        Assert.That(Hashes(bundle.Path), Is.EqualTo(before));
    }

    [Test]
    public void A_named_recording_that_is_missing_is_refused_naming_the_manifests_list()
    {
        using var bundle = new ScratchFolder("quantize-missing-recording", ShippedBundle);
        using var data = new ScratchFolder("quantize-missing-data");
        var subject = Directory.CreateDirectory(Path.Combine(data.Path, "S001")).FullName;
        File.CreateSymbolicLink(Path.Combine(subject, "S001R04.edf"), SharedData.Path("eegmmidb/S001/S001R04.edf"));

        var (exit, output) = Unwrapped(["quantize", bundle.Path, "--data", data.Path]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("S001R08.edf: no such recording").And.Contain("(S001R04.edf, S001R08.edf, S001R12.edf)"));
    }
}
