using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;
using EdgeBci.Training.Reporting;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The evaluation report: its JSON (names, exact round trip, errors that say where) and its HTML page (well-formed
/// SVG, one confusion matrix per result with the right counts, escaped text, learning curves with the best epoch
/// marked, the comparison table in the metrics' format).
/// </summary>
public partial class ReportTests
{
    private const string AwkwardClass = "<left & right>";
    private const string AwkwardCommand = "edgebci evaluate --task 'a<b' --out \"x&y.json\"";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-report-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    // ---- JSON ----------------------------------------------------------------------------------------------------

    [Test]
    public void Json_read_back_holds_the_same_content_with_every_number_exact()
    {
        var report = Sample();
        var path = Path.Combine(_folder, "report.json");

        EvaluationReportJson.Write(report, path);
        var read = EvaluationReportJson.Read(path);

        AssertSameContent(read, report);
        Assert.That(EvaluationReportJson.Serialize(read), Is.EqualTo(File.ReadAllText(path)), "written again, byte for byte the same");
    }

    [Test]
    public void Json_keeps_the_field_names_the_CLI_wrote_and_adds_curves_sizes_and_the_comparison()
    {
        using var json = JsonDocument.Parse(EvaluationReportJson.Serialize(Sample()));
        var root = json.RootElement;

        Assert.That(root.GetProperty("task").GetString(), Is.EqualTo("hands-vs-feet"));
        Assert.That(root.GetProperty("runs").EnumerateArray().Select(run => run.GetInt32()), Is.EqualTo(new[] { 6, 10, 14 }));
        Assert.That(root.GetProperty("window").EnumerateArray().Select(end => end.GetDouble()), Is.EqualTo(new[] { 0.5, 2.5 }));
        Assert.That(root.GetProperty("channels").GetArrayLength(), Is.EqualTo(3));
        Assert.That(root.GetProperty("sampleRate").GetInt32(), Is.EqualTo(250));
        Assert.That(root.GetProperty("classes")[0].GetString(), Is.EqualTo(AwkwardClass), "names are not HTML-escaped in JSON");
        Assert.That(root.GetProperty("trials").GetInt32(), Is.EqualTo(12));

        var result = root.GetProperty("results")[0];
        foreach (var name in new[] { "model", "protocol", "description", "trials", "accuracy", "balancedAccuracy", "kappa", "macroF1", "perClass", "confusion" })
        {
            Assert.That(result.TryGetProperty(name, out _), name);
        }

        Assert.That(result.GetProperty("perClass")[0].GetProperty("f1").GetDouble(), Is.EqualTo(Sample().Results[0].Metrics.PerClass[0].F1));
        Assert.That(result.GetProperty("confusion").GetProperty("rows")[0].GetString(), Is.EqualTo(AwkwardClass));
        Assert.That(result.GetProperty("confusion").GetProperty("columns").GetArrayLength(), Is.EqualTo(2));
        Assert.That(result.GetProperty("confusion").GetProperty("counts")[0][1].GetInt32(), Is.EqualTo(1));

        Assert.That(root.GetProperty("learningCurves").GetArrayLength(), Is.EqualTo(2));
        Assert.That(root.GetProperty("learningCurves")[0].GetProperty("summary").GetProperty("bestEpoch").GetInt32(), Is.EqualTo(3));
        Assert.That(root.GetProperty("modelSizes")[1].GetProperty("bytes").GetInt64(), Is.EqualTo(9_216));
        Assert.That(root.GetProperty("command").GetString(), Is.EqualTo(AwkwardCommand));
    }

    [Test]
    public void Json_comparison_puts_each_models_accuracy_side_by_side_per_protocol_and_null_where_not_run()
    {
        var report = Sample();
        using var json = JsonDocument.Parse(EvaluationReportJson.Serialize(report));
        var comparison = json.RootElement.GetProperty("comparison");

        Assert.That(comparison.GetProperty("models").EnumerateArray().Select(m => m.GetString()), Is.EqualTo(new[] { "CSP+LDA", "decoder fp32" }));
        var rows = comparison.GetProperty("rows");
        Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("protocol").GetString()), Is.EqualTo(new[] { "5-fold", "chronological" }));
        Assert.That(rows[0].GetProperty("accuracy")[0].GetDouble(), Is.EqualTo(Find(report, "CSP+LDA", "5-fold").Metrics.Accuracy));
        Assert.That(rows[0].GetProperty("accuracy")[1].GetDouble(), Is.EqualTo(Find(report, "decoder fp32", "5-fold").Metrics.Accuracy));
        Assert.That(rows[1].GetProperty("kappa")[0].GetDouble(), Is.EqualTo(Find(report, "CSP+LDA", "chronological").Metrics.CohensKappa));
        Assert.That(rows[1].GetProperty("accuracy")[1].ValueKind, Is.EqualTo(JsonValueKind.Null), "the sample's decoder has no chronological result");
    }

    [Test]
    public void Non_finite_losses_and_missing_validation_figures_survive_the_round_trip()
    {
        var report = Sample();
        var epochs = report.LearningCurves[1].Epochs;
        Assume.That(double.IsNaN(epochs[^1].TrainLoss) && epochs[0].ValidationLoss is null);

        var read = EvaluationReportJson.Parse(EvaluationReportJson.Serialize(report));

        Assert.That(read.LearningCurves[1].Epochs, Is.EqualTo(epochs));
        Assert.That(EvaluationReportJson.Serialize(report), Does.Contain("\"trainLoss\": \"NaN\""));
    }

    [Test]
    public void Text_that_is_not_JSON_is_named_with_the_file_and_line()
    {
        var path = Path.Combine(_folder, "broken.json");
        File.WriteAllText(path, "{\n  \"task\": \"hands-vs-feet\",\n  \"runs\": [6, 10,\n");

        var error = Assert.Throws<EvaluationReportFormatException>(() => EvaluationReportJson.Read(path));

        Assert.That(error.Message, Does.StartWith(path + ": $: not valid JSON at line"));
        Assert.That(error.Origin, Is.EqualTo(path));
    }

    // Each case breaks one value of a valid report; the error must name the file and the JSON path to that value.
    [TestCase("$.results[1].confusion.counts[0][1]", "\"two\"", "expected a whole number, found a string")]
    [TestCase("$.results[0].accuracy", "0.5", "disagrees with the confusion counts")]
    [TestCase("$.results[2].trials", "99", "99 trials, but the confusion counts add up to 12")]
    [TestCase("$.learningCurves[1].epochs[2].validationAccuracy", "true", "expected a number, found true/false")]
    [TestCase("$.modelSizes[0].bytes", "-1", "a size cannot be negative")]
    [TestCase("$.created", "\"yesterday\"", "is not an ISO 8601 date and time")]
    [TestCase("$.window", "[0.5]", "expected [start, end]")]
    [TestCase("$.formatVersion", "2", "format version 2 is not one this tool reads")]
    [TestCase("$.liveReplays[0].cues", "14", "6 cued way + 5 wrong way + 4 no move is not 14 cues")]
    [TestCase("$.gate.passed", "true", "says passed, but its checks say refused")]
    [TestCase("$.gate.checks[0].passed", "1", "expected true or false")]
    [TestCase("$.liveReplays[1].offlineTrials", "0", "1 right of 0 trials is impossible")]
    public void A_malformed_value_is_named_with_the_file_and_its_JSON_path(string jsonPath, string replacement, string problem)
    {
        var path = Path.Combine(_folder, "malformed.json");
        var document = JsonNode.Parse(EvaluationReportJson.Serialize(Sample()))!;
        Replace(document, jsonPath, JsonNode.Parse(replacement));
        File.WriteAllText(path, document.ToJsonString());

        var error = Assert.Throws<EvaluationReportFormatException>(() => EvaluationReportJson.Read(path));

        Assert.That(error.Origin, Is.EqualTo(path));
        Assert.That(error.JsonPath, Is.EqualTo(jsonPath));
        Assert.That(error.Message, Does.StartWith($"{path}: {jsonPath}: ").And.Contain(problem));
    }

    [Test]
    public void A_missing_field_is_named_with_its_path()
    {
        var document = JsonNode.Parse(EvaluationReportJson.Serialize(Sample()))!;
        document["results"]![1]!["confusion"]!.AsObject().Remove("columns");

        var error = Assert.Throws<EvaluationReportFormatException>(() => EvaluationReportJson.Parse(document.ToJsonString(), "r.json"));

        Assert.That(error.Message, Is.EqualTo("r.json: $.results[1].confusion.columns: missing"));
    }

    [Test]
    public void The_page_shows_the_gate_and_each_live_replay_beside_its_offline_accuracy_and_an_older_report_reads_without_them()
    {
        var page = Page(Sample());
        var rows = page.Descendants("table").Single(t => (string?)t.Attribute("class") == "live-replay").Descendants("tbody").Single().Elements("tr").ToList();
        var cells = rows[0].Elements("td").Select(td => td.Value).ToList();

        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.That(cells, Is.EqualTo(new[]
        {
            "S002R12.edf", "s001-left-vs-right v2026.11.25 (int8)", "15", "6", "5", "4", "33.3", "8.56", "1.37", "3.09", "0.30", "0.533 (8/15)",
        }));
        Assert.That(rows[1].Elements("td").Select(td => td.Value), Has.Member("S003R12 <&>.edf").And.Member("–"));

        var gate = page.Descendants("table").Single(t => (string?)t.Attribute("class") == "gate").Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(gate[0].Elements("td").Select(td => td.Value).Take(4), Is.EqualTo(new[] { "significance", "FAIL", "0.600", "0.733" }));
        Assert.That(gate[1].Elements("td").Select(td => td.Value), Has.Member("–").And.Member("the live replay of the held-out block was not run <&>"));
        Assert.That(page.Descendants("h2").Select(h => h.Value), Has.Member("Acceptance gate: refused"));

        var document = JsonNode.Parse(EvaluationReportJson.Serialize(Sample()))!.AsObject();
        document.Remove("liveReplays");
        document.Remove("gate");
        var older = EvaluationReportJson.Parse(document.ToJsonString());
        Assert.That(older.LiveReplays, Is.Empty);
        Assert.That(older.Gate, Is.Null);
        Assert.That(EvaluationReportPage.Render(Sample() with { LiveReplays = [] }), Does.Not.Contain("live-replay"));
    }

    [Test]
    public void A_report_without_curves_or_sizes_reads_back_with_empty_lists()
    {
        var report = Sample() with { LearningCurves = [], ModelSizes = [] };
        var document = JsonNode.Parse(EvaluationReportJson.Serialize(report))!.AsObject();
        document.Remove("learningCurves");
        document.Remove("modelSizes");

        var read = EvaluationReportJson.Parse(document.ToJsonString());

        Assert.That(read.LearningCurves, Is.Empty);
        Assert.That(read.ModelSizes, Is.Empty);
    }

    // ---- page ----------------------------------------------------------------------------------------------------

    [Test]
    public void Every_SVG_in_the_page_parses_as_XML_and_so_does_the_whole_page()
    {
        var report = Sample();
        var html = EvaluationReportPage.Render(report);

        var fragments = SvgFragment().Matches(html);
        Assert.That(fragments, Has.Count.EqualTo(report.Results.Count + (2 * report.LearningCurves.Count)),
            "one heat map per result, a loss and an accuracy chart per learning curve");
        foreach (Match fragment in fragments)
        {
            Assert.DoesNotThrow(() => XElement.Parse(fragment.Value), fragment.Value[..Math.Min(200, fragment.Value.Length)]);
        }

        Assert.DoesNotThrow(() => Page(report));
    }

    [Test]
    public void The_page_is_self_contained()
    {
        var html = EvaluationReportPage.Render(Sample());

        Assert.That(html, Does.Not.Contain("<script").And.Not.Contain("<link").And.Not.Contain("<img").And.Not.Contain("@import").And.Not.Contain("url("));
        Assert.That(html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), Does.Not.Contain("http"));
    }

    [Test]
    public void The_page_has_one_confusion_matrix_per_result_with_its_counts_in_the_cells()
    {
        var report = Sample();
        var matrices = Page(report).Descendants(Svg + "svg").Where(svg => (string?)svg.Attribute("class") == "confusion-matrix").ToList();

        Assert.That(matrices, Has.Count.EqualTo(report.Results.Count));
        foreach (var result in report.Results)
        {
            var matrix = matrices.Single(m => (string?)m.Attribute("data-model") == result.Model && (string?)m.Attribute("data-protocol") == result.Protocol);
            var cells = matrix.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "cell").ToList();
            Assert.That(cells, Has.Count.EqualTo(result.Metrics.ClassCount * result.Metrics.ClassCount));
            foreach (var cell in cells)
            {
                var truth = (int)cell.Attribute("data-row")!;
                var predicted = (int)cell.Attribute("data-column")!;
                var text = cell.Elements(Svg + "text").Single(t => (string?)t.Attribute("class") == "count").Value;
                Assert.That(text, Is.EqualTo(result.Metrics.Count(truth, predicted).ToString(CultureInfo.InvariantCulture)),
                    $"{result.Model}, {result.Protocol}: cell [{truth}, {predicted}]");
            }

            var labels = matrix.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "row-labels").Elements(Svg + "text").Select(t => t.Value);
            Assert.That(labels, Is.EqualTo(result.Metrics.ClassNames), "the axis is labelled with the class names");
        }
    }

    [Test]
    public void Class_names_and_the_command_are_escaped_everywhere()
    {
        var report = Sample();
        var html = EvaluationReportPage.Render(report);

        Assert.That(html, Does.Not.Contain(AwkwardClass));
        Assert.That(html, Does.Contain("&lt;left &amp; right&gt;"));
        Assert.That(html, Does.Not.Contain("'a<b'").And.Contain("&#39;a&lt;b&#39;"));
        Assert.That(html, Does.Not.Contain("x&y.json"));

        // Parsed back, the text is the original again: escaped once, not twice.
        var page = Page(report);
        Assert.That(page.Descendants("code").Single().Value, Is.EqualTo(AwkwardCommand));
        Assert.That(page.Descendants("td").Where(td => (string?)td.Attribute("class") == "name").Select(td => td.Value), Has.Member(AwkwardClass));
    }

    [Test]
    public void Each_learning_curve_has_its_own_figure_with_loss_and_accuracy_charts_marking_the_best_epoch()
    {
        var report = Sample();
        var figures = Page(report).Descendants("figure").Where(f => (string?)f.Attribute("class") == "learning-curve").ToList();

        Assert.That(figures.Select(f => (string?)f.Attribute("data-label")), Is.EqualTo(report.LearningCurves.Select(c => c.Label)));
        for (var i = 0; i < figures.Count; i++)
        {
            var summary = report.LearningCurves[i].Summary;
            var charts = figures[i].Elements(Svg + "svg").ToList();
            Assert.That(charts.Select(c => (string?)c.Attribute("class")), Is.EqualTo(new[] { "loss-chart", "accuracy-chart" }));
            foreach (var chart in charts)
            {
                var marker = chart.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "best-epoch");
                Assert.That(marker.Element(Svg + "text")!.Value, Is.EqualTo($"best {summary.BestEpoch}"));
                Assert.That(chart.Descendants(Svg + "text").Count(t => (string?)t.Attribute("class") == "tick"), Is.GreaterThanOrEqualTo(4), "both axes have ticks");
                Assert.That(chart.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "axis-title").Select(t => t.Value), Has.Member("epoch"));
            }

            var series = charts[0].Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").Select(g => (string?)g.Attribute("data-series"));
            Assert.That(series, Is.EqualTo(new[] { "train", "validation" }));
        }
    }

    [Test]
    public void The_comparison_table_shows_each_models_figures_per_protocol_as_the_metrics_print_them()
    {
        var report = Sample();
        var rows = Page(report).Descendants("table").Single(t => (string?)t.Attribute("class") == "comparison").Descendants("tr")
            .Where(tr => tr.Attribute("data-protocol") is not null).ToList();

        Assert.That(rows.Select(r => (string?)r.Attribute("data-protocol")), Is.EqualTo(new[] { "5-fold", "chronological" }));
        foreach (var result in report.Results)
        {
            var row = rows.Single(r => (string?)r.Attribute("data-protocol") == result.Protocol);
            string Cell(string figure) => row.Elements("td").Single(td =>
                ((string?)td.Attribute("class"))?.Split(' ')[0] == figure && (string?)td.Attribute("data-model") == result.Model).Value;

            Assert.That(Cell("accuracy"), Is.EqualTo(result.Metrics.Accuracy.ToString("0.000", CultureInfo.InvariantCulture)));
            Assert.That(result.Metrics.FormatTable(), Does.Contain($"accuracy {Cell("accuracy")}"), "the same digits as the console table");
            Assert.That(Cell("balanced-accuracy"), Is.EqualTo(result.Metrics.BalancedAccuracy.ToString("0.000", CultureInfo.InvariantCulture)));
            Assert.That(Cell("kappa"), Is.EqualTo(result.Metrics.CohensKappa.ToString("0.000", CultureInfo.InvariantCulture)));
        }

        var missing = rows[1].Elements("td").Single(td => (string?)td.Attribute("class") == "missing");
        Assert.That((string?)missing.Attribute("data-model"), Is.EqualTo("decoder fp32"));
    }

    [Test]
    public void The_header_names_the_task_subject_channels_rate_trials_date_and_command()
    {
        var facts = Page(Sample()).Descendants("dl").Single().Elements().ToList();
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < facts.Count; i += 2)
        {
            values[facts[i].Value] = facts[i + 1].Value;
        }

        Assert.That(values["Task"], Is.EqualTo("hands-vs-feet"));
        Assert.That(values["Subject"], Is.EqualTo("1"));
        Assert.That(values["Channels"], Is.EqualTo("3: C3, CZ, C4"));
        Assert.That(values["Sample rate"], Is.EqualTo("250 Hz"));
        Assert.That(values["Trials"], Is.EqualTo("12"));
        Assert.That(values["Date"], Is.EqualTo("2025-03-14 15:09:26 +01:00"));
        Assert.That(values["Command"], Is.EqualTo(AwkwardCommand));
    }

    [Test]
    public void Model_sizes_appear_only_when_given_and_a_report_without_curves_says_so()
    {
        var bare = Sample() with { LearningCurves = [], ModelSizes = [] };
        var html = EvaluationReportPage.Render(bare);

        Assert.That(html, Does.Not.Contain("id=\"model-sizes\"").And.Not.Contain("class=\"learning-curve\""));
        Assert.That(html, Does.Contain("No decoder was trained"));
        Assert.That(EvaluationReportPage.Render(Sample()), Does.Contain("decoder int8 (ONNX)</td><td>9,216</td><td>9.0</td>"));
    }

    [Test]
    public void Nice_ticks_fall_on_1_2_5_steps_that_cover_the_data()
    {
        var (min, max, ticks) = SvgChart.NiceTicks(0.31, 0.72, 4);
        Assert.That(ticks.Select(t => t.Label), Is.EqualTo(new[] { "0.2", "0.4", "0.6", "0.8" }));
        Assert.That(min, Is.EqualTo(0.2).Within(1e-12), "the axis starts on the first tick");
        Assert.That(max, Is.EqualTo(0.8).Within(1e-12), "and ends on the last");

        var epochs = SvgChart.NiceTicks(1, 57, 5, wholeNumbers: true).Ticks.Select(t => t.Label);
        Assert.That(epochs, Is.EqualTo(new[] { "0", "20", "40", "60" }));

        var single = SvgChart.NiceTicks(1, 1, 5, wholeNumbers: true).Ticks.Select(t => t.Value);
        Assert.That(single, Has.Some.LessThanOrEqualTo(1).And.Some.GreaterThanOrEqualTo(1), "one epoch still gets an axis around it");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Two models × two protocols (the decoder without its chronological result, to leave a hole in the comparison),
    /// a class name that needs escaping, and learning curves with a NaN loss and epochs without validation.
    /// </summary>
    private static EvaluationReport Sample()
    {
        string[] classes = [AwkwardClass, "feet"];
        ProtocolResult Result(string model, string protocol, int[] truth, int[] predicted) =>
            new(model, protocol, protocol == "chronological" ? "train on runs 6, 10, test on run 14" : "stratified 5-fold cross-validation, seed 7",
                ClassificationMetrics.Compute(truth, predicted, classes));

        int[] truth12 = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        int[] truth4 = [0, 0, 1, 1];
        var fold1 = new List<EpochReport>
        {
            new(1, 0.7, 0.5, 0.69, 0.5, 2e-4, TimeSpan.FromTicks(1_234_567)),
            new(2, 0.1 + 0.2, 2.0 / 3, 0.41, 0.75, 4e-4, TimeSpan.FromTicks(2_469_134)),
            new(3, 0.25, 0.875, 1.0 / 3, 5.0 / 6, 6e-4, TimeSpan.FromMilliseconds(371.1)),
            new(4, 0.2, 0.9, 0.5, 0.75, 5.9e-4, TimeSpan.FromSeconds(0.5)),
        };
        var fold2 = new List<EpochReport>
        {
            new(1, 0.69, 0.5, null, null, 1e-4, TimeSpan.FromTicks(999)),
            new(2, 0.6, 0.6, 0.66, 0.5, 2e-4, TimeSpan.FromTicks(1999)),
            new(3, double.NaN, 0.6, 0.7, 0.5, 3e-4, TimeSpan.FromTicks(2999)),
        };
        return new EvaluationReport
        {
            Task = "hands-vs-feet",
            Subject = 1,
            Runs = [6, 10, 14],
            WindowStartSeconds = 0.5,
            WindowEndSeconds = 2.5,
            Channels = ["C3", "CZ", "C4"],
            SampleRate = 250,
            Classes = classes,
            Trials = 12,
            Command = AwkwardCommand,
            ToolVersion = "edgebci 0.1.0-test",
            Created = new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.FromHours(1)).AddTicks(5_358_979),
            Results =
            [
                Result("CSP+LDA", "5-fold", truth12, [0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0]),
                Result("CSP+LDA", "chronological", truth4, [0, 0, 1, 0]),
                Result("decoder fp32", "5-fold", truth12, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]),
            ],
            LearningCurves =
            [
                new LearningCurve("fold 1/5", fold1, new TrainingSummary(4, 3, 1.0 / 3, "early stopping", TimeSpan.FromSeconds(0.5))),
                new LearningCurve("chronological", fold2, new TrainingSummary(3, 2, 0.66, "max epochs", TimeSpan.FromTicks(2999))),
            ],
            ModelSizes = [new ModelArtifactSize("decoder fp32 (ONNX)", 28_417), new ModelArtifactSize("decoder int8 (ONNX)", 9_216)],
            LiveReplays =
            [
                new LiveReplaySummary
                {
                    Recording = "S002R12.edf", Model = "s001-left-vs-right v2026.11.25", Precision = "int8", Cues = 15, CuedWay = 6, WrongWay = 5, NoMove = 4,
                    RestMoves = 9, RestSeconds = 63.1, MedianSecondsToMove = 1.37, P90SecondsToMove = 3.09, Classes = 2, SelectionsPerMinute = 7.3,
                    ItrBitsPerMinute = 0.1 + 0.2, OfflineCorrect = 8, OfflineTrials = 15,
                },
                new LiveReplaySummary
                {
                    Recording = "S003R12 <&>.edf", Model = "m v1", Precision = "fp32", Cues = 2, CuedWay = 0, WrongWay = 0, NoMove = 2,
                    RestMoves = 0, RestSeconds = 0, Classes = 2, SelectionsPerMinute = 1, ItrBitsPerMinute = 0, OfflineCorrect = 1, OfflineTrials = 2,
                },
            ],
            Gate = new EdgeBci.Training.Gate.GateReport(
                [
                    new("significance", false, 0.6, 22.0 / 30, "int8 18 of 30 right, p = 0.18 (chance 1/2; 22 needed for p < 0.01)", 22),
                    new("wrong-way", false, double.NaN, 0.05, "the live replay of the held-out block was not run <&>"),
                ],
                ["Record more trials."]),
        };
    }

    private static ProtocolResult Find(EvaluationReport report, string model, string protocol) =>
        report.Results.Single(r => r.Model == model && r.Protocol == protocol);

    private static XDocument Page(EvaluationReport report) =>
        XDocument.Parse(EvaluationReportPage.Render(report));

    /// <summary>Compares by content: the record's own equality compares its lists by reference.</summary>
    private static void AssertSameContent(EvaluationReport actual, EvaluationReport expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.Task, Is.EqualTo(expected.Task));
            Assert.That(actual.Subject, Is.EqualTo(expected.Subject));
            Assert.That(actual.Runs, Is.EqualTo(expected.Runs));
            Assert.That(actual.WindowStartSeconds, Is.EqualTo(expected.WindowStartSeconds));
            Assert.That(actual.WindowEndSeconds, Is.EqualTo(expected.WindowEndSeconds));
            Assert.That(actual.Channels, Is.EqualTo(expected.Channels));
            Assert.That(actual.SampleRate, Is.EqualTo(expected.SampleRate));
            Assert.That(actual.Classes, Is.EqualTo(expected.Classes));
            Assert.That(actual.Trials, Is.EqualTo(expected.Trials));
            Assert.That(actual.Command, Is.EqualTo(expected.Command));
            Assert.That(actual.ToolVersion, Is.EqualTo(expected.ToolVersion));
            Assert.That(actual.Created, Is.EqualTo(expected.Created));
            Assert.That(actual.Created.Offset, Is.EqualTo(expected.Created.Offset));
            Assert.That(actual.ModelSizes, Is.EqualTo(expected.ModelSizes));
            Assert.That(actual.LiveReplays, Is.EqualTo(expected.LiveReplays));
            Assert.That(actual.Gate?.Checks, Is.EqualTo(expected.Gate?.Checks));
            Assert.That(actual.Gate?.Advice, Is.EqualTo(expected.Gate?.Advice));
            Assert.That(actual.Results, Has.Count.EqualTo(expected.Results.Count));
            for (var i = 0; i < expected.Results.Count; i++)
            {
                var (a, e) = (actual.Results[i], expected.Results[i]);
                Assert.That((a.Model, a.Protocol, a.Description), Is.EqualTo((e.Model, e.Protocol, e.Description)));
                Assert.That(a.Metrics.ClassNames, Is.EqualTo(e.Metrics.ClassNames));
                Assert.That(a.Metrics.ConfusionMatrix(), Is.EqualTo(e.Metrics.ConfusionMatrix()));
                Assert.That(a.Metrics.SampleCount, Is.EqualTo(e.Metrics.SampleCount));

                // Exact: no tolerance anywhere.
                Assert.That(a.Metrics.Accuracy, Is.EqualTo(e.Metrics.Accuracy));
                Assert.That(a.Metrics.BalancedAccuracy, Is.EqualTo(e.Metrics.BalancedAccuracy));
                Assert.That(a.Metrics.CohensKappa, Is.EqualTo(e.Metrics.CohensKappa));
                Assert.That(a.Metrics.MacroF1, Is.EqualTo(e.Metrics.MacroF1));
                Assert.That(a.Metrics.PerClass, Is.EqualTo(e.Metrics.PerClass));
            }

            Assert.That(actual.LearningCurves, Has.Count.EqualTo(expected.LearningCurves.Count));
            for (var i = 0; i < expected.LearningCurves.Count; i++)
            {
                Assert.That(actual.LearningCurves[i].Label, Is.EqualTo(expected.LearningCurves[i].Label));
                Assert.That(actual.LearningCurves[i].Summary, Is.EqualTo(expected.LearningCurves[i].Summary));
                Assert.That(actual.LearningCurves[i].Epochs, Is.EqualTo(expected.LearningCurves[i].Epochs));
            }
        });
    }

    /// <summary>Replaces the value at a path like <c>$.results[1].confusion.counts[0][1]</c>.</summary>
    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var steps = PathStep().Matches(path).Select(m => m.Value).ToList();
        var parent = root;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            parent = Step(parent, steps[i]);
        }

        var last = steps[^1];
        if (last.StartsWith('['))
        {
            parent.AsArray()[int.Parse(last[1..^1], CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            parent.AsObject()[last[1..]] = value;
        }
    }

    private static JsonNode Step(JsonNode node, string step) => step.StartsWith('[')
        ? node.AsArray()[int.Parse(step[1..^1], CultureInfo.InvariantCulture)]!
        : node.AsObject()[step[1..]]!;

    [GeneratedRegex(@"<svg\b.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgFragment();

    [GeneratedRegex(@"\.[A-Za-z0-9]+|\[\d+\]")]
    private static partial Regex PathStep();
}
