using System.Text.Json.Nodes;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Telemetry.Tests.Schemas;

/// <summary>
/// The published JSON Schemas (deploy/schemas) and their examples: every example is valid, and an example broken
/// in the ways a publisher gets it wrong is rejected with the path of the broken value.
/// </summary>
public sealed class MessageSchemaTests
{
    private static readonly string[] SchemaNames = ["status", "telemetry", "event", "command-request", "command-result"];

    private static string SchemaFolder => Path.Combine(RepositoryRoot.Path, "deploy", "schemas");

    private static IEnumerable<TestCaseData> Examples() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "deploy", "schemas", "examples"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => new TestCaseData(Path.GetFileName(path)).SetArgDisplayNames(Path.GetFileName(path)));

    [Test]
    public void The_schema_folder_holds_exactly_the_five_message_schemas_each_with_an_example()
    {
        var schemas = Directory.GetFiles(SchemaFolder, "*.schema.json").Select(path => Path.GetFileName(path)[..^".schema.json".Length]);
        var examples = Directory.GetFiles(Path.Combine(SchemaFolder, "examples"), "*.json").Select(path => SchemaNameOf(Path.GetFileName(path))).Distinct();

        Assert.That(schemas, Is.EquivalentTo(SchemaNames));
        Assert.That(examples, Is.EquivalentTo(SchemaNames));
    }

    [TestCaseSource(nameof(Examples))]
    public void Every_example_is_valid(string exampleFile)
    {
        var errors = Schema(SchemaNameOf(exampleFile)).Validate(File.ReadAllText(Path.Combine(SchemaFolder, "examples", exampleFile)));

        Assert.That(errors, Is.Empty);
    }

    [TestCase("status", "online", "$.online: required member is missing")]
    [TestCase("telemetry", "uplink", "$.uplink: required member is missing")]
    [TestCase("event", "bootId", "$.bootId: required member is missing")]
    [TestCase("command-result", "error", "$.error: required member is missing")]
    public void A_missing_required_member_is_named(string schema, string member, string expected)
    {
        var errors = ValidateMutated(schema, document => document.AsObject().Remove(member));

        Assert.That(errors, Has.Some.StartsWith(expected));
    }

    [Test]
    public void A_wrong_type_deep_inside_is_named_by_its_path()
    {
        var frames = ValidateMutated("telemetry", document => document["acquisition"]!["frames"] = "many");
        var fractional = ValidateMutated("telemetry", document => document["uplink"]!["reconnects"] = 1.5);
        var online = ValidateMutated("status", document => document["online"] = "yes");

        Assert.That(frames, Has.Some.StartsWith("$.acquisition.frames: must be integer"));
        Assert.That(fractional, Has.Some.StartsWith("$.uplink.reconnects: must be integer"));
        Assert.That(online, Has.Some.StartsWith("$.online: must be boolean"));
    }

    [Test]
    public void An_extra_member_is_refused_where_the_contract_is_closed()
    {
        var top = ValidateMutated("event", document => document["extra"] = 1);
        var nested = ValidateMutated("telemetry", document => document["channels"]![0]!["impedance"] = 5);
        var request = ValidateMutated("command-request", document => document["command"] = "arm");

        Assert.That(top, Has.Some.StartsWith("$.extra: member is not allowed"));
        Assert.That(nested, Has.Some.StartsWith("$.channels[0].impedance: member is not allowed"));
        Assert.That(request, Has.Some.StartsWith("$.command: member is not allowed"));
    }

    [Test]
    public void A_value_outside_an_enum_is_named()
    {
        var quality = ValidateMutated("telemetry", document => document["channels"]![1]!["quality"] = "muddy");
        var severity = ValidateMutated("event", document => document["severity"] = "fatal");
        var state = ValidateMutated("telemetry", document => document["supervisor"]!["state"] = "Moving");
        var code = ValidateMutated("command-result.unknown-command", document => document["error"]!["code"] = "forbidden");

        Assert.That(quality, Has.Some.StartsWith("$.channels[1].quality: \"muddy\" is not one of"));
        Assert.That(severity, Has.Some.StartsWith("$.severity: \"fatal\" is not one of"));
        Assert.That(state, Has.Some.StartsWith("$.supervisor.state: \"Moving\" is not one of"));
        Assert.That(code, Has.Some.Contains("$.error.code: \"forbidden\" is not one of"));
    }

    [Test]
    public void Times_ids_and_device_ids_are_held_to_their_formats()
    {
        var localTime = ValidateMutated("status", document => document["time"] = "2026-11-26T01:00:05.000+01:00");
        var notATime = ValidateMutated("event", document => document["time"] = "2026-13-26T01:00:00Z");
        var id = ValidateMutated("event", document => document["id"] = "17");
        var deviceId = ValidateMutated("telemetry", document => document["deviceId"] = "Unit 1");
        var schemaName = ValidateMutated("status", document => document["schema"] = "edgebci.status/2");

        Assert.That(localTime, Has.Some.StartsWith("$.time: \"2026-11-26T01:00:05.000+01:00\" does not match the pattern Z$"));
        Assert.That(notATime, Has.Some.StartsWith("$.time: \"2026-13-26T01:00:00Z\" is not an RFC 3339 date-time"));
        Assert.That(id, Has.Some.StartsWith("$.id: \"17\" does not match the pattern"));
        Assert.That(deviceId, Has.Some.StartsWith("$.deviceId: \"Unit 1\" does not match the pattern"));
        Assert.That(schemaName, Has.Some.StartsWith("$.schema: must be \"edgebci.status/1\""));
    }

    [Test]
    public void Nullable_members_take_null_and_their_type_but_nothing_else()
    {
        Assert.That(ValidateMutated("telemetry", document => document["decision"] = null), Is.Empty);
        Assert.That(ValidateMutated("telemetry", document => document["supervisor"]!["intent"] = null), Is.Empty);
        Assert.That(ValidateMutated("status", document => document["model"] = null), Is.Empty);
        Assert.That(ValidateMutated("telemetry", document => document["focus"] = 1.2), Has.Some.StartsWith("$.focus: matches none of the oneOf alternatives"));
        Assert.That(ValidateMutated("status", document => document["model"] = "s001"), Has.Some.StartsWith("$.model: matches none of the oneOf alternatives"));
    }

    [Test]
    public void A_dead_signal_shows_as_a_rejected_decision_a_settling_channel_and_no_focus()
    {
        Assert.That(ValidateMutated("telemetry", document =>
        {
            document["decision"] = new JsonObject { ["class"] = "rejected: C3 railed", ["confidence"] = 0.0, ["evidence"] = 0.62 };
            document["focus"] = null;
            document["channels"]![0]!["quality"] = "settling";
        }), Is.Empty);
        Assert.That(ValidateMutated("telemetry", document => document["channels"]![0]!["quality"] = "dead"),
            Has.Some.StartsWith("$.channels[0].quality"));
    }

    [Test]
    public void A_result_says_ok_with_no_error_or_not_ok_with_one()
    {
        var okWithError = ValidateMutated("command-result", document => document["error"] = new JsonObject { ["code"] = "failed", ["message"] = "x" });
        var failedWithoutError = ValidateMutated("command-result.unknown-command", document => document["error"] = null);

        Assert.That(okWithError, Has.Some.StartsWith("$: matches none of the oneOf alternatives"));
        Assert.That(failedWithoutError, Has.Some.StartsWith("$: matches none of the oneOf alternatives"));
    }

    [Test]
    public void Each_commands_arguments_are_checked_against_its_definition()
    {
        var schema = Schema("command-request");

        Assert.That(schema.Validate("""{"level":"Debug"}""", "#/$defs/args-set-log-level"), Is.Empty);
        Assert.That(schema.Validate("""{"level":"Verbose"}""", "#/$defs/args-set-log-level"), Has.Some.StartsWith("$.level: \"Verbose\" is not one of"));
        Assert.That(schema.Validate("{}", "#/$defs/args-set-log-level"), Has.Some.StartsWith("$.level: required member is missing"));
        Assert.That(schema.Validate("{}", "#/$defs/args-stop"), Is.Empty);
        Assert.That(schema.Validate("""{"speed":1}""", "#/$defs/args-stop"), Has.Some.StartsWith("$.speed: member is not allowed"));
        Assert.That(schema.Validate("{}"), Is.Empty, "an empty request is valid");
        Assert.That(schema.Validate("""{"args":[]}"""), Has.Some.StartsWith("$.args: must be object"));
    }

    private static JsonSchemaCheck Schema(string name) => JsonSchemaCheck.Load(Path.Combine(SchemaFolder, name + ".schema.json"));

    /// <summary>"status.will.json" -> "status"; "command-result.unknown-command.json" -> "command-result".</summary>
    private static string SchemaNameOf(string exampleFile) => exampleFile.Split('.')[0];

    private static IReadOnlyList<string> ValidateMutated(string example, Action<JsonNode> mutate)
    {
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaFolder, "examples", example + ".json")))!;
        mutate(document);
        return Schema(SchemaNameOf(example)).Validate(document.ToJsonString());
    }
}
