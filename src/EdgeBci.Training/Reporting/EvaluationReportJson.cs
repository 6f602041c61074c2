using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Reporting;

/// <summary>
/// Writes an <see cref="EvaluationReport"/> as indented JSON with fixed camelCase names, and reads it back.
/// <para>
/// The names and their order are written out here, not left to a serializer's conventions, because scripts and a
/// later <c>edgebci</c> command read these files: a renamed C# property must not rename a field. Numbers are written
/// in their shortest round-trip form, so a report read back holds the very same doubles; a non-finite number (a
/// diverged loss) is written as the string "NaN", "Infinity" or "-Infinity", which plain JSON cannot hold otherwise.
/// </para>
/// <para>
/// The confusion counts are the source of truth: reading recomputes every metric from them, and rejects a file whose
/// trials, accuracy, balanced accuracy, kappa or macro F1 disagree with its counts, because a page rendered from such
/// a file would contradict itself. The "comparison" table is derived from the results for readers of the file and
/// is ignored when reading.
/// </para>
/// </summary>
public static partial class EvaluationReportJson
{
    /// <summary>Raised when the layout changes in a way older readers would misread.</summary>
    public const int FormatVersion = 1;

    // Metrics are recomputed from integer counts with the same arithmetic, so they match exactly unless edited; the
    // slack only forgives a tool that rewrote the file with fewer digits.
    private const double MetricTolerance = 1e-9;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,

