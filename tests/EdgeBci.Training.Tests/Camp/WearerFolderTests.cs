using EdgeBci.Training.Camp;

namespace EdgeBci.Training.Tests.Camp;

/// <summary>The wearer's folder: a checked id, private folders, sessions listed and never overwritten.</summary>
public class WearerFolderTests
{
    [TestCase("")]
    [TestCase("Alice")]
    [TestCase("../etc")]
    [TestCase("a b")]
    [TestCase("this-id-is-far-too-long-to-be-a-folder-name-on-the-unit-0123456789")]
    public void A_bad_wearer_id_is_refused_naming_it(string id)
    {
        using var root = CampTestData.Temporary();

        var error = Assert.Throws<ArgumentException>(() => WearerFolder.Open(root.Path, id))!;

        Assert.That(error.Message, Does.StartWith($"--wearer '{id}': "));
        Assert.That(Directory.Exists(Path.Combine(root.Path, "wearers")), Is.False, "nothing is created for a refused id");
    }

    [Test]
    public void A_session_is_listed_in_wearer_json_and_never_overwritten()
    {
        using var root = CampTestData.Temporary();
        var folder = WearerFolder.Open(root.Path, "wearer_07");
        var start = new DateTime(2026, 12, 6, 10, 30, 15, DateTimeKind.Utc);

        var session = folder.CreateSession(start);
        File.WriteAllText(Path.Combine(session, WearerFolder.RecordingFileName), "first");
        var error = Assert.Throws<IOException>(() => folder.CreateSession(start))!;

        Assert.That(session, Is.EqualTo(Path.Combine(root.Path, "wearers", "wearer_07", "sessions", "20261206T103015Z")));
        Assert.That(error.Message, Does.Contain("20261206T103015Z").And.Contain("never overwritten"));
        Assert.That(File.ReadAllText(Path.Combine(session, WearerFolder.RecordingFileName)), Is.EqualTo("first"));
        Assert.That(WearerFolder.Open(root.Path, "wearer_07").Sessions, Is.EqualTo(new[] { "20261206T103015Z" }));
        Assert.That(Directory.Exists(folder.BundlesPath), Is.True);
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_wearers_folders_are_private_to_the_unit_user()
    {
        using var root = CampTestData.Temporary();
        var folder = WearerFolder.Open(root.Path, "w1");
        var session = folder.CreateSession(DateTime.UtcNow);

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var path in new[] { Path.Combine(root.Path, "wearers"), folder.Path, folder.SessionsPath, folder.BundlesPath, session })
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(OwnerOnly), path);
        }

        Assert.That(File.GetUnixFileMode(folder.WearerFilePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }
}
