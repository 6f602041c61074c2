using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Control.Tests;

public class OptionsTests
{
    [Test]
    public void The_defaults_are_valid_and_conservative()
    {
        var options = new ControlOptions();
        Assert.Multiple(() =>
        {
            Assert.That(options.Validate(), Is.Empty);
            Assert.That(options.MaxSpeed, Is.EqualTo(0.8));
            Assert.That(options.EvidenceThreshold, Is.EqualTo(0.8));
            Assert.That(options.TickHz, Is.EqualTo(100));
            Assert.That(options.FrameTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(20)));
            Assert.That(options.DecisionTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(2 * options.HopMs)), "two hops");
            Assert.That(options.Actuator, Is.EqualTo(ActuatorKinds.SimulatedWheelchair));
        });
    }

    [Test]
    public void A_speed_above_the_ceiling_is_refused_naming_the_key()
    {
        var errors = new ControlOptions { MaxSpeed = 3 }.Validate();
        Assert.That(errors.Single(), Does.StartWith("Control:MaxSpeed = 3 m/s").And.Contain("1.5 m/s").And.Contain("15 km/h"));
        Assert.That(new ControlOptions { MaxSpeed = 1.5 }.Validate(), Is.Empty);
        Assert.That(new ControlOptions { MaxSpeed = 1.51 }.Validate(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Every_bad_key_is_named_at_once()
    {
        var options = new ControlOptions
        {
            Actuator = "hoverboard",
            EvidenceThreshold = 0.3,
            TickHz = 10,
            FrameTimeoutMs = 500,
            MaxReverseSpeed = 2,
            MaxTurnRate = double.NaN,
            InhibitMode = "sometimes",
            HeartbeatTimeoutMs = 5,
            RequiredChannels = ["C3", ""],
        };
        options.Policy["feet"] = "fly";
        var errors = options.Validate();
        foreach (var key in new[] { "Actuator", "EvidenceThreshold", "TickHz", "FrameTimeoutMs", "MaxReverseSpeed", "MaxTurnRate", "InhibitMode", "HeartbeatTimeoutMs", "RequiredChannels:1", "Policy:feet" })
        {
            Assert.That(errors, Has.One.StartsWith($"Control:{key}"), key);
        }
    }

    [TestCase(0)]
    [TestCase(249)]
    [TestCase(499)]
    public void A_dwell_shorter_than_two_hops_is_refused_naming_the_hop_and_where_it_came_from(int dwellMs)
    {
        var options = new ControlOptions { DwellMs = dwellMs };
        Assert.That(options.Validate().Single(), Does.StartWith($"Control:DwellMs = {dwellMs} is out of range 500 (two hops, HopMs = 250 (Control:HopMs))"));

        var derived = options.Validate(new ControlOptionSources("derived from Decoding:HopSeconds = 0.25", false));
        Assert.That(derived.Single(), Does.Contain("HopMs = 250 (derived from Decoding:HopSeconds = 0.25)"));
        Assert.That(new ControlOptions { DwellMs = 500 }.Validate(), Is.Empty, "two hops exactly");
        Assert.That(new ControlOptions { HopMs = 100, DwellMs = 200 }.Validate(), Is.Empty, "two shorter hops");
    }

    [TestCase(nameof(ControlOptions.MinConfidence), 0.0, "Control:MinConfidence = 0 is out of range 0.5..1")]
    [TestCase(nameof(ControlOptions.MinConfidence), 0.49, "Control:MinConfidence = 0.49 is out of range 0.5..1")]
    [TestCase(nameof(ControlOptions.EvidenceThreshold), 0.69, "Control:EvidenceThreshold = 0.69 is out of range 0.7..1")]
    [TestCase(nameof(ControlOptions.EvidenceThreshold), 0.5, "Control:EvidenceThreshold = 0.5 is out of range 0.7..1")]
    [TestCase(nameof(ControlOptions.DecisionMaxAgeMs), 5000.0, "Control:DecisionMaxAgeMs = 5000 is out of range 250 (HopMs = 250 (Control:HopMs)) .. 1000")]
    [TestCase(nameof(ControlOptions.DecisionMaxAgeMs), 1001.0, "Control:DecisionMaxAgeMs = 1001 is out of range 250")]
    public void A_gate_setting_that_lets_the_wearer_move_too_easily_is_refused_with_its_key_value_and_range(string key, double value, string expected)
    {
        var options = new ControlOptions();
        typeof(ControlOptions).GetProperty(key)!.SetValue(options, key == nameof(ControlOptions.DecisionMaxAgeMs) ? (object)(int)value : value);
        Assert.That(options.Validate().Single(), Does.StartWith(expected));
    }

    [Test]
    public void The_lowest_gate_settings_allowed_are_valid()
    {
        var options = new ControlOptions { MinConfidence = 0.5, EvidenceThreshold = 0.7, DecisionMaxAgeMs = 1000 };
        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void A_decision_age_raised_automatically_above_its_ceiling_is_refused_naming_both_keys()
    {
        var raised = new ControlOptionSources("derived from Decoding:HopSeconds = 0.9", DecisionMaxAgeRaised: true);
        var options = new ControlOptions { HopMs = 900, DecisionMaxAgeMs = 900 + ControlOptions.DecisionMaxAgeMarginMs, DwellMs = 1800 };
        Assert.That(options.Validate(raised).Single(), Does.StartWith("Control:DecisionMaxAgeMs is unset and would be raised automatically to HopMs + 150 = 1050, above its limit of 1000")
            .And.Contain("Control:HopMs = 900 (derived from Decoding:HopSeconds = 0.9) must be at most 850"));

        var atTheLimit = new ControlOptions { HopMs = 850, DecisionMaxAgeMs = 850 + ControlOptions.DecisionMaxAgeMarginMs, DwellMs = 1700 };
        Assert.That(atTheLimit.Validate(raised with { Hop = "derived from Decoding:HopSeconds = 0.85" }), Is.Empty);
    }

    [Test]
    public void A_policy_must_fit_the_actuator()
    {
        var chair = new ControlOptions();
        chair.Policy["left"] = IntentCommands.GripOpen;
        Assert.That(chair.Validate().Single(), Does.StartWith("Control:Policy:left = 'grip-open' cannot drive a simulated-wheelchair"));

        var hand = new ControlOptions { Actuator = ActuatorKinds.ProstheticHand };
        Assert.That(hand.Validate(), Is.Empty, "the hand's default policy is grips");
        hand.Policy["feet"] = IntentCommands.Forward;
        Assert.That(hand.Validate().Single(), Does.StartWith("Control:Policy:feet = 'forward' cannot drive a prosthetic-hand"));
    }

    [Test]
    public void The_selected_actuators_own_settings_are_checked()
    {
        var joystick = new ControlOptions { Actuator = ActuatorKinds.JoystickDac };
        joystick.Joystick.CentreVolts = 4.5;
        joystick.Joystick.ClockHz = 30_000_000;
        Assert.That(joystick.Validate(), Has.Some.StartWith("Control:Joystick:CentreVolts").And.Some.StartWith("Control:Joystick:ClockHz"));

        var drive = new ControlOptions { Actuator = ActuatorKinds.DifferentialDrive };
        drive.DifferentialDrive.RightDirectionPin = drive.DifferentialDrive.LeftDirectionPin;
        drive.DifferentialDrive.WheelSpeedAtFullDuty = 0.5;
        Assert.That(drive.Validate(), Has.Some.StartWith("Control:DifferentialDrive:LeftDirectionPin").And.Some.StartWith("Control:DifferentialDrive:WheelSpeedAtFullDuty"));

        var hand = new ControlOptions { Actuator = ActuatorKinds.SimulatedHand };
        hand.Hand.Joints = HandOptions.DefaultJoints;
        hand.Hand.Joints[2].Channel = 0;
        hand.Hand.Joints[3].MaxPosition = 1.5;
        hand.Hand.PwmFrequencyHz = 5000;
        Assert.That(hand.Validate(), Has.Some.StartWith("Control:Hand:Joints:2:Channel").And.Some.StartWith("Control:Hand:Joints:3:MinPosition/MaxPosition").And.Some.StartWith("Control:Hand:PwmFrequencyHz"));
    }

    [Test]
    public void The_supervisor_and_the_factory_refuse_invalid_options()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new SafetySupervisor(new ControlOptions { MaxSpeed = 3 }));
        Assert.That(error!.Message, Does.Contain("Control:MaxSpeed = 3"));
        Assert.Throws<ArgumentException>(() => ActuatorFactory.Create(new ControlOptions { MaxSpeed = 3 }, TimeProvider.System));
        using var simulated = ActuatorFactory.Create(new ControlOptions(), TimeProvider.System);
        Assert.That(simulated.Kind, Is.EqualTo(ActuatorKinds.SimulatedWheelchair));
    }

    [Test]
    public void Unset_policy_and_joints_take_the_actuators_defaults()
    {
        var chair = new ControlOptions();
        var hand = new ControlOptions { Actuator = ActuatorKinds.SimulatedHand };
        Assert.Multiple(() =>
        {
            Assert.That(chair.EffectivePolicy["feet"], Is.EqualTo(IntentCommands.Forward));
            Assert.That(chair.EffectivePolicy["rest"], Is.EqualTo(IntentCommands.Stop));
            Assert.That(hand.EffectivePolicy["right"], Is.EqualTo(IntentCommands.GripClose));
            Assert.That(hand.Hand.EffectiveJoints.Select(joint => joint.Name), Is.EqualTo(new[] { "thumb", "index", "middle", "ring", "little" }));
        });
    }

    [Test]
    public void The_Control_section_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Control:Actuator"] = "joystick-dac",
            ["Control:MaxSpeed"] = "0.5",
            ["Control:HopMs"] = "200",
            ["Control:Policy:feet"] = "stop",
            ["Control:Policy:tongue"] = "forward",
            ["Control:RequiredChannels:0"] = "C3",
            ["Control:RequiredChannels:1"] = "C4",
            ["Control:Joystick:LdacPin"] = "22",
            ["Control:Hand:Joints:0:Name"] = "thumb",
            ["Control:Hand:Joints:0:Channel"] = "8",
            ["Control:Hand:Joints:0:MaxPosition"] = "0.7",
            ["Control:Hand:Joints:1:Name"] = "index",
            ["Control:Hand:Joints:1:Channel"] = "9",
        }).Build();
        var options = configuration.GetSection(ControlOptions.Section).Get<ControlOptions>()!;
        Assert.Multiple(() =>
        {
            Assert.That(options.Validate(), Is.Empty);
            Assert.That(options.Actuator, Is.EqualTo(ActuatorKinds.JoystickDac));
            Assert.That(options.MaxSpeed, Is.EqualTo(0.5));
            Assert.That(options.DecisionTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(400)));
            Assert.That(options.EffectivePolicy, Is.EquivalentTo(new Dictionary<string, string> { ["feet"] = "stop", ["tongue"] = "forward" }),
                "a configured policy replaces the default whole");
            Assert.That(options.RequiredChannels, Is.EqualTo(new[] { "C3", "C4" }));
            Assert.That(options.Joystick.LdacPin, Is.EqualTo(22));
            Assert.That(options.Hand.EffectiveJoints.Select(joint => (joint.Name, joint.Channel, joint.MaxPosition)),
                Is.EqualTo(new[] { ("thumb", 8, 0.7), ("index", 9, 1.0) }), "configured joints replace the defaults whole");
        });
    }
}
