using System.Net;
using System.Text.Json;
using EdgeBci.Web.Tests.Hosting;

namespace EdgeBci.Web.Tests.Api;

[TestFixture]
public sealed class ApiTests : PairedServerFixture
{
    [TearDown]
    public void EndTheRun() => Harness.Camp.CancelCurrent();

    [Test]
    public async Task The_unit_is_described_in_camel_case()
    {
        using var json = await GetJson("/api/unit");
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("deviceId").GetString(), Is.EqualTo("unit-7"));
            Assert.That(root.GetProperty("channels").GetArrayLength(), Is.EqualTo(8));
            Assert.That(root.GetProperty("sampleRate").GetInt32(), Is.EqualTo(250));
            Assert.That(root.GetProperty("displayRate").GetInt32(), Is.EqualTo(125));
            Assert.That(root.GetProperty("status").GetProperty("supervisor").GetString(), Is.EqualTo("Disarmed"));
            Assert.That(root.GetProperty("status").GetProperty("focusReady").GetBoolean(), Is.True);
        });
    }

    [Test]
    public async Task The_electrodes_carry_quality_reason_and_impedance()
    {
        using var json = await GetJson("/api/electrodes");
        var c3 = json.RootElement.GetProperty("channels")[2];
        Assert.Multiple(() =>
        {
            Assert.That(c3.GetProperty("channel").GetString(), Is.EqualTo("C3"));
            Assert.That(c3.GetProperty("quality").GetString(), Is.EqualTo("bad"));
            Assert.That(c3.GetProperty("reason").GetString(), Does.StartWith("lead-off"));
            Assert.That(c3.GetProperty("impedanceKiloohms").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(json.RootElement.GetProperty("impedanceMeasured").GetString(), Does.StartWith("2026-03-01T09:00:00"));
        });
    }

    [Test]
    public async Task Stop_asks_the_supervisor_and_returns_its_answer()
    {
        var before = Harness.Stop.Requests;
        using var answer = await PageServerHarness.PostJson(Client, "/api/stop", "{}");
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await answer.Content.ReadAsStringAsync(), Is.EqualTo("{\"stopped\":true,\"reply\":\"stopped: output neutral\"}"));
            Assert.That(Harness.Stop.Requests, Is.EqualTo(before + 1));
            Assert.That(Harness.Stop.LastCaller, Does.StartWith("web page"));
        });
    }

    [Test]
    public async Task No_route_arms_disarms_or_moves_the_chair()
    {
        var routes = Harness.Server.Routes();
        var segments = routes.SelectMany(r => r.Split(' ')[1].Split('/', StringSplitOptions.RemoveEmptyEntries)).ToList();
        using var arm = await PageServerHarness.PostJson(Client, "/api/arm", "{}");
        using var move = await PageServerHarness.PostJson(Client, "/api/move", "{\"direction\":\"forward\"}");
        Assert.Multiple(() =>
        {
            Assert.That(routes, Has.Member("POST /api/stop"));
            Assert.That(segments, Has.None.Contains("arm").And.None.Contains("move").And.None.Contains("drive").And.None.Contains("output"));
            Assert.That(arm.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(move.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task A_calibration_starts_202_and_a_second_start_is_409_busy()
    {
        using var first = await PageServerHarness.PostJson(Client, "/api/calibration", "{\"wearerId\":\"ada\"}");
        using var second = await PageServerHarness.PostJson(Client, "/api/neurofeedback", "{\"wearerId\":\"ada\"}");
        using var current = await GetJson("/api/camp/current");
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(await first.Content.ReadAsStringAsync(), Does.Contain("\"kind\":\"calibration\"").And.Contain("\"wearerId\":\"ada\""));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(await PageServerHarness.ErrorOf(second), Does.StartWith("a calibration run is going"));
            Assert.That(current.RootElement.GetProperty("state").GetString(), Is.EqualTo("running"));
        });
    }

    [Test]
    public async Task Neurofeedback_takes_its_durations_and_tone()
    {
        using var answer = await PageServerHarness.PostJson(Client, "/api/neurofeedback", "{\"wearerId\":\"ada\",\"baselineSeconds\":10,\"sessionSeconds\":60,\"tone\":true}");
        Assert.Multiple(() =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(Harness.Camp.LastNeurofeedback, Is.EqualTo(new EdgeBci.Web.Seams.NeurofeedbackRequest(10, 60, true)));
        });
    }

    [TestCase("/api/calibration", "{\"wearerId\":\"ada\"", "the body is not the expected JSON")]
    [TestCase("/api/calibration", "{\"wearerId\":\"nobody\"}", "wearerId: no wearer 'nobody'")]
    [TestCase("/api/calibration", "{}", "wearerId: missing")]
    [TestCase("/api/calibration", "{\"wearer\":\"ada\"}", "unknown property 'wearer'")]
    [TestCase("/api/calibration", "{\"wearerId\":7}", "a value has the wrong type at $.wearerId")]
    [TestCase("/api/neurofeedback", "{\"wearerId\":\"ada\",\"baselineSeconds\":-1}", "baselineSeconds is -1: use 5 to 600")]
    [TestCase("/api/neurofeedback", "{\"wearerId\":\"ada\",\"sessionSeconds\":99999}", "sessionSeconds is 99999: use 10 to 7200")]
    [TestCase("/api/neurofeedback", "{\"wearerId\":\"ada\",\"sessionSeconds\":\"60\"}", "a value has the wrong type at $.sessionSeconds")]
    [TestCase("/api/wearers", "{\"id\":\"Ada Lovelace\"}", "id: --wearer 'Ada Lovelace'")]
    [TestCase("/api/wearers", "{\"displayName\":\"Ada\"}", "id: missing")]
    [TestCase("/api/pair", "{\"code\":\"\"}", "code: send the pairing code")]
    [TestCase("/api/pair", "null", "the body is null")]
    public async Task Bad_input_answers_400_naming_what_is_wrong(string path, string body, string expected)
    {
        using var answer = await PageServerHarness.PostJson(Client, path, body);
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Multiple(() =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(json.RootElement.GetProperty("error").GetString(), Does.Contain(expected));
            Assert.That(Harness.Camp.Current?.State, Is.Not.EqualTo("running").And.Not.EqualTo("baseline"), "a bad request started a run");
        });
    }

    [Test]
    public async Task A_body_beyond_the_limit_is_refused()
    {
        var huge = $"{{\"wearerId\":\"{new string('a', 20_000)}\"}}";
        using var answer = await PageServerHarness.PostJson(Client, "/api/calibration", huge);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task A_wearer_is_created_201_and_listed()
    {
        using var created = await PageServerHarness.PostJson(Client, "/api/wearers", "{\"id\":\"bo\"}");
        using var list = await GetJson("/api/wearers");
        Assert.Multiple(async () =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(await created.Content.ReadAsStringAsync(), Does.Contain("\"displayName\":\"bo\""));
            Assert.That(list.RootElement.EnumerateArray().Select(w => w.GetProperty("id").GetString()), Does.Contain("bo"));
        });
    }

    [Test]
    public async Task The_history_has_the_wearer_calibrations_and_focus_sessions()
    {
        using var json = await GetJson("/api/history?wearer=ada");
        var root = json.RootElement;
        using var unknown = await Client.GetAsync(new Uri("/api/history?wearer=nobody", UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(root.GetProperty("wearer").GetProperty("displayName").GetString(), Is.EqualTo("Ada"));
            Assert.That(root.GetProperty("calibrations")[0].GetProperty("itrBitsPerMinute").GetDouble(), Is.EqualTo(9.1));
            Assert.That(root.GetProperty("focus")[0].GetProperty("secondsInZone").GetDouble(), Is.EqualTo(240));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await PageServerHarness.ErrorOf(unknown), Does.Contain("wearer (query): no wearer 'nobody'"));
        });
    }

    [Test]
    public async Task A_calibration_report_is_served_as_html_and_a_missing_one_is_404()
    {
        var report = Path.Combine(Harness.ScratchPath, "report.html");
        await File.WriteAllTextAsync(report, "<html>accuracy 78 %</html>");
        Harness.History.Report = report;
        using var found = await Client.GetAsync(new Uri("/api/calibration/cal-1/report", UriKind.Relative));
        using var missing = await Client.GetAsync(new Uri("/api/calibration/cal-2/report", UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(found.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(found.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(await found.Content.ReadAsStringAsync(), Does.Contain("accuracy 78 %"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await PageServerHarness.ErrorOf(missing), Does.Contain("calibration 'cal-2' has no report"));
        });
    }

    [Test]
    public async Task Cancel_ends_the_run_and_current_shows_it()
    {
        using var start = await PageServerHarness.PostJson(Client, "/api/calibration", "{\"wearerId\":\"ada\"}");
        using var cancel = await PageServerHarness.PostJson(Client, "/api/camp/cancel", "{}");
        using var current = await GetJson("/api/camp/current");
        Assert.Multiple(() =>
        {
            Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(current.RootElement.GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        });
    }

    private async Task<JsonDocument> GetJson(string path)
    {
        using var answer = await Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
    }
}
