using EdgeBci.Training.Camp;

namespace EdgeBci.Training.Tests.Camp;

/// <summary>The protocol file: the shipped default, and errors that name the file, the key and the value.</summary>
public class CalibrationProtocolTests
{
    [Test]
    public void The_shipped_protocol_cues_45_left_and_45_right_in_three_blocks_with_Graz_timing()
    {
        var protocol = CalibrationProtocol.Load(CampTestData.ShippedProtocolPath());

        Assert.That(protocol.Name, Is.EqualTo("rest-left-right"));
        Assert.That(protocol.Classes.Select(c => (c.Name, c.Code)), Is.EqualTo(new[] { ("left", "T1"), ("right", "T2") }));
        Assert.That(protocol.TrialsPerClass, Is.EqualTo(45));
        Assert.That(protocol.Blocks, Is.EqualTo(3));
        Assert.That(protocol.TrialsPerBlockPerClass, Is.EqualTo(15));
        Assert.That(protocol.RestCode, Is.EqualTo("T0"));
        Assert.That(protocol.Timing, Is.EqualTo(new TrialTiming(2, 4, 1.5, 3, 60)));
        Assert.That(protocol.Sha256, Has.Length.EqualTo(64));
    }

    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "LEFT" } ], "blocks": 1 }""",
        "\"trialsPerClass\" is missing")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "LEFT" } ], "trialsPerClass": "ten", "blocks": 1 }""",
        "\"trialsPerClass\" = \"ten\"")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "LEFT" } ], "trialsPerClass": 10, "blocks": 3 }""",
        "\"trialsPerClass\" = 10 does not split evenly into \"blocks\" = 3")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<" } ], "trialsPerClass": 2, "blocks": 1 }""",
        "\"classes[1].word\" is missing")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "L" }, { "name": "right", "code": "T1", "symbol": ">", "word": "R" } ], "trialsPerClass": 2, "blocks": 1 }""",
        "\"classes[2]\" (\"right\", \"T1\") repeats the name or code of class \"left\"")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "rest", "code": "T0", "symbol": "o", "word": "REST" } ], "trialsPerClass": 2, "blocks": 1 }""",
        "\"classes[1].code\" = \"T0\" is the \"restCode\"")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "L" } ], "trialsPerClass": 2, "blocks": 1, "timing": { "cue": -4 } }""",
        "\"timing.cue\" = -4 is not a number of seconds")]
    [TestCase("""{ "name": "p", "classes": [ { "name": "left", "code": "T1", "symbol": "<", "word": "L" } ], "trialsPerClass": 2, "blocks": 1, "timing": { "restMin": 3, "restMax": 2 } }""",
        "\"timing.restMax\" = 2 is below \"timing.restMin\" = 3")]
    [TestCase("""{ "name": "p", "classes": [], "trialsPerClass": 2, "blocks": 1 }""", "\"classes\" is missing or not a non-empty array")]
    [TestCase("""{ "name": "p", """, "not valid JSON")]
    public void A_bad_protocol_is_refused_naming_the_file_the_key_and_the_value(string json, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => CalibrationProtocol.Parse(json, "clinic.json"))!;

        Assert.That(error.Message, Does.StartWith("clinic.json: "));
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void A_missing_protocol_file_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => CalibrationProtocol.Load("/nonexistent/protocol.json"))!;

        Assert.That(error.Message, Does.Contain("/nonexistent/protocol.json: no such file"));
    }

    [Test]
    public void Rest_may_be_a_cued_class_with_a_code_of_its_own()
    {
        var protocol = CalibrationProtocol.Parse("""
            { "name": "p", "classes": [ { "name": "rest", "code": "T3", "symbol": "o", "word": "REST" }, { "name": "left", "code": "T1", "symbol": "<", "word": "L" } ],
              "trialsPerClass": 2, "blocks": 1 }
            """);

        Assert.That(protocol.ClassWithCode("T3")!.Name, Is.EqualTo("rest"));
        Assert.That(protocol.Timing, Is.EqualTo(new TrialTiming()));
    }
}
