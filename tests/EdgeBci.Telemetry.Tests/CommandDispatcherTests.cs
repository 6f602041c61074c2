using System.Text;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Tests;

public class CommandDispatcherTests
{
    private const string Device = "unit-1";
    private static readonly string[] LogLevels = ["Trace", "Debug", "Information", "Warning", "Error"];

    private sealed class Recorder
    {
        public List<CommandRequest> Calls { get; } = [];
    }

    private static (CommandDispatcher Dispatcher, Recorder Stop, Recorder Disarm) Create(MqttOptions? options = null)
    {
        options ??= new MqttOptions { DeviceId = Device };
        var dispatcher = new CommandDispatcher(options);
        var stop = new Recorder();
        var disarm = new Recorder();
        dispatcher.Register(CommandNames.Stop, request =>
        {
            request.Args.RejectUnknown("reason");
            var reason = request.Args.OptionalString("reason") ?? "remote";
            stop.Calls.Add(request);
            return CommandOutcome.Ok(new Dictionary<string, string> { ["state"] = "SafeStop", ["reason"] = reason });
        });
        dispatcher.Register(CommandNames.Disarm, request =>
        {
            request.Args.RejectUnknown();
            disarm.Calls.Add(request);
            return CommandOutcome.Ok();
        });
        dispatcher.Register(CommandNames.SetLogLevel, request =>
        {
            request.Args.RejectUnknown("level");
            var level = request.Args.RequireString("level", allowed: LogLevels);
            return CommandOutcome.Ok(new JsonObject { ["level"] = level });
        });
        dispatcher.Register(CommandNames.SelfTest, _ => throw new InvalidOperationException("the emulator is busy"));
        return (dispatcher, stop, disarm);
    }

    private static CommandResult Send(CommandDispatcher dispatcher, string name, string payload, string? sender = "ops") =>
        dispatcher.Dispatch(MqttTopics.Command(Device, name), Encoding.UTF8.GetBytes(payload), sender);

    [Test]
    public void Stop_reaches_its_handler_with_its_arguments()
    {
        var (dispatcher, stop, _) = Create();
        var result = Send(dispatcher, "stop", "{\"args\":{\"reason\":\"fleet\"}}");
        Assert.Multiple(() =>
        {
            Assert.That(result.Ok, Is.True);
            Assert.That(result.Error, Is.Null);
            Assert.That(result.Result!["reason"]!.GetValue<string>(), Is.EqualTo("fleet"));
            Assert.That(stop.Calls.Single().Sender, Is.EqualTo("ops"));
        });
        Assert.That(Send(dispatcher, "stop", "{}").Ok, Is.True);
        Assert.That(stop.Calls, Has.Count.EqualTo(2));
    }

    [Test]
    public void Admission_checks_everything_including_the_arguments_but_runs_no_handler_and_names_the_lane()
    {
        var dispatcher = new CommandDispatcher(new MqttOptions { DeviceId = Device });
        var ran = 0;
        dispatcher.Register(CommandNames.SelfTest, args => args.RejectUnknown(), _ =>
        {
            ran++;
            return CommandOutcome.Ok();
        });
        dispatcher.Register(CommandNames.Stop, args => args.RejectUnknown(), _ =>
        {
            ran++;
            return Task.FromResult(CommandOutcome.Ok());
        });
        var badArgs = dispatcher.Admit(MqttTopics.Command(Device, "self-test"), (ReadOnlySpan<byte>)"{\"args\":{\"x\":1}}"u8, "ops", 7);
        var selfTest = dispatcher.Admit(MqttTopics.Command(Device, "self-test"), (ReadOnlySpan<byte>)"{}"u8, "ops", 7);
        var stop = dispatcher.Admit(MqttTopics.Command(Device, "stop"), (ReadOnlySpan<byte>)"{}"u8, "ops", 7);
        Assert.Multiple(() =>
        {
            Assert.That(badArgs.Refusal!.Error!.Code, Is.EqualTo(CommandErrorCodes.BadArguments), "the argument check runs at admission");
            Assert.That(badArgs.Refusal.Error.Message, Does.Contain("$.args.x"));
            Assert.That(selfTest.Command!.Lane, Is.EqualTo(CommandLane.Queued));
            Assert.That(stop.Command!.Lane, Is.EqualTo(CommandLane.Immediate));
            Assert.That(stop.Command.Request.ReceivedTimestamp, Is.EqualTo(7), "the arrival stamp travels with the request");
            Assert.That(ran, Is.Zero, "admission never runs a handler");
        });
        Assert.That(dispatcher.RunAsync(selfTest.Command!).GetAwaiter().GetResult().Ok, Is.True);
        Assert.That(ran, Is.EqualTo(1));
    }

