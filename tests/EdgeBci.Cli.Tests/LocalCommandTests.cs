using EdgeBci.Control.Local;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci arm|disarm|stop|state</c> against a command socket that answers as the firmware does.</summary>
public class LocalCommandTests
{
    [TestCase("arm", "ok: Disarmed -> Armed: armed by LocalCli", 0, "arm: Disarmed -> Armed: armed by LocalCli")]
    [TestCase("arm", "refused: cannot arm: lead-off on C3 (LeadOff)", 1, "arm refused: cannot arm: lead-off on C3 (LeadOff)")]
    [TestCase("stop", "ok: Active -> SafeStop: stop requested on the unit (LocalCli)", 0, "stop: Active -> SafeStop")]
    [TestCase("state", "error: the supervisor has not ticked yet", 2, "error: the supervisor has not ticked yet")]
    public void The_firmware_s_reply_is_printed_and_becomes_the_exit_code(string verb, string reply, int exitCode, string printed)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-cli-socket-{Guid.NewGuid():N}");
        var path = Path.Combine(folder, "control.sock");
        var received = new List<string>();
        try
        {
            using (LocalCommandServer.Start(path, (line, _) =>
            {
                received.Add(line);
                return Task.FromResult(LocalReply.Parse(reply));
            }))
            {
                var (code, output) = CliRunner.Run(verb, "--socket", path);

                Assert.Multiple(() =>
                {
                    Assert.That(code, Is.EqualTo(exitCode), output);
                    Assert.That(output, Does.Contain(printed));
                    Assert.That(received, Is.EqualTo(new[] { verb }));
                });
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Without_a_firmware_the_command_names_the_socket_and_exits_3()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-none-{Guid.NewGuid():N}", "control.sock");

        var (code, output) = CliRunner.Run("arm", "--socket", path);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(3), output);
            Assert.That(output, Does.Contain($"error: no firmware command socket at {path}: is edgebci-firmware running on this unit"));
        });
    }
}
