using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The deployed ACL (deploy/mosquitto/acl) plus test senders that may command units as the dashboard may, for the
/// tests that need a second, distinct command sender (one allowed by a command's AllowedSenders, one not). Given to
/// the firmware as <c>--Mqtt:EmbeddedAclFile</c>; the firmware gives each such user a password like any ACL user.
/// </summary>
internal static class TestBrokerAcl
{
    public static string WithSenders(params string[] senders)
    {
        var text = File.ReadAllText(RepositoryRoot.File("deploy/mosquitto/acl"));
        var extra = new System.Text.StringBuilder(text);
        foreach (var sender in senders)
        {
            extra.Append('\n').Append("user ").Append(sender).Append('\n')
                .Append("topic write edgebci/v1/+/cmd/#\n")
                .Append("topic readwrite edgebci/v1/replies/").Append(sender).Append("/#\n");
        }

        // Named by its content: every run of the same test reuses one file instead of leaving a new one behind.
        var content = extra.ToString();
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-test-acl-{hash}.acl");
        var temporary = $"{path}.{Environment.ProcessId}.new";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