    [TestCase("arm")]
    [TestCase("move")]
    [TestCase("drive")]
    [TestCase("STOP")]
    public void Commands_outside_the_allow_list_are_unknown(string name)
    {
        var (dispatcher, stop, _) = Create();
        var result = Send(dispatcher, name, "{}");
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.UnknownCommand));
        Assert.That(result.Error.Message, Does.Contain("commands are stop, disarm"));
        Assert.That(stop.Calls, Is.Empty);
    }

    [Test]
    public void Registering_a_name_outside_the_allow_list_is_refused()
    {
        var dispatcher = new CommandDispatcher(new MqttOptions { DeviceId = Device });
        Assert.That(() => dispatcher.Register("arm", _ => CommandOutcome.Ok()), Throws.ArgumentException.With.Message.Contains("'arm' is not a remote command"));
    }

    [Test]
    public void Too_large_is_refused_before_parsing()
    {
        var (dispatcher, stop, _) = Create();
        var payload = "{\"args\":{\"reason\":\"" + new string('x', 5000) + "\"}}";
        var result = Send(dispatcher, "stop", payload);
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.TooLarge));
        Assert.That(result.Error.Message, Does.Contain("at most 4096"));
        var garbage = new byte[4097];
        Assert.That(dispatcher.Dispatch(MqttTopics.Command(Device, "nonsense"), garbage, "ops").Error!.Code, Is.EqualTo(CommandErrorCodes.TooLarge));
        Assert.That(stop.Calls, Is.Empty);
    }

    [TestCase("", "not JSON")]
    [TestCase("{\"args\":", "not JSON")]
    [TestCase("[1,2]", "$ is a JSON array")]
    [TestCase("\"stop\"", "$ is a JSON string")]
    [TestCase("null", "$ is a JSON null")]
    public void Bad_json_is_named(string payload, string expected)
    {
        var (dispatcher, stop, _) = Create();
        var result = Send(dispatcher, "stop", payload);
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.BadJson));
        Assert.That(result.Error.Message, Does.Contain(expected));
        Assert.That(stop.Calls, Is.Empty);
    }

    [TestCase("stop", "{\"args\":[]}", "$.args is a JSON array")]
    [TestCase("stop", "{\"arguments\":{}}", "$.arguments is not allowed")]
    [TestCase("stop", "{\"args\":{\"reason\":5}}", "$.args.reason is a JSON number; it must be a string")]
    [TestCase("stop", "{\"args\":{\"speed\":1}}", "$.args.speed is not an argument; arguments are reason")]
    [TestCase("disarm", "{\"args\":{\"force\":true}}", "$.args.force is not an argument; this command takes none")]
    [TestCase("set-log-level", "{}", "$.args.level is missing")]
    [TestCase("set-log-level", "{\"args\":{\"level\":\"Loud\"}}", "$.args.level is 'Loud'; one of Trace, Debug")]
    [TestCase("set-log-level", "{\"args\":{\"level\":true}}", "$.args.level is a JSON true")]
    public void Wrong_arguments_are_named_by_their_path(string name, string payload, string expected)
    {
        var (dispatcher, stop, disarm) = Create();
        var result = Send(dispatcher, name, payload);
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.BadArguments));
        Assert.That(result.Error.Message, Does.Contain(expected));
        Assert.That(stop.Calls.Count + disarm.Calls.Count, Is.Zero);
    }

    [Test]
    public void A_valid_set_log_level_is_answered_with_its_result() =>
        Assert.That(Send(CreateDispatcher(), "set-log-level", "{\"args\":{\"level\":\"Debug\"}}").Result!.ToJsonString(), Is.EqualTo("{\"level\":\"Debug\"}"));

    private static CommandDispatcher CreateDispatcher() => Create().Dispatcher;

    [Test]
    public void Disabled_commands_and_commands_without_a_handler_are_disabled()
    {
        var options = new MqttOptions { DeviceId = Device, Commands = new() { ["stop"] = new CommandPermission { Enabled = false } } };
        var (dispatcher, stop, _) = Create(options);
        var disabled = Send(dispatcher, "stop", "{}");
        Assert.That(disabled.Error!.Code, Is.EqualTo(CommandErrorCodes.Disabled));
        Assert.That(disabled.Error.Message, Does.Contain("Mqtt:Commands:stop:Enabled"));
        var unhandled = Send(dispatcher, "start-recording", "{}");
        Assert.That(unhandled.Error!.Code, Is.EqualTo(CommandErrorCodes.Disabled));
        Assert.That(unhandled.Error.Message, Does.Contain("no handler"));
        Assert.That(stop.Calls, Is.Empty);
    }

    [Test]
    public void Senders_outside_the_allow_list_are_not_authorised()
    {
        var options = new MqttOptions { DeviceId = Device, Commands = new() { ["stop"] = new CommandPermission { AllowedSenders = ["ops-console"] } } };
        var (dispatcher, stop, _) = Create(options);
        Assert.That(Send(dispatcher, "stop", "{}", sender: "intruder").Error!.Code, Is.EqualTo(CommandErrorCodes.NotAuthorised));
        Assert.That(Send(dispatcher, "stop", "{}", sender: null).Error!.Message, Does.Contain("needs a sender identity"));
        Assert.That(Send(dispatcher, "stop", "{}", sender: "ops-console").Ok, Is.True);
        Assert.That(stop.Calls.Select(c => c.Sender), Is.EqualTo(new[] { "ops-console" }));
        Assert.That(Send(dispatcher, "disarm", "{}", sender: "anyone").Ok, Is.True, "an empty list lets any identity the broker let through");
    }

    [Test]
    public void Handler_exceptions_become_failed()
    {
        var result = Send(CreateDispatcher(), "self-test", "{}");
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.Failed));
        Assert.That(result.Error.Message, Is.EqualTo("InvalidOperationException: the emulator is busy"));
    }

    [Test]
    public void Another_devices_topic_is_not_this_units_command()
    {
        var (dispatcher, stop, _) = Create();
        var result = dispatcher.Dispatch(MqttTopics.Command("unit-2", "stop"), "{}"u8, "ops");
        Assert.That(result.Error!.Code, Is.EqualTo(CommandErrorCodes.UnknownCommand));
        Assert.That(stop.Calls, Is.Empty);
    }

    /// <summary>Seeded hostile payloads; the oracle is an independent statement of which requests are valid.</summary>
    [Test]
    public void Ten_thousand_hostile_requests_never_throw_and_only_authorised_valid_ones_reach_stop_or_disarm()
    {
        var options = new MqttOptions
        {
            DeviceId = Device,
            Commands = new()
            {
                ["stop"] = new CommandPermission { AllowedSenders = ["ops", "safety-officer"] },
                ["report-configuration"] = new CommandPermission { Enabled = false },
            },
        };
        var (dispatcher, stop, disarm) = Create(options);
        var random = new Random(20261126);
        var expectedStops = 0;
        var expectedDisarms = 0;
        var codes = new Dictionary<string, int>();
        for (var i = 0; i < 10_000; i++)
        {
            var request = HostileRequests.Next(random, Device);
            CommandResult result = null!;
            Assert.That(() => result = dispatcher.Dispatch(request.Topic, request.Payload, request.Sender), Throws.Nothing, request.Describe());
            var key = result.Ok ? "ok" : result.Error!.Code;
            codes[key] = codes.GetValueOrDefault(key) + 1;
            Assert.That(result.Ok ? result.Error : (object?)result.Error!.Message, result.Ok ? Is.Null : Is.Not.Empty, request.Describe());
            Assert.That(CommandErrorCodes.All.Contains(key) || key == "ok", Is.True);

            var validStop = request.Name == "stop" && request.Sender is "ops" or "safety-officer" && request.IsValidStopPayload;
            var validDisarm = request.Name == "disarm" && request.IsValidNoArgumentPayload;
            expectedStops += validStop ? 1 : 0;
            expectedDisarms += validDisarm ? 1 : 0;
            if (request.Name is "stop" or "disarm")
            {
                Assert.That(result.Ok, Is.EqualTo(validStop || validDisarm), request.Describe() + " -> " + result.Error?.Message);
            }
        }

        Assert.That(stop.Calls, Has.Count.EqualTo(expectedStops));
        Assert.That(disarm.Calls, Has.Count.EqualTo(expectedDisarms));
        Assert.That(expectedStops, Is.GreaterThan(10), "the generator produces enough valid stops to exercise the accepting path");
        foreach (var code in new[] { "ok", "unknown-command", "too-large", "bad-json", "bad-arguments", "not-authorised", "disabled", "failed" })
        {
            Assert.That(codes.GetValueOrDefault(code), Is.GreaterThan(0), $"no request produced {code}: {string.Join(", ", codes)}");
        }
    }
}

