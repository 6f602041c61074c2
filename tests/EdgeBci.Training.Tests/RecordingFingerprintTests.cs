using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Bundle;

namespace EdgeBci.Training.Tests;

/// <summary>The manifest's record of a training recording: the real file's size and hash, through any symbolic links.</summary>
public class RecordingFingerprintTests
{
    [Test]
    public void A_link_to_a_recording_is_recorded_with_the_recordings_size_and_hash_under_the_links_name()
    {
        var real = SharedData.Path("eegmmidb/S001/S001R04.edf");
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-fingerprint-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            // A link to a link, as a dataset folder of links to a shared folder of links can be.
            var first = Path.Combine(folder, "inner.edf");
            File.CreateSymbolicLink(first, real);
            var link = Path.Combine(folder, "S001R04.edf");
            File.CreateSymbolicLink(link, first);

            var fingerprint = RecordingFingerprint.Of(link);

            Assert.That(new FileInfo(link).Length, Is.LessThan(1000), "the link's own length, which the manifest used to record");
            Assert.That(fingerprint.Name, Is.EqualTo("S001R04.edf"));
            Assert.That(fingerprint.Bytes, Is.EqualTo(new FileInfo(real).Length));
            Assert.That(fingerprint.Sha256, Is.EqualTo(ModelBundle.Sha256(real)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_dangling_link_is_named_with_its_target()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-fingerprint-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var link = Path.Combine(folder, "S001R04.edf");
            File.CreateSymbolicLink(link, Path.Combine(folder, "gone.edf"));

            Assert.That(() => RecordingFingerprint.Of(link), Throws.TypeOf<FileNotFoundException>()
                .With.Message.Contains("S001R04.edf").And.Message.Contains("gone.edf"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
