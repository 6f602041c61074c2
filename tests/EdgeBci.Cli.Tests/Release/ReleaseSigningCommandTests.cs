using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests.Release;

/// <summary><c>edgebci release keygen | sign | verify</c> on a small fake stage: exit codes and the contract's lines.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReleaseSigningCommandTests
{
    private ScratchFolder _scratch = null!;

    private string Key => Path.Combine(_scratch.Path, "keys", "release.key");

    private string Trust => Path.Combine(_scratch.Path, "trust");

    private string Stage => Path.Combine(_scratch.Path, "stage");

    private string Bundle => Path.Combine(_scratch.Path, "edgebci-firmware-0.2.0-linux-arm64.tar.gz");

    [SetUp]
    public void MakeAKeyAndAStage()
    {
        _scratch = new ScratchFolder("release-cli");
        Directory.CreateDirectory(Path.Combine(Stage, "firmware"));
        Directory.CreateDirectory(Path.Combine(Stage, "deploy"));
        File.WriteAllText(Path.Combine(Stage, "firmware", "EdgeBci.Firmware"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(Stage, "deploy", "install.sh"), "#!/bin/bash\n");
    }

    [TearDown]
    public void Delete() => _scratch.Dispose();

    [Test]
    public void Keygen_writes_both_halves_and_says_how_to_trust_the_public_one()
    {
        var (exit, output) = Keygen();

        Assert.That(exit, Is.Zero, output);
        Assert.That(File.Exists(Key), Is.True);
        Assert.That(File.Exists(Path.Combine(_scratch.Path, "keys", "release.pub.pem")), Is.True);
        Assert.That(output, Does.Contain("release.key").And.Contain("release.pub.pem").And.Match("key id: +[0-9a-f]{16}")
            .And.Contain("/etc/edgebci/trust/release.pub.pem"));
        var again = CliRunner.Run(["release", "keygen", "--out", Path.Combine(_scratch.Path, "keys", "release")]);
        Assert.That(again.ExitCode, Is.EqualTo(1), again.Output);
        Assert.That(again.Output, Does.Contain("already exists"));
    }

    [Test]
    public void A_signed_bundle_verifies_with_exit_0_and_one_line()
    {
        Keygen();
        var sign = Sign("0.2.0");
        Assert.That(sign.ExitCode, Is.Zero, sign.Output);
        Assert.That(sign.Output, Does.Contain("signed: " + Bundle));

        var (exit, output) = CliRunner.Run(["release", "verify", Bundle, "--trust", Trust, "--rid", "linux-arm64", "--board", "rpi5", "--installed-version", "0.1.0"]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output.Trim(), Does.Match("^verified: edgebci-firmware-0.2.0-linux-arm64.tar.gz 0.2.0 signed by [0-9a-f]{16}$"));
    }

    [Test]
    public void A_refused_bundle_exits_3_with_the_refusal_line()
    {
        Keygen();
        Sign("0.2.0");

        var downgrade = CliRunner.Run(["release", "verify", Bundle, "--trust", Trust, "--installed-version", "0.3.0"]);
        var allowed = CliRunner.Run(["release", "verify", Bundle, "--trust", Trust, "--installed-version", "0.3.0", "--allow-downgrade"]);
        var untrusted = CliRunner.Run(["release", "verify", Bundle, "--trust", Path.Combine(_scratch.Path, "empty")]);

        Assert.That(downgrade.ExitCode, Is.EqualTo(3), downgrade.Output);
        Assert.That(downgrade.Output.Trim(), Is.EqualTo(
            "refused: edgebci-firmware-0.2.0-linux-arm64.tar.gz is version 0.2.0, older than the installed 0.3.0 (use --allow-downgrade to install it anyway)"));
        Assert.That(allowed.ExitCode, Is.Zero, allowed.Output);
        Assert.That(untrusted.ExitCode, Is.EqualTo(3), untrusted.Output);
        Assert.That(untrusted.Output, Does.Contain("which this unit does not trust (no trusted keys in"));
    }

    [Test]
    public void Usage_and_io_errors_exit_1_naming_what_is_wrong()
    {
        Keygen();

        var missing = CliRunner.Run(["release", "verify", Path.Combine(_scratch.Path, "none.tar.gz"), "--trust", Trust]);
        var badRid = Sign("0.2.0", rid: "linux-riscv64");
        var badVersion = Sign("0.2");
        var noKey = CliRunner.Run(["release", "sign", "--key", Path.Combine(_scratch.Path, "nokey.key"), "--stage", Stage, "--version", "0.2.0",
            "--rid", "linux-arm64", "--boards", "rpi4", "--out", Bundle]);

        Assert.That(missing.ExitCode, Is.EqualTo(1), missing.Output);
        Assert.That(missing.Output, Does.Contain("none.tar.gz: no such bundle file"));
        Assert.That(badRid.ExitCode, Is.EqualTo(1), badRid.Output);
        Assert.That(badRid.Output, Does.Contain("rid \"linux-riscv64\" is not one of linux-arm64, linux-x64"));
        Assert.That(badVersion.ExitCode, Is.EqualTo(1), badVersion.Output);
        Assert.That(badVersion.Output, Does.Contain("--version \"0.2\" is not a release version"));
        Assert.That(noKey.ExitCode, Is.EqualTo(1), noKey.Output);
        Assert.That(noKey.Output, Does.Contain("nokey.key: no such key file"));
        Assert.That(File.Exists(Bundle), Is.False);
    }

    private (int ExitCode, string Output) Keygen()
    {
        var result = CliRunner.Run(["release", "keygen", "--out", Path.Combine(_scratch.Path, "keys", "release")]);
        Directory.CreateDirectory(Trust);
        var publicKey = Path.Combine(_scratch.Path, "keys", "release.pub.pem");
        if (File.Exists(publicKey) && !File.Exists(Path.Combine(Trust, "release.pub.pem")))
        {
            File.Copy(publicKey, Path.Combine(Trust, "release.pub.pem"));
        }

        return result;
    }

    private (int ExitCode, string Output) Sign(string version, string rid = "linux-arm64") =>
        CliRunner.Run(["release", "sign", "--key", Key, "--stage", Stage, "--version", version, "--rid", rid, "--boards", "rpi4 rpi5 emulator",
            "--commit", "255d289c0ffee", "--created", "2026-12-06T16:00:00Z", "--out", Bundle]);
}
