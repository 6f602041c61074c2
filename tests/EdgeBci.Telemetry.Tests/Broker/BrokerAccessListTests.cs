using EdgeBci.Telemetry.Broker;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Telemetry.Tests.Broker;

/// <summary>The ACL parser (errors name file and line) and the matcher's verdicts on the deployed file.</summary>
public sealed class BrokerAccessListTests
{
    private static readonly BrokerAccessList Deployed = BrokerAccessList.Load(RepositoryRoot.File("deploy/mosquitto/acl"));

    /// <summary>
    /// Identity, topic, access, verdict on the deployed ACL. The same table runs against a real mosquitto in
    /// <see cref="Mosquitto.BrokerAclTests"/>, so the embedded broker and the fleet broker agree.
    /// </summary>
    public static readonly object[] Table = AclVerdicts.Cases;

    [TestCaseSource(nameof(Table))]
    public void Deployed_acl_verdicts_match_mosquittos(string identity, string topic, string access, bool allowed)
    {
        var verdict = access == "write" ? Deployed.CanWrite(identity, identity + "-client", topic) : Deployed.CanRead(identity, identity + "-client", topic);
        Assert.That(verdict, Is.EqualTo(allowed), $"{identity} {access} {topic}");
    }

    [Test]
    public void The_deployed_acl_names_the_service_users()
    {
        Assert.That(Deployed.Users, Is.EqualTo(new[] { "dashboard", "observer" }));
    }

    [TestCase("dashboard", "edgebci/v1/#", true)]
    [TestCase("dashboard", "edgebci/v1/unit-1/status", true)]
    [TestCase("dashboard", "edgebci/v1/replies/dashboard/#", true)]
    [TestCase("dashboard", "#", false)]
    [TestCase("dashboard", "$SYS/#", false)]
    [TestCase("observer", "edgebci/v1/+/telemetry", true)]
    [TestCase("observer", "homeassistant/#", false)]
    [TestCase("unit-1", "edgebci/v1/unit-1/cmd/+", true)]
    [TestCase("unit-1", "edgebci/v1/unit-2/cmd/+", false)]
    [TestCase("unit-1", "edgebci/v1/+/cmd/+", false)]
    [TestCase("unit-1", "edgebci/v1/replies/#", false)]
    [TestCase("unit-1", "edgebci/v1/unit-1/#", false)]
    public void A_subscription_needs_a_read_grant_covering_the_whole_filter(string identity, string filter, bool allowed)
    {
        Assert.That(Deployed.CanSubscribe(identity, identity + "-client", filter), Is.EqualTo(allowed));
    }

    [Test]
    public void Patterns_substitute_user_and_client_id_and_never_apply_to_a_name_that_would_inject_levels()
    {
        var acl = BrokerAccessList.Parse("test.acl", "pattern write devices/%u/%c/data\n");
        Assert.Multiple(() =>
        {
            Assert.That(acl.CanWrite("alice", "phone", "devices/alice/phone/data"), Is.True);
            Assert.That(acl.CanWrite("alice", "phone", "devices/bob/phone/data"), Is.False);
            Assert.That(acl.CanWrite("alice", "tablet", "devices/alice/phone/data"), Is.False);
            Assert.That(acl.CanWrite("a/b", "phone", "devices/a/b/phone/data"), Is.False, "a '/' in the user name is not a topic level");
            Assert.That(acl.CanWrite("+", "phone", "devices/x/phone/data"), Is.False, "a wildcard user name matches nothing");
            Assert.That(acl.CanWrite(null, "phone", "devices//phone/data"), Is.False, "anonymous has no %u");
        });
    }

    [Test]
    public void Anonymous_lines_come_before_the_first_user_and_apply_only_without_a_user_name()
    {
        var acl = BrokerAccessList.Parse("test.acl", "# comment\n\ntopic read public/#\nuser alice\ntopic alice/#\n");
        Assert.Multiple(() =>
        {
            Assert.That(acl.CanRead(null, "c", "public/news"), Is.True);
            Assert.That(acl.CanRead("alice", "c", "public/news"), Is.False);
            Assert.That(acl.CanWrite("alice", "c", "alice/notes"), Is.True, "no access word: readwrite");
            Assert.That(acl.CanRead("alice", "c", "alice/notes"), Is.True);
        });
    }

    [Test]
    public void A_deny_line_wins_over_any_grant_of_the_user_or_a_pattern()
    {
        var acl = BrokerAccessList.Parse("test.acl", "pattern readwrite shared/#\nuser bob\ntopic readwrite bob/#\ntopic deny bob/secret\ntopic deny shared/private/#\n");
        Assert.Multiple(() =>
        {
            Assert.That(acl.CanWrite("bob", "c", "bob/notes"), Is.True);
            Assert.That(acl.CanRead("bob", "c", "bob/secret"), Is.False);
            Assert.That(acl.CanWrite("bob", "c", "shared/public"), Is.True);
            Assert.That(acl.CanWrite("bob", "c", "shared/private/x"), Is.False);
            Assert.That(acl.CanWrite("carol", "c", "shared/private/x"), Is.True, "bob's deny lines are bob's");
        });
    }

    [TestCase("topic read a/#/b\n", 1, "not a valid topic filter")]
    [TestCase("user x\ntopic read a/b+\n", 2, "not a valid topic filter")]
    [TestCase("\n\n# fine\nuser x\ntopic readonly a/b\n", 5, "'readonly' is not an access type")]
    [TestCase("user x\ntopic read\n", 2, "needs a topic")]
    [TestCase("user\n", 1, "'user' needs a user name")]
    [TestCase("user x\nacl read a\n", 2, "unknown keyword 'acl'")]
    [TestCase("pattern\n", 1, "'pattern' needs a topic")]
    public void A_syntax_error_names_the_file_and_the_line(string text, int line, string message)
    {
        Assert.That(() => BrokerAccessList.Parse("/etc/edgebci/fleet.acl", text),
            Throws.TypeOf<InvalidDataException>().With.Message.StartsWith($"/etc/edgebci/fleet.acl:{line}: ").And.Message.Contains(message));
    }

    [Test]
    public void A_missing_file_is_an_io_error_naming_it()
    {
        Assert.That(() => BrokerAccessList.Load("/nonexistent/edgebci.acl"), Throws.TypeOf<IOException>().With.Message.Contains("/nonexistent/edgebci.acl"));
    }
}
