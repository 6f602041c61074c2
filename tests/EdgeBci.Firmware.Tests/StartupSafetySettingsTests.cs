using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// Settings cannot switch the gating off (issue 14): the control stage's start-up check, run in-process on the
/// firmware's shipped settings with one key changed, refuses every setting that lets the wearer move too easily, a real
/// actuator whose policy would move on every decision, and a real actuator without its e-stop, naming the keys.
/// </summary>
public class StartupSafetySettingsTests
{
    /// <summary>The keys of the firmware's appsettings.json that the control stage reads.</summary>
    private static Dictionary<string, string?> Shipped() => new()
    {
        ["Board"] = "emulator",
        ["Decoding:ModelPath"] = "models/s001-left-vs-right",
        ["Decoding:HopSeconds"] = "0.25",
        ["Decoding:EvidenceFactor"] = "0.3",
        ["Decoding:RejectionFloor"] = "0.55",
        ["Control:Actuator"] = "simulated-wheelchair",
        ["Control:Policy:left"] = "turn-left",
        ["Control:Policy:right"] = "turn-right",
        ["Control:EvidenceThreshold"] = "0.8",
        ["Control:MinConfidence"] = "0.5",
        ["Control:DwellMs"] = "500",
    };

    private static readonly string ContentRoot = Path.GetDirectoryName(FirmwareProcess.FirmwareDll)!;