/// <summary>A seeded generator of hostile command requests.</summary>
internal static class HostileRequests
{
    private static readonly string[] Names =
        ["stop", "disarm", "set-log-level", "self-test", "report-configuration", "start-recording", "arm", "move", "drive", "Stop", "stop ", "", "stop/x", "\u0000", "ärm"];

    private static readonly string?[] Senders = [null, "ops", "safety-officer", "intruder", "", "OPS", "ops\u0000", new string('s', 300)];

    internal sealed record Request(string Topic, string Name, byte[] Payload, string? Sender, bool IsValidStopPayload, bool IsValidNoArgumentPayload)
    {
        public string Describe() => $"{Topic} sender={Sender ?? "<none>"} payload={Encoding.UTF8.GetString(Payload.AsSpan(0, Math.Min(Payload.Length, 120)))}";
    }

    public static Request Next(Random random, string device)
    {
        var name = Names[random.Next(Names.Length)];
        var topic = random.Next(20) == 0 ? $"edgebci/v1/{device}/other/{name}" : MqttTopics.Command(device, name);
        var sender = Senders[random.Next(Senders.Length)];
        var validStop = false;
        var validNoArgs = false;
        byte[] payload;
        switch (random.Next(12))
        {
            case 0:
                payload = new byte[random.Next(0, 300)];
                random.NextBytes(payload);
                break;
            case 1:
                payload = Encoding.UTF8.GetBytes(new string('[', random.Next(10, 3000)));
                break;
            case 2:
                payload = Encoding.UTF8.GetBytes("{\"args\":{\"reason\":\"" + new string('x', random.Next(3000, 9000)) + "\"}}");
                break;
            case 3:
                payload = Encoding.UTF8.GetBytes(Pick(random, "{\"args\":5}", "{\"args\":\"x\"}", "{\"args\":null}", "{\"args\":[{}]}", "{\"args\":{},\"x\":1}", "{\"reason\":\"x\"}"));
                break;
            case 4:
                payload = Encoding.UTF8.GetBytes(Pick(random, "{\"args\":{\"reason\":5}}", "{\"args\":{\"reason\":{}}}", "{\"args\":{\"level\":\"Debug\"}}", "{\"args\":{\"level\":7}}", "{\"args\":{\"reason\":\"x\",\"speed\":1}}"));
                break;
            case 5:
                payload = Encoding.UTF8.GetBytes(Pick(random, "{}", "{\"args\":{}}", " { } "));
                validStop = true;
                validNoArgs = true;
                break;
            case 6:
                var reason = Pick(random, "fleet", "", "ops\\u0000", "\\ud800");
                payload = Encoding.UTF8.GetBytes("{\"args\":{\"reason\":\"" + reason + "\"}}");

                // An escaped lone surrogate is valid JSON but not text: bad-arguments.
                validStop = reason != "\\ud800";
                break;
            case 7:
                payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"args\":", random.Next(2, 40))) + "{}" + new string('}', random.Next(0, 40)));
                break;
            case 8:
                payload = Encoding.UTF8.GetBytes(Pick(random, "true", "null", "12", "\"stop\"", "[]", "{", "}", "{\"args\":{}", "{\"args\":{}}}", "{\"args\":{}} x"));
                break;
            case 9:
                payload = Encoding.UTF8.GetBytes("{\"args\":{\"level\":\"" + Pick(random, "Debug", "Trace", "Loud", "") + "\"}}");
                break;
            case 10:
                // A byte order mark is not JSON: refused as bad-json like any other stray byte.
                payload = [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'];
                break;
            default:
                // Duplicate members are ambiguous (which one did the sender mean?) and refused.
                payload = Encoding.UTF8.GetBytes("{\"args\":{\"reason\":\"x\"},\"args\":{\"reason\":\"y\"}}");
                break;
        }

        return new Request(topic, name, payload, sender, validStop && topic.Contains("/cmd/", StringComparison.Ordinal), validNoArgs && topic.Contains("/cmd/", StringComparison.Ordinal));
    }

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];
}
