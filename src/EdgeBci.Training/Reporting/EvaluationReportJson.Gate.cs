using System.Text;
using System.Text.Json;
using EdgeBci.Training.Gate;

namespace EdgeBci.Training.Reporting;

/// <summary>
/// The acceptance gate's verdict: the report's optional "gate" object, and the same object alone as the wearer's
/// gate.json (<see cref="GateReportWriter"/>), so one writer and one reader serve both.
/// </summary>
public static partial class EvaluationReportJson
{
    /// <summary>The gate's verdict as gate.json holds it.</summary>
    public static string SerializeGate(GateReport gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            WriteGate(writer, gate);
        }

        stream.WriteByte((byte)'\n');
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Reads a gate.json.</summary>
    /// <exception cref="EvaluationReportFormatException">The file is not a gate verdict; names the file and the JSON path at fault.</exception>
    public static GateReport ReadGate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return ReadGate(new Node(document.RootElement, "$", path));
        }
        catch (JsonException exception)
        {
            throw new EvaluationReportFormatException(path, "$", $"not valid JSON at line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}", exception);
        }
    }

    private static void WriteGate(Utf8JsonWriter writer, GateReport gate)
    {
        writer.WriteStartObject();
        writer.WriteBoolean(GateNames.Passed, gate.Passed);
        WriteArray(writer, GateNames.Checks, gate.Checks, (w, check) =>
        {
            w.WriteStartObject();
            w.WriteString(Names.Name, check.Name);
            w.WriteBoolean(GateNames.Passed, check.Passed);
            WriteDouble(w, GateNames.Measured, check.Measured);
            WriteDouble(w, GateNames.Required, check.Required);
            w.WriteString(GateNames.Detail, check.Detail);
            if (check.CountNeeded is { } needed)
            {
                w.WriteNumber(GateNames.CountNeeded, needed);
            }

            w.WriteEndObject();
        });
        WriteArray(writer, GateNames.Advice, gate.Advice, (w, advice) => w.WriteStringValue(advice));
        writer.WriteEndObject();
    }

    private static GateReport ReadGate(Node gate)
    {
        gate.ExpectKind(JsonValueKind.Object, "an object");
        var checks = gate.Property(GateNames.Checks).Items().ConvertAll(check => new GateCheck(
            check.Property(Names.Name).String(),
            Boolean(check.Property(GateNames.Passed)),
            check.Property(GateNames.Measured).Double(),
            check.Property(GateNames.Required).Double(),
            check.Property(GateNames.Detail).String(),
            check.OptionalProperty(GateNames.CountNeeded)?.Int()));
        var report = new GateReport(checks, gate.Property(GateNames.Advice).Items().ConvertAll(advice => advice.String()));
        var passed = gate.Property(GateNames.Passed);
        if (Boolean(passed) != report.Passed)
        {
            passed.Fail($"says {(Boolean(passed) ? "passed" : "refused")}, but its checks say {(report.Passed ? "passed" : "refused")}");
        }

        return report;
    }

    private static bool Boolean(Node node)
    {
        if (node.Element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            node.Fail("expected true or false");
        }

        return node.Element.GetBoolean();
    }

    private static class GateNames
    {
        public const string Gate = "gate";
        public const string Passed = "passed";
        public const string Checks = "checks";
        public const string Measured = "measured";
        public const string Required = "required";
        public const string Detail = "detail";
        public const string CountNeeded = "countNeeded";
        public const string Advice = "advice";
    }
}