        // The default encoder escapes '+', '<' and '&' for embedding in HTML; this file is never embedded (the page
        // escapes its own text), and "CSP\u002BLDA" would only hurt whoever reads the file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the report to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(EvaluationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.Create(path);
        Write(report, stream);
    }

    /// <summary>Writes the report to <paramref name="stream"/> as UTF-8, ending with a newline.</summary>
    public static void Write(EvaluationReport report, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(stream);
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            WriteReport(writer, report);
        }

        stream.WriteByte((byte)'\n');
    }

    /// <summary>The report as JSON text, exactly as <see cref="Write(EvaluationReport, string)"/> would write it.</summary>
    public static string Serialize(EvaluationReport report)
    {
        using var stream = new MemoryStream();
        Write(report, stream);
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Reads a report written by <see cref="Write(EvaluationReport, string)"/>.</summary>
    /// <exception cref="EvaluationReportFormatException">The file is not such a report; names the file and the JSON path at fault.</exception>
    public static EvaluationReport Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a report from JSON text.</summary>
    /// <param name="origin">Names the text in error messages (a file path, "clipboard").</param>
    /// <exception cref="EvaluationReportFormatException">The text is not such a report; names the origin and the JSON path at fault.</exception>
    public static EvaluationReport Parse(string json, string origin = "report")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(origin);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            throw new EvaluationReportFormatException(origin, "$",
                $"not valid JSON at line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}", exception);
        }

        using (document)
        {
            return ReadReport(new Node(document.RootElement, "$", origin));
        }
    }

    // ---- writing -------------------------------------------------------------------------------------------------

    private static void WriteReport(Utf8JsonWriter writer, EvaluationReport report)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Names.FormatVersion, FormatVersion);
        writer.WriteString(Names.Task, report.Task);
        writer.WriteNumber(Names.Subject, report.Subject);
        WriteArray(writer, Names.Runs, report.Runs, (w, run) => w.WriteNumberValue(run));
        writer.WriteStartArray(Names.Window);
        WriteDoubleValue(writer, report.WindowStartSeconds);
        WriteDoubleValue(writer, report.WindowEndSeconds);
        writer.WriteEndArray();
        WriteArray(writer, Names.Channels, report.Channels, (w, name) => w.WriteStringValue(name));
        writer.WriteNumber(Names.SampleRate, report.SampleRate);
        WriteArray(writer, Names.Classes, report.Classes, (w, name) => w.WriteStringValue(name));
        writer.WriteNumber(Names.Trials, report.Trials);
        writer.WriteString(Names.Command, report.Command);
        writer.WriteString(Names.ToolVersion, report.ToolVersion);
        writer.WriteString(Names.Created, report.Created);
        WriteArray(writer, Names.Results, report.Results, WriteResult);
        WriteComparison(writer, report.Comparison());
        WriteArray(writer, Names.LearningCurves, report.LearningCurves, WriteCurve);
        WriteArray(writer, Names.ModelSizes, report.ModelSizes, (w, size) =>
        {
            w.WriteStartObject();
            w.WriteString(Names.Name, size.Name);
            w.WriteNumber(Names.Bytes, size.Bytes);
            w.WriteEndObject();
        });
        WriteArray(writer, Names.QuantizationAgreements, report.QuantizationAgreements, (w, fold) =>
        {
            w.WriteStartObject();
            w.WriteString(Names.Label, fold.Label);
            w.WriteNumber(Names.Agreeing, fold.Agreeing);
            w.WriteNumber(Names.Windows, fold.Windows);
            w.WriteNumber(Names.MaxProbabilityDifference, fold.MaxProbabilityDifference);
            w.WriteNumber(Names.Fp32Bytes, fold.Fp32Bytes);
            w.WriteNumber(Names.Int8Bytes, fold.Int8Bytes);
            w.WriteEndObject();
        });
        WriteArray(writer, ReplayNames.LiveReplays, report.LiveReplays, WriteReplay);
        if (report.Gate is { } gate)
        {
            writer.WritePropertyName(GateNames.Gate);
            WriteGate(writer, gate);
        }

        writer.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter writer, ProtocolResult result)
    {
        var metrics = result.Metrics;
        writer.WriteStartObject();
        writer.WriteString(Names.Model, result.Model);
        writer.WriteString(Names.Protocol, result.Protocol);
        writer.WriteString(Names.Description, result.Description);
        writer.WriteNumber(Names.Trials, metrics.SampleCount);
        WriteDouble(writer, Names.Accuracy, metrics.Accuracy);
        WriteDouble(writer, Names.BalancedAccuracy, metrics.BalancedAccuracy);
        WriteDouble(writer, Names.Kappa, metrics.CohensKappa);
        WriteDouble(writer, Names.MacroF1, metrics.MacroF1);
        WriteArray(writer, Names.PerClass, metrics.PerClass, (w, scores) =>
        {
            w.WriteStartObject();
            w.WriteString(Names.Name, scores.Name);
            w.WriteNumber(Names.Support, scores.Support);
            w.WriteNumber(Names.PredictedCount, scores.PredictedCount);
            WriteDouble(w, Names.Precision, scores.Precision);
            WriteDouble(w, Names.Recall, scores.Recall);
            WriteDouble(w, Names.F1, scores.F1);
            w.WriteEndObject();
        });
        writer.WriteStartObject(Names.Confusion);
        WriteArray(writer, Names.Rows, metrics.ClassNames, (w, name) => w.WriteStringValue(name));
        WriteArray(writer, Names.Columns, metrics.ClassNames, (w, name) => w.WriteStringValue(name));
        writer.WriteStartArray(Names.Counts);
        for (var t = 0; t < metrics.ClassCount; t++)
        {
            writer.WriteStartArray();
            for (var p = 0; p < metrics.ClassCount; p++)
            {
                writer.WriteNumberValue(metrics.Count(t, p));
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteComparison(Utf8JsonWriter writer, ComparisonTable table)
    {
        writer.WriteStartObject(Names.Comparison);
        WriteArray(writer, Names.Models, table.Models, (w, model) => w.WriteStringValue(model));
        WriteArray(writer, Names.Rows, table.Rows, (w, row) =>
        {
            w.WriteStartObject();
            w.WriteString(Names.Protocol, row.Protocol);
            WriteCells(w, Names.Accuracy, row, metrics => metrics.Accuracy);
            WriteCells(w, Names.BalancedAccuracy, row, metrics => metrics.BalancedAccuracy);
            WriteCells(w, Names.Kappa, row, metrics => metrics.CohensKappa);
            w.WriteEndObject();
        });
        writer.WriteEndObject();
    }

    private static void WriteCells(Utf8JsonWriter writer, string name, ComparisonRow row, Func<ClassificationMetrics, double> figure)
    {
        writer.WriteStartArray(name);
        foreach (var cell in row.Cells)
        {
            if (cell is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteDoubleValue(writer, figure(cell.Metrics));
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteCurve(Utf8JsonWriter writer, LearningCurve curve)
    {
        writer.WriteStartObject();
        writer.WriteString(Names.Label, curve.Label);
        writer.WriteStartObject(Names.Summary);
        writer.WriteNumber(Names.EpochsRun, curve.Summary.EpochsRun);
        writer.WriteNumber(Names.BestEpoch, curve.Summary.BestEpoch);
        WriteNullableDouble(writer, Names.BestValidationLoss, curve.Summary.BestValidationLoss);
        writer.WriteString(Names.StopReason, curve.Summary.StopReason);
        WriteDouble(writer, Names.ElapsedSeconds, Seconds(curve.Summary.Elapsed));
        writer.WriteEndObject();
        WriteArray(writer, Names.Epochs, curve.Epochs, (w, epoch) =>
        {
            w.WriteStartObject();
            w.WriteNumber(Names.Epoch, epoch.Epoch);
            WriteDouble(w, Names.TrainLoss, epoch.TrainLoss);
            WriteDouble(w, Names.TrainAccuracy, epoch.TrainAccuracy);
            WriteNullableDouble(w, Names.ValidationLoss, epoch.ValidationLoss);
            WriteNullableDouble(w, Names.ValidationAccuracy, epoch.ValidationAccuracy);
            WriteDouble(w, Names.LearningRate, epoch.LearningRate);
            WriteDouble(w, Names.ElapsedSeconds, Seconds(epoch.Elapsed));
            w.WriteEndObject();
        });
        writer.WriteEndObject();
    }

    // Ticks are below 2^53 for any plausible duration, so ticks / 10^7 and back is exact after rounding.
    private static double Seconds(TimeSpan span) => span.Ticks / (double)TimeSpan.TicksPerSecond;

    private static void WriteArray<T>(Utf8JsonWriter writer, string name, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> item)
    {
        writer.WriteStartArray(name);
        foreach (var value in items)
        {
            item(writer, value);
        }

        writer.WriteEndArray();
    }

    private static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        WriteDoubleValue(writer, value);
    }

    private static void WriteNullableDouble(Utf8JsonWriter writer, string name, double? value)
    {
        writer.WritePropertyName(name);
        if (value is { } number)
        {
            WriteDoubleValue(writer, number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteDoubleValue(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    private static EvaluationReport ReadReport(Node root)
    {
        root.ExpectKind(JsonValueKind.Object, "an object");
        var version = root.Property(Names.FormatVersion);
        if (version.Int() is var number && number is < 1 or > FormatVersion)
        {
            version.Fail($"format version {number} is not one this tool reads (1..{FormatVersion})");
        }

        var window = root.Property(Names.Window).Items();
        if (window.Count != 2)
        {
            root.Property(Names.Window).Fail($"expected [start, end] in seconds, found {window.Count} values");
        }

        var created = root.Property(Names.Created);
        created.ExpectKind(JsonValueKind.String, "a date and time (ISO 8601)");
        if (!created.Element.TryGetDateTimeOffset(out var createdAt))
        {
            created.Fail($"'{created.Element.GetString()}' is not an ISO 8601 date and time");
        }

        var sizes = root.OptionalProperty(Names.ModelSizes)?.Items() ?? [];
        var curves = root.OptionalProperty(Names.LearningCurves)?.Items() ?? [];
        var agreements = root.OptionalProperty(Names.QuantizationAgreements)?.Items() ?? [];
        var replays = root.OptionalProperty(ReplayNames.LiveReplays)?.Items() ?? [];
        return new EvaluationReport
        {
            Task = root.Property(Names.Task).String(),
            Subject = root.Property(Names.Subject).Int(),
            Runs = root.Property(Names.Runs).Items().ConvertAll(run => run.Int()),
            WindowStartSeconds = window[0].Double(),
            WindowEndSeconds = window[1].Double(),
            Channels = root.Property(Names.Channels).Items().ConvertAll(name => name.String()),
            SampleRate = root.Property(Names.SampleRate).Int(),
            Classes = root.Property(Names.Classes).Items().ConvertAll(name => name.String()),
            Trials = root.Property(Names.Trials).Int(),
            Command = root.Property(Names.Command).String(),
            ToolVersion = root.Property(Names.ToolVersion).String(),
            Created = createdAt,
            Results = root.Property(Names.Results).Items().ConvertAll(ReadResult),
            LearningCurves = curves.ConvertAll(ReadCurve),
            ModelSizes = sizes.ConvertAll(size =>
            {
                var bytes = size.Property(Names.Bytes);
                var value = bytes.Long();
                if (value < 0)
                {
                    bytes.Fail($"a size cannot be negative ({value})");
                }

                return new ModelArtifactSize(size.Property(Names.Name).String(), value);
            }),
            QuantizationAgreements = agreements.ConvertAll(fold =>
            {
                var agreeing = fold.Property(Names.Agreeing).Int();
                var windows = fold.Property(Names.Windows);
                if (agreeing < 0 || agreeing > windows.Int())
                {
                    windows.Fail($"{agreeing} agreeing windows of {windows.Int()} is impossible");
                }

                return new QuantizationAgreement(fold.Property(Names.Label).String(), agreeing, windows.Int(),
                    fold.Property(Names.MaxProbabilityDifference).Double(), fold.Property(Names.Fp32Bytes).Long(), fold.Property(Names.Int8Bytes).Long());
            }),
            LiveReplays = replays.ConvertAll(ReadReplay),
            Gate = root.OptionalProperty(GateNames.Gate) is { } gate ? ReadGate(gate) : null,
        };
    }

    private static ProtocolResult ReadResult(Node result)
    {
        var confusion = result.Property(Names.Confusion);
        var rows = confusion.Property(Names.Rows).Items().ConvertAll(name => name.String());
        var columns = confusion.Property(Names.Columns);
        if (!columns.Items().ConvertAll(name => name.String()).SequenceEqual(rows))
        {
            columns.Fail("the predicted classes (columns) must be the true classes (rows), in the same order");
        }

        if (rows.Count == 0)
        {
            confusion.Property(Names.Rows).Fail("at least one class is needed");
        }

        var countRows = confusion.Property(Names.Counts).Items();
        if (countRows.Count != rows.Count)
        {
            confusion.Property(Names.Counts).Fail($"expected {rows.Count} rows (one per class), found {countRows.Count}");
        }

        var counts = new int[rows.Count, rows.Count];
        for (var t = 0; t < rows.Count; t++)
        {
            var cells = countRows[t].Items();
            if (cells.Count != rows.Count)
            {
                countRows[t].Fail($"expected {rows.Count} counts (one per class), found {cells.Count}");
            }

            for (var p = 0; p < rows.Count; p++)
            {
                counts[t, p] = cells[p].Int();
                if (counts[t, p] < 0)
                {
                    cells[p].Fail($"a count cannot be negative ({counts[t, p]})");
                }
            }
        }

        ClassificationMetrics metrics;
        try
        {
            metrics = ClassificationMetrics.FromConfusionMatrix(counts, rows);
        }
        catch (ArgumentException exception)
        {
            throw confusion.Property(Names.Counts).Error(exception.Message, exception);
        }

        var trials = result.Property(Names.Trials);
        if (trials.Int() != metrics.SampleCount)
        {
            trials.Fail($"{trials.Int()} trials, but the confusion counts add up to {metrics.SampleCount}");
        }

        Check(result.Property(Names.Accuracy), metrics.Accuracy);
        Check(result.Property(Names.BalancedAccuracy), metrics.BalancedAccuracy);
        Check(result.Property(Names.Kappa), metrics.CohensKappa);
        Check(result.Property(Names.MacroF1), metrics.MacroF1);
        return new ProtocolResult(result.Property(Names.Model).String(), result.Property(Names.Protocol).String(),
            result.Property(Names.Description).String(), metrics);
    }

    private static void Check(Node stored, double recomputed)
    {
        var value = stored.Double();
        if (!(Math.Abs(value - recomputed) <= MetricTolerance))
        {
            stored.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{value:R} disagrees with the confusion counts, which give {recomputed:R}"));
        }
    }

    private static LearningCurve ReadCurve(Node curve)
    {
        var summary = curve.Property(Names.Summary);
        var epochs = curve.Property(Names.Epochs).Items().ConvertAll(epoch => new EpochReport(
            epoch.Property(Names.Epoch).Int(),
            epoch.Property(Names.TrainLoss).Double(),
            epoch.Property(Names.TrainAccuracy).Double(),
            epoch.Property(Names.ValidationLoss).NullableDouble(),
            epoch.Property(Names.ValidationAccuracy).NullableDouble(),
            epoch.Property(Names.LearningRate).Double(),
            epoch.Property(Names.ElapsedSeconds).Duration()));
        return new LearningCurve(curve.Property(Names.Label).String(), epochs, new TrainingSummary(
            summary.Property(Names.EpochsRun).Int(),
            summary.Property(Names.BestEpoch).Int(),
            summary.Property(Names.BestValidationLoss).NullableDouble(),
            summary.Property(Names.StopReason).String(),
            summary.Property(Names.ElapsedSeconds).Duration()));
    }

    /// <summary>A value in the document with the path that leads to it, so every complaint can say where.</summary>
    private readonly record struct Node(JsonElement Element, string Path, string Origin)
    {
        public Node Property(string name)
        {
            ExpectKind(JsonValueKind.Object, "an object");
            return Element.TryGetProperty(name, out var value)
                ? new Node(value, $"{Path}.{name}", Origin)
                : throw new EvaluationReportFormatException(Origin, $"{Path}.{name}", "missing");
        }

        /// <summary>The property, or null when it is absent or null.</summary>
        public Node? OptionalProperty(string name)
        {
            ExpectKind(JsonValueKind.Object, "an object");
            return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
                ? new Node(value, $"{Path}.{name}", Origin)
                : null;
        }

        public List<Node> Items()
        {
            ExpectKind(JsonValueKind.Array, "an array");
            var items = new List<Node>(Element.GetArrayLength());
            var index = 0;
            foreach (var item in Element.EnumerateArray())
            {
                items.Add(new Node(item, $"{Path}[{index++}]", Origin));
            }

            return items;
        }

        public string String()
        {
            ExpectKind(JsonValueKind.String, "a string");
            return Element.GetString()!;
        }

        public int Int()
        {
            ExpectKind(JsonValueKind.Number, "a whole number");
            return Element.TryGetInt32(out var value) ? value : throw Error($"{Element.GetRawText()} is not a whole number in the int range");
        }

        public long Long()
        {
            ExpectKind(JsonValueKind.Number, "a whole number");
            return Element.TryGetInt64(out var value) ? value : throw Error($"{Element.GetRawText()} is not a whole number in the long range");
        }

        public double Double()
        {
            if (Element.ValueKind == JsonValueKind.String)
            {
                return Element.GetString() switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var text => throw Error($"expected a number, found the string \"{text}\""),
                };
            }

            ExpectKind(JsonValueKind.Number, "a number");
            return Element.TryGetDouble(out var value) && double.IsFinite(value) ? value : throw Error($"{Element.GetRawText()} is out of range");
        }

        public double? NullableDouble() => Element.ValueKind == JsonValueKind.Null ? null : Double();

        public TimeSpan Duration()
        {
            var seconds = Double();
            var ticks = Math.Round(seconds * TimeSpan.TicksPerSecond);
            return ticks >= 0 && ticks <= TimeSpan.MaxValue.Ticks
                ? TimeSpan.FromTicks((long)ticks)
                : throw Error(string.Create(CultureInfo.InvariantCulture, $"{seconds:R} s is not a duration"));
        }

        public void ExpectKind(JsonValueKind kind, string what)
        {
            if (Element.ValueKind != kind)
            {
                throw Error($"expected {what}, found {Describe(Element.ValueKind)}");
            }
        }

        public void Fail(string problem) => throw Error(problem);

        public EvaluationReportFormatException Error(string problem, Exception? inner = null) => new(Origin, Path, problem, inner);

        private static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "true/false",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };
    }
}