    private static ControlStage Create(Dictionary<string, string?> keys, BoardProfile? board = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys).Build();
        var settings = AcquisitionSettings.Bind(configuration);
        return board is null ? ControlStage.Create(configuration, settings, ContentRoot) : ControlStage.Create(configuration, settings, ContentRoot, board);
    }

    private static string Refusal(Dictionary<string, string?> keys, BoardProfile? board = null) =>
        Assert.Throws<ArgumentException>(() => Create(keys, board))!.Message;

    /// <summary>The shipped keys with some changed; a null value removes the key.</summary>
    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var keys = Shipped();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                keys.Remove(key);
            }
            else
            {
                keys[key] = value;
            }
        }

        return keys;
    }

    /// <summary>A real board, the e-stop wired, no model yet and the actuator's default policy (rest -> stop).</summary>
    private static Dictionary<string, string?> Real(string actuator) => With(("Board", "rpi5"), ("Control:Actuator", actuator), ("Control:EStopPin", "17"),
        ("Decoding:ModelPath", ""), ("Control:Policy:left", null), ("Control:Policy:right", null));

    [Test]
    public void The_shipped_settings_start_and_keep_the_no_rest_class_warning_for_the_simulated_wheelchair()
    {
        using var stage = Create(Shipped());
        Assert.Multiple(() =>
        {
            Assert.That(stage.ModelClasses, Is.EqualTo(new[] { "left", "right" }), "the demo model's manifest was read");
            Assert.That(stage.Options.HopMs, Is.EqualTo(250));
            Assert.That(stage.Options.DecisionMaxAgeMs, Is.EqualTo(400), "raised to HopMs + 150");
            Assert.That(stage.Notes, Has.Some.StartsWith("the model has no rest class"));
        });
    }

    [TestCase("Control:DwellMs", "0", "Control:DwellMs = 0 is out of range 500 (two hops, HopMs = 250 (derived from Decoding:HopSeconds = 0.25))")]
    [TestCase("Control:DwellMs", "249", "Control:DwellMs = 249 is out of range 500")]
    [TestCase("Control:MinConfidence", "0", "Control:MinConfidence = 0 is out of range 0.5..1")]
    [TestCase("Control:EvidenceThreshold", "0.6", "Control:EvidenceThreshold = 0.6 is out of range 0.7..1")]
    [TestCase("Control:DecisionMaxAgeMs", "5000", "Control:DecisionMaxAgeMs = 5000 is out of range 250 (HopMs = 250 (derived from Decoding:HopSeconds = 0.25)) .. 1000")]
    [TestCase("Decoding:EvidenceFactor", "1", "Decoding:EvidenceFactor = 1 is out of range; use more than 0 and at most 0.5")]
    [TestCase("Decoding:EvidenceFactor", "0.51", "Decoding:EvidenceFactor = 0.51 is out of range")]
    public void A_setting_that_lets_the_wearer_move_too_easily_stops_start_up_naming_its_key_and_value(string key, string value, string expected)
    {
        Assert.That(Refusal(With((key, value))), Does.Contain(expected));
    }

    [Test]
    public void A_dwell_below_two_configured_hops_says_the_hop_was_configured()
    {
        Assert.That(Refusal(With(("Control:HopMs", "300"), ("Control:DwellMs", "500"))), Does.Contain("Control:DwellMs = 500 is out of range 600 (two hops, HopMs = 300 (Control:HopMs))"));
    }

    [Test]
    public void A_decoder_hop_that_would_raise_the_decision_age_past_a_second_names_both_keys()
    {
        var message = Refusal(With(("Decoding:HopSeconds", "0.851"), ("Control:DwellMs", "2000")));
        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("Control:DecisionMaxAgeMs is unset and would be raised automatically to HopMs + 150 = 1001, above its limit of 1000"));
            Assert.That(message, Does.Contain("Control:HopMs = 851 (derived from Decoding:HopSeconds = 0.851) must be at most 850"));
        });

        using var atTheLimit = Create(With(("Decoding:HopSeconds", "0.85"), ("Control:DwellMs", "2000")));
        Assert.That(atTheLimit.Options.DecisionMaxAgeMs, Is.EqualTo(1000));
    }

    [TestCase("joystick-dac", "wheelchair")]
    [TestCase("differential-drive", "wheelchair")]
    [TestCase("prosthetic-hand", "prosthetic hand")]
    public void A_real_actuator_whose_policy_moves_on_every_class_of_the_model_is_refused_naming_the_policy_and_the_classes(string actuator, string platform)
    {
        var moves = actuator == "prosthetic-hand" ? ("grip-open", "grip-close") : ("turn-left", "turn-right");
        var message = Refusal(With(("Board", "rpi5"), ("Control:Actuator", actuator), ("Control:EStopPin", "17"), ("Control:Policy:left", moves.Item1), ("Control:Policy:right", moves.Item2)));
        Assert.That(message, Does.Contain($"Control:Policy maps every class of the model (left -> {moves.Item1}, right -> {moves.Item2}) to a movement: a {platform} ({actuator}) is not driven when every decision asks to move"));
    }

    [Test]
    public void A_real_actuator_with_a_class_of_the_model_meaning_stop_starts()
    {
        using var rest = Create(With(("Board", "rpi5"), ("Control:Actuator", "joystick-dac"), ("Control:EStopPin", "17"), ("Control:Policy:right", "stop")));
        using var unlisted = Create(With(("Board", "rpi5"), ("Control:Actuator", "joystick-dac"), ("Control:EStopPin", "17"), ("Control:Policy:right", null)));
        Assert.Multiple(() =>
        {
            Assert.That(rest.Notes, Has.Some.Contains("right -> stop").And.None.Contains("no rest class"));
            Assert.That(unlisted.Notes, Has.Some.Contains("right -> stop (no policy entry)").And.None.Contains("no rest class"));
        });
    }

    [Test]
    public void Without_a_model_a_real_actuators_policy_must_itself_map_a_class_to_stop()
    {
        var message = Refusal(With(("Board", "rpi5"), ("Control:Actuator", "joystick-dac"), ("Control:EStopPin", "17"), ("Decoding:ModelPath", "")));
        Assert.That(message, Does.Contain("Control:Policy (left -> turn-left, right -> turn-right) maps no class to stop, and no model's classes are known at start-up"));

        using var withRest = Create(With(("Board", "rpi5"), ("Control:Actuator", "joystick-dac"), ("Control:EStopPin", "17"), ("Decoding:ModelPath", ""), ("Control:Policy:rest", "stop")));
        using var defaultPolicy = Create(Real("joystick-dac"));
        Assert.That(withRest.ModelClasses, Is.Null);
    }

    [TestCase("joystick-dac", "wheelchair")]
    [TestCase("differential-drive", "wheelchair")]
    [TestCase("prosthetic-hand", "prosthetic hand")]
    public void A_real_actuator_without_its_e_stop_is_refused_unless_the_board_cuts_its_power_in_hardware(string actuator, string platform)
    {
        var keys = Real(actuator);
        keys.Remove("Control:EStopPin");
        Assert.That(Refusal(keys), Does.Contain($"Control:EStopPin = -1: a {platform} ({actuator}) is not driven without its e-stop loop wired; give its GPIO line (Board = 'rpi5' does not declare eStopHardwareCut"));

        var cutting = BoardProfile.Parse(File.ReadAllText(BoardFile("rpi5")).Replace("\"name\": \"rpi5\",", "\"name\": \"rpi5\", \"eStopHardwareCut\": true,", StringComparison.Ordinal), "test");
        Assert.That(cutting.EStopHardwareCut, Is.True);
        using var stage = Create(keys, cutting);
        Assert.That(stage.Notes, Has.Some.EqualTo($"e-stop not read: board 'rpi5' declares that its e-stop cuts the {actuator}'s power in hardware (eStopHardwareCut)"));
    }

    [Test]
    public void No_shipped_board_claims_a_hardware_e_stop_cut()
    {
        Assert.That(BoardProfile.All.Values.Where(board => board.EStopHardwareCut).Select(board => board.Name), Is.Empty);
    }

    [Test]
    public void A_simulated_actuator_on_a_real_board_needs_no_e_stop_and_the_emulator_runs_a_real_one_with_a_rest_class()
    {
        using var simulated = Create(With(("Board", "rpi5"), ("Control:Actuator", "simulated-hand"), ("Control:Policy:left", "grip-open"), ("Control:Policy:right", "grip-close")));
        Assert.That(simulated.Options.EStopPin, Is.EqualTo(-1));

        // On the emulator a real driver runs on the emulated actuator board (no GPIO, so no e-stop line), but the rest-class
        // rule holds there too: a real actuator is never driven by a policy in which every class moves.
        using var emulated = Create(With(("Control:Actuator", "prosthetic-hand"), ("Control:Policy:left", "grip-open"), ("Control:Policy:right", "stop")));
        Assert.That(emulated.IsEmulator, Is.True);
        Assert.That(Refusal(With(("Control:Actuator", "prosthetic-hand"), ("Control:Policy:left", "grip-open"), ("Control:Policy:right", "grip-close"))),
            Does.Contain("Control:Policy maps every class of the model (left -> grip-open, right -> grip-close) to a movement"));
    }

    [Test]
    public void The_decoding_options_refuse_an_evidence_factor_above_one_half()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new DecodingOptions { EvidenceFactor = 0.5 }.Validate(), Is.Empty);
            Assert.That(new DecodingOptions { EvidenceFactor = 0.5000001 }.Validate().Single(), Does.StartWith("Decoding:EvidenceFactor = 0.5000001 is out of range"));
        });
    }

    private static string BoardFile(string name)
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !Directory.Exists(Path.Combine(folder.FullName, "hardware", "boards")))
        {
            folder = folder.Parent;
        }

        Assert.That(folder, Is.Not.Null, "the repository's hardware/boards folder");
        return Path.Combine(folder!.FullName, "hardware", "boards", name + ".json");
    }
}
