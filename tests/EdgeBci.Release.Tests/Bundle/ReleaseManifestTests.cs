using System.Text;
using EdgeBci.Release.Bundle;

namespace EdgeBci.Release.Tests.Bundle;

/// <summary>The one reader and writer of manifest.txt, and release versions.</summary>
public sealed class ReleaseManifestTests
{
    private const string Header = "edgebci-release 1\nversion 0.2.0\ncommit 255d289c0ffee\nrid linux-arm64\nboards rpi4 rpi5 jetson-orin-nano emulator\ncreated 2026-12-06T16:00:00Z\n";

    private static readonly string Sha = new('a', 64);

    [Test]
    public void Format_writes_the_contract_lines_and_parse_reads_them_back_byte_for_byte()
    {
        var text = Header + $"file {Sha} 12 cli/edgebci\nfile {Sha} 0 firmware/a+b_c-1.2.dll\n";

        var manifest = ReleaseManifest.Parse(text);

        Assert.That(Encoding.UTF8.GetString(manifest.Format()), Is.EqualTo(text));
        Assert.That(manifest.Format()[0], Is.EqualTo((byte)'e'), "no byte-order mark");
        Assert.That(manifest.Boards, Is.EqualTo(new[] { "rpi4", "rpi5", "jetson-orin-nano", "emulator" }));
        Assert.That(manifest.Files[0], Is.EqualTo(new ReleaseFile("cli/edgebci", 12, Sha)));
        Assert.That(manifest.Created, Is.EqualTo(new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero)));
    }

    [TestCase("edgebci-release 2\n", 1, "format revision 2")]
    [TestCase("edgebci-release 1\nversion 0.2\n", 2, "\"0.2\" is not a release version")]
    [TestCase("edgebci-release 1\ncommit unknown\n", 2, "expected \"version <MAJOR.MINOR.PATCH>\", found \"commit unknown\"")]
    [TestCase("edgebci-release 1\nversion 0.2.0\ncommit unknown\nrid linux-riscv\n", 4, "rid \"linux-riscv\" is not one of")]
    [TestCase("edgebci-release 1\nversion 0.2.0\ncommit unknown\nrid linux-x64\nboards rpi4  rpi5\n", 5, "board \"\" is not a board name")]
    [TestCase("edgebci-release 1\nversion 0.2.0\ncommit unknown\nrid linux-x64\nboards rpi4\ncreated yesterday\n", 6, "not a UTC time")]
    [TestCase("edgebci-release 1\nversion 0.2.0 \n", 2, "ends with a space")]
    [TestCase("edgebci-release 1\r\n", 1, "carriage return")]
    [TestCase("edgebci-release 1\nversion 0.2.0", 2, "does not end with a newline")]
    [TestCase("edgebci-release 1\nversion 0.2.0\n", 3, "found the end of the file")]
    public void A_broken_header_is_an_error_naming_its_line(string text, int line, string what)
    {
        var error = Assert.Throws<ReleaseManifestException>(() => ReleaseManifest.Parse(text));

        Assert.That(error!.Message, Does.StartWith($"manifest.txt line {line}: ").And.Contain(what));
    }

    [TestCase("file {0} 1 ../etc/passwd\n", "the path has a '..' component")]
    [TestCase("file {0} 1 /etc/passwd\n", "the path is absolute")]
    [TestCase("file {0} 1 has space\n", "expected \"file <sha256> <size> <path>\"")]
    [TestCase("file {0} 1 cli/$(reboot)\n", "outside [A-Za-z0-9._+-/]")]
    [TestCase("file {0} 1 manifest.sig\n", "seals the release")]
    [TestCase("file {0} -1 cli/x\n", "size \"-1\" is not a whole number")]
    [TestCase("file ABC 1 cli/x\n", "is not 64 lower-case hex digits")]
    [TestCase("file {0} 1 cli/b\nfile {0} 1 cli/a\n", "cli/a is out of order")]
    [TestCase("file {0} 1 cli/a\nfile {0} 1 cli/a\n", "cli/a is listed twice")]
    public void A_broken_file_line_is_an_error_naming_its_line(string lines, string what)
    {
        var text = Header + string.Format(System.Globalization.CultureInfo.InvariantCulture, lines, Sha);

        var error = Assert.Throws<ReleaseManifestException>(() => ReleaseManifest.Parse(text));

        Assert.That(error!.Message, Does.StartWith("manifest.txt line ").And.Contain(what));
        Assert.That(error.Message, Does.Match("line (7|8):"));
    }

    [Test]
    public void A_manifest_without_files_is_an_error()
    {
        var error = Assert.Throws<ReleaseManifestException>(() => ReleaseManifest.Parse(Header));

        Assert.That(error!.Message, Is.EqualTo("manifest.txt line 7: expected \"file <sha256> <size> <path>\" lines, found none"));
    }

    [TestCase("0.2.0", "0.10.0")]
    [TestCase("0.9.9", "1.0.0")]
    [TestCase("1.0.0-rc.1", "1.0.0")]
    [TestCase("1.0.0-rc.2", "1.0.0-rc.10")]
    [TestCase("1.0.0-alpha", "1.0.0-beta")]
    public void Versions_order_like_sort_V_with_a_prerelease_before_its_release(string older, string newer)
    {
        Assert.That(ReleaseVersion.Parse(older), Is.LessThan(ReleaseVersion.Parse(newer)));
        Assert.That(ReleaseVersion.Parse(newer) > ReleaseVersion.Parse(older), Is.True);
        Assert.That(ReleaseVersion.Parse(newer).ToString(), Is.EqualTo(newer));
    }

    [TestCase("1.2")]
    [TestCase("1.2.3.4")]
    [TestCase("v1.2.3")]
    [TestCase("1.02.3")]
    [TestCase("1.2.3-")]
    [TestCase("1.2.3-rc 1")]
    public void A_malformed_version_is_an_error_quoting_the_text(string text)
    {
        var error = Assert.Throws<FormatException>(() => ReleaseVersion.Parse(text, "--version"));

        Assert.That(error!.Message, Does.StartWith($"--version \"{text}\" is not a release version"));
    }
}
