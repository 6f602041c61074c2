using EdgeBci.Acquisition.Boards;

namespace EdgeBci.Acquisition.Tests;

/// <summary>Every board profile says where its deadman circuit is wired, and a profile that gets it wrong is refused by name.</summary>
public class BoardDeadmanTests
{
    private const string Profile = """
        {
          "name": "test-board",
          "description": "a board",
          "spi": { "busId": 0, "chipSelectLine": 0, "maxClockHz": 8000000, "recommendedClockHz": 2000000 },
          "gpio": { "chipLabels": ["pinctrl-test"], "drdyLine": 25, "startLine": 22, "resetLine": 24, "pwdnLine": 23 },
          "deadman": { "pulseLine": 17, "clearLine": 27, "timeoutMs": 75 },
          "notes": "none"
        }
        """;

    [Test]
    public void Every_shipped_board_has_its_deadman_wired_with_a_timeout_of_at_most_100_ms_on_lines_of_its_own()
    {
        Assert.That(BoardProfile.All.Keys, Is.EquivalentTo(new[] { "emulator", "rpi4", "rpi5", "jetson-orin-nano" }));
        foreach (var board in BoardProfile.All.Values)
        {
            var deadman = board.Deadman;
            var ads = new[] { board.Gpio.DrdyLine, board.Gpio.StartLine, board.Gpio.ResetLine, board.Gpio.PwdnLine };
            Assert.Multiple(() =>
            {
                Assert.That(deadman.PulseLine, Is.GreaterThanOrEqualTo(0), board.Name);
                Assert.That(deadman.ClearLine, Is.GreaterThanOrEqualTo(0), $"{board.Name}: every shipped wiring drops the enable at once on a STOP");
                Assert.That(deadman.TimeoutMs, Is.InRange(BoardDeadman.MinimumTimeoutMs, BoardDeadman.MaximumTimeoutMs), board.Name);
                Assert.That(ads, Has.None.EqualTo(deadman.PulseLine).And.None.EqualTo(deadman.ClearLine), board.Name);
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(BoardProfile.Get("rpi4").Deadman, Is.EqualTo(new BoardDeadman(17, 27, 75)));
            Assert.That(BoardProfile.Get("jetson-orin-nano").Deadman, Is.EqualTo(new BoardDeadman(144, 43, 75)));
            Assert.That(BoardProfile.Get("emulator").Deadman, Is.EqualTo(new BoardDeadman(40, 41, 100)));
        });
    }

    [Test]
    public void A_profile_without_a_deadman_is_refused_naming_the_key_and_the_file()
    {
        var json = Profile.Replace("  \"deadman\": { \"pulseLine\": 17, \"clearLine\": 27, \"timeoutMs\": 75 },\n", string.Empty, StringComparison.Ordinal);
        Assert.That(() => BoardProfile.Parse(json, "boards/test-board.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("boards/test-board.json").And.Message.Contains("deadman"));
    }

    [TestCase("\"timeoutMs\": 75", "\"timeoutMs\": 250", "line 6: deadman.timeoutMs = 250 is out of range 20..100")]
    [TestCase("\"pulseLine\": 17", "\"pulseLine\": -1", "line 6: deadman.pulseLine = -1 is not a GPIO line")]
    [TestCase("\"clearLine\": 27", "\"clearLine\": 17", "line 6: deadman.clearLine = 17 is the pulse line too")]
    [TestCase("\"clearLine\": 27", "\"clearLine\": -2", "line 6: deadman.clearLine = -2 is not a GPIO line")]
    [TestCase("\"pulseLine\": 17", "\"pulseLine\": 25", "line 6: deadman.pulseLine = 25 is one of the ADS1299's lines")]
    public void A_bad_deadman_value_is_refused_with_the_file_the_line_and_the_key(string from, string to, string expected)
    {
        var json = Profile.Replace(from, to, StringComparison.Ordinal);
        Assert.That(() => BoardProfile.Parse(json, "boards/test-board.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("Board profile boards/test-board.json, " + expected));
    }

    [Test]
    public void An_unknown_deadman_key_is_refused_with_its_line()
    {
        var json = Profile.Replace("\"timeoutMs\": 75", "\"timeoutMs\": 75, \"timeout\": 75", StringComparison.Ordinal);
        Assert.That(() => BoardProfile.Parse(json, "boards/test-board.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("boards/test-board.json is not valid (line 6)").And.Message.Contains("'timeout'"));
    }

    [Test]
    public void A_valid_profile_reads_its_deadman()
    {
        var profile = BoardProfile.Parse(Profile, "boards/test-board.json");
        Assert.Multiple(() =>
        {
            Assert.That(profile.Deadman, Is.EqualTo(new BoardDeadman(17, 27, 75)));
            Assert.That(profile.Deadman.TimeoutMs, Is.EqualTo(75));
        });
    }
}
