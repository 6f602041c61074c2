using System.Text.RegularExpressions;
using EdgeBci.Tests.Shared;
using EdgeBci.Web.Pairing;
using EdgeBci.Web.Store;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci pair</c>: the code it prints is the one the page's pairing accepts; it lists and unpairs browsers.</summary>
public partial class PairCommandTests
{
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = new ScratchFolder("pair-cli");

    [TearDown]
    public void RemoveScratch() => _scratch.Dispose();

    private string DatabasePath => Path.Combine(_scratch.Path, "camp", "camp.db");

    [GeneratedRegex(@"pairing code: (\d{3}-\d{3})")]
    private static partial Regex PrintedCode();

    [Test]
    public void The_printed_code_pairs_a_browser_once_and_says_where_to_enter_it()
    {
        var (code, output) = CliRunner.Run("pair", "--database", DatabasePath);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("(in 10 minutes)").And.Contain("Open the unit's page (http://127.0.0.1:8080 in make run) and enter the code."));
        var printed = PrintedCode().Match(output);
        Assert.That(printed.Success, Is.True, output);

        using var database = CampDatabase.Open(DatabasePath);
        var firmware = new PairingService(database, TimeProvider.System, new PairingOptions());
        Assert.That(firmware.Redeem(printed.Groups[1].Value, "127.0.0.1"), Is.TypeOf<PairingResult.Ok>());
        Assert.That(firmware.Redeem(printed.Groups[1].Value, "127.0.0.1"), Is.TypeOf<PairingResult.WrongCode>());
    }

    [Test]
    public void List_shows_the_paired_browsers_and_revoke_all_unpairs_them()
    {
        string token;
        using (var database = CampDatabase.Open(DatabasePath))
        {
            var firmware = new PairingService(database, TimeProvider.System, new PairingOptions());
            token = ((PairingResult.Ok)firmware.Redeem(firmware.IssueCode("test"), "192.168.1.20")).Token;
            firmware.IssueCode("test");
        }

        var (listCode, list) = CliRunner.Run("pair", "--list", "--database", DatabasePath);
        Assert.That(listCode, Is.EqualTo(0), list);
        Assert.That(list, Does.Contain("1 paired browser (").And.Contain("192.168.1.20").And.Contain("a code is waiting until"));

        var (revokeCode, revoke) = CliRunner.Run("pair", "--revoke-all", "--database", DatabasePath);
        Assert.That(revokeCode, Is.EqualTo(0), revoke);
        Assert.That(revoke, Does.Contain("unpaired 1 browser;"));

        using var reopened = CampDatabase.Open(DatabasePath);
        var after = new PairingService(reopened, TimeProvider.System, new PairingOptions());
        Assert.That(after.Validate(token), Is.Null);
        Assert.That(CliRunner.Run("pair", "--list", "--database", DatabasePath).Output, Does.Contain("0 paired browsers").And.Contain("no code is waiting"));
    }

    [Test]
    public void A_file_that_is_not_the_camp_database_is_named_and_not_touched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        File.WriteAllText(DatabasePath, "not a database at all, just some text long enough to be read as a header\n");

        var (code, output) = CliRunner.Run("pair", "--database", DatabasePath);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("error:").And.Contain(DatabasePath));
        Assert.That(File.ReadAllText(DatabasePath), Does.StartWith("not a database"));
    }

    [Test]
    public void List_and_revoke_all_together_are_refused()
    {
        var (code, output) = CliRunner.Run("pair", "--list", "--revoke-all", "--database", DatabasePath);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--list and --revoke-all"));
    }
}
