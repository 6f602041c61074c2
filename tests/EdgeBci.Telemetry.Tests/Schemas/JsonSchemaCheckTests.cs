using EdgeBci.Tests.Shared;

namespace EdgeBci.Telemetry.Tests.Schemas;

/// <summary>The test-side schema checker itself: what it accepts, what it rejects, and that it refuses what it cannot check.</summary>
public sealed class JsonSchemaCheckTests
{
    [Test]
    public void An_unsupported_keyword_is_refused_when_the_schema_is_loaded_instead_of_being_ignored()
    {
        Assert.That(() => JsonSchemaCheck.Parse("""{"type":"object","properties":{"a":{"type":"string","uniqueItems":true}}}"""),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("uniqueItems").And.Message.Contains("#/properties/a"));
        Assert.That(() => JsonSchemaCheck.Parse("""{"format":"email"}"""), Throws.TypeOf<NotSupportedException>().With.Message.Contains("email"));
        Assert.That(() => JsonSchemaCheck.Parse("""{"type":"text"}"""), Throws.TypeOf<FormatException>().With.Message.Contains("text"));
    }

    [Test]
    public void A_dangling_or_remote_reference_is_refused_when_the_schema_is_loaded()
    {
        Assert.That(() => JsonSchemaCheck.Parse("""{"$ref":"#/$defs/missing"}"""), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("missing"));
        Assert.That(() => JsonSchemaCheck.Parse("""{"$ref":"other.schema.json"}"""), Throws.TypeOf<NotSupportedException>());
    }

    [TestCase("1", true)]
    [TestCase("1.0", true)]
    [TestCase("-3", true)]
    [TestCase("1.5", false)]
    [TestCase("\"1\"", false)]
    [TestCase("null", false)]
    public void Integer_means_a_number_without_a_fraction(string instance, bool valid)
    {
        var errors = JsonSchemaCheck.Parse("""{"type":"integer"}""").Validate(instance);

        Assert.That(errors, valid ? Is.Empty : Has.Count.EqualTo(1));
    }

    [Test]
    public void One_of_requires_exactly_one_match_and_any_of_at_least_one()
    {
        var oneOf = JsonSchemaCheck.Parse("""{"oneOf":[{"type":"number"},{"type":"integer"}]}""");
        var anyOf = JsonSchemaCheck.Parse("""{"anyOf":[{"type":"number"},{"type":"integer"}]}""");

        Assert.That(oneOf.Validate("1.5"), Is.Empty);
        Assert.That(oneOf.Validate("2"), Has.Some.Contains("matches 2 of the oneOf alternatives"));
        Assert.That(anyOf.Validate("2"), Is.Empty);
        Assert.That(anyOf.Validate("\"2\""), Has.Some.StartsWith("$: matches none of the anyOf alternatives"));
    }

    [Test]
    public void Lengths_and_bounds_are_inclusive_and_lengths_count_characters_not_bytes()
    {
        var schema = JsonSchemaCheck.Parse("""{"properties":{"s":{"minLength":2,"maxLength":3},"n":{"minimum":0,"maximum":1}}}""");

        Assert.That(schema.Validate("""{"s":"ab","n":0}"""), Is.Empty);
        Assert.That(schema.Validate("""{"s":"µµµ","n":1}"""), Is.Empty);
        Assert.That(schema.Validate("""{"s":"a","n":-0.1}"""), Is.EquivalentTo(new[]
        {
            "$.s: \"a\" is shorter than 2 characters",
            "$.n: -0.1 is below the minimum 0",
        }));
        Assert.That(schema.Validate("""{"s":"abcd","n":1.01}"""), Has.Count.EqualTo(2));
    }

    [Test]
    public void Additional_properties_can_be_a_schema_and_odd_member_names_are_quoted_in_the_path()
    {
        var schema = JsonSchemaCheck.Parse("""{"type":"object","additionalProperties":{"type":"string"}}""");

        Assert.That(schema.Validate("""{"a":"x","b c":"y"}"""), Is.Empty);
        Assert.That(schema.Validate("""{"b c":1}"""), Is.EqualTo(new[] { "$['b c']: must be string, is number 1" }));
    }

    [Test]
    public void Malformed_json_is_one_error_not_an_exception()
    {
        var errors = JsonSchemaCheck.Parse("""{"type":"object"}""").Validate("{\"a\":");

        Assert.That(errors, Has.Count.EqualTo(1).And.Some.StartsWith("$: not JSON"));
    }

    [TestCase("2026-11-26T01:00:00Z", true)]
    [TestCase("2026-11-26T01:00:00.123456Z", true)]
    [TestCase("2026-11-26T01:00:00+02:00", true)]
    [TestCase("2026-11-26 01:00:00Z", false)]
    [TestCase("2026-02-30T01:00:00Z", false)]
    [TestCase("2026-11-26T25:00:00Z", false)]
    [TestCase("2026-11-26", false)]
    public void Date_time_is_rfc_3339_and_a_real_date(string text, bool valid)
    {
        var errors = JsonSchemaCheck.Parse("""{"format":"date-time"}""").Validate($"\"{text}\"");

        Assert.That(errors, valid ? Is.Empty : Has.Count.EqualTo(1));
    }
}
