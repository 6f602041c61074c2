using System.Xml.Linq;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Reporting;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci evaluate --out/--html</c>: which files are written, and that the JSON reads back as a report.</summary>
public class EvaluateReportTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-evaluate-report-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Out_alone_writes_the_JSON_and_the_page_beside_it_and_names_both()
    {
        var json = Path.Combine(_folder, "r.json");
        var html = Path.Combine(_folder, "r.html");

        var (exit, output) = CliRunner.Run(["evaluate", "--task", "hands-vs-feet", "--data", EegmmidbFolder(), "--out", json]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(File.Exists(json) && File.Exists(html), output);
        Assert.That(output, Does.Contain(json).And.Contain(html));

        var report = EvaluationReportJson.Read(json);
        Assert.That(report.Task, Is.EqualTo("hands-vs-feet"));
        Assert.That(report.Subject, Is.EqualTo(1));
        Assert.That(report.Results.Select(r => (r.Model, r.Protocol)),
            Is.EqualTo(new[] { ("CSP+LDA", "5-fold"), ("CSP+LDA", "chronological") }));
        Assert.That(report.LearningCurves, Is.Empty, "no decoder was trained");
        Assert.That(report.Command, Does.StartWith("edgebci evaluate --task hands-vs-feet --data "));
        Assert.That(report.ToolVersion, Does.StartWith("edgebci "));

        var page = XDocument.Load(html);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.That(page.Descendants(svg + "svg").Count(e => (string?)e.Attribute("class") == "confusion-matrix"), Is.EqualTo(2));
    }

    [Test]
    public void Html_names_the_page_and_out_is_not_needed_for_it()
    {
        var html = Path.Combine(_folder, "pages", "hvf.html");

        var (exit, output) = CliRunner.Run(["evaluate", "--task", "hands-vs-feet", "--data", EegmmidbFolder(), "--html", html]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(File.Exists(html), "the folder is created");
        Assert.That(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories), Is.EqualTo(new[] { html }), "no JSON without --out");
        Assert.That(output, Does.Contain(html));
    }

    [Test]
    public void A_JSON_path_the_page_would_overwrite_is_refused_before_evaluating()
    {
        // --data only has to exist: the clash is reported before any recording is read.
        var (exit, output) = CliRunner.Run(["evaluate", "--task", "hands-vs-feet", "--data", _folder, "--out", Path.Combine(_folder, "r.html")]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--html"));
        Assert.That(Directory.GetFiles(_folder), Is.Empty);
    }

    private static string EegmmidbFolder()
    {
        // Missing shared data fails the test, as everywhere in the suite: CI always has ../shared beside the clone.
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R01.edf"))!, ".."));
    }
}
