using EdgeBci.Tests.Shared;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Tests.Store;

/// <summary>Wearers, calibration records and focus sessions: what goes in comes back, in order, and bad records are named.</summary>
public class CampStoresTests
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private ScratchFolder _scratch = null!;
    private CampDatabase _database = null!;

    [SetUp]
    public void OpenDatabase()
    {
        _scratch = new ScratchFolder("camp-stores");
        _database = CampDatabase.Open(Path.Combine(_scratch.Path, "camp.db"));
    }

    [TearDown]
    public void CloseDatabase()
    {
        _database.Dispose();
        _scratch.Dispose();
    }

    internal static CalibrationRecord Begun(string id, string wearer, DateTimeOffset started) =>
        new(id, wearer, started, null, false, 0, null, null, null, null, null, $"/var/lib/edgebci/wearers/{wearer}/sessions/{id}/calibration.bdf", null, null, false);

    internal static FocusSessionRecord Focus(string id, string wearer, DateTimeOffset started, double score) =>
        new(id, wearer, started, started.AddMinutes(11), true, 0.2, 0.6, 0.5, 0.8, 600, 600 * score, score, 0.55);

    [Test]
    public void A_wearer_is_added_once_and_listed_oldest_first()
    {
        var ada = _database.Wearers.Ensure("ada", "Ada");
        _database.Wearers.Ensure("bo", "Bo");
        var again = _database.Wearers.Ensure("ada", "Someone else");

        Assert.That(again, Is.EqualTo(ada), "an existing wearer is returned unchanged");
        Assert.That(_database.Wearers.List().Select(w => w.Id), Is.EqualTo(new[] { "ada", "bo" }));
        Assert.That(_database.Wearers.Get("nobody"), Is.Null);
    }

    [Test]
    public void A_calibration_begun_then_finished_reads_back_whole()
    {
        _database.Calibrations.Begin(Begun("cal-1", "ada", Monday));
        Assert.That(_database.Calibrations.Get("cal-1")!.Finished, Is.Null, "unfinished until its verdict is known");

        var finished = Begun("cal-1", "ada", Monday) with
        {
            Finished = Monday.AddMinutes(25), Completed = true, Trials = 60, Accuracy = 0.78, Chance = 0.5, ItrBitsPerMinute = 4.2,
            Verdict = "passed", VerdictText = "78 % on held-out trials, above chance", ReportPath = "/r/report.html", BundlePath = "/r/bundle", Installed = true,
        };
        _database.Calibrations.Finish(finished);

        Assert.That(_database.Calibrations.Get("cal-1"), Is.EqualTo(finished));
        Assert.That(_database.Wearers.Get("ada")?.DisplayName, Is.EqualTo("ada"), "a wearer calibrated before the page knew them is added under their id");
    }

    [Test]
    public void Calibrations_list_per_wearer_oldest_first()
    {
        _database.Calibrations.Begin(Begun("late", "ada", Monday.AddDays(2)));
        _database.Calibrations.Begin(Begun("early", "ada", Monday));
        _database.Calibrations.Begin(Begun("other", "bo", Monday.AddDays(1)));

        Assert.That(_database.Calibrations.ListForWearer("ada").Select(c => c.Id), Is.EqualTo(new[] { "early", "late" }));
    }

    [Test]
    public void Finishing_what_was_never_begun_or_without_an_end_time_is_named()
    {
        var never = Assert.Throws<ArgumentException>(() => _database.Calibrations.Finish(Begun("ghost", "ada", Monday) with { Finished = Monday }));
        Assert.That(never!.Message, Does.Contain("'ghost' was never begun"));

        _database.Calibrations.Begin(Begun("cal-1", "ada", Monday));
        var open = Assert.Throws<ArgumentException>(() => _database.Calibrations.Finish(Begun("cal-1", "ada", Monday)));
        Assert.That(open!.Message, Does.Contain("'cal-1'").And.Contain("time it finished"));

        var verdict = Assert.Throws<ArgumentException>(() => _database.Calibrations.Finish(Begun("cal-1", "ada", Monday) with { Finished = Monday, Verdict = "maybe" }));
        Assert.That(verdict!.Message, Does.Contain("'maybe'"));
    }

    [Test]
    public void The_same_calibration_begun_twice_is_an_error_naming_it()
    {
        _database.Calibrations.Begin(Begun("cal-1", "ada", Monday));

        var twice = Assert.Throws<CampDatabaseException>(() => _database.Calibrations.Begin(Begun("cal-1", "ada", Monday)));

        Assert.That(twice!.Message, Does.Contain("calibration 'cal-1'").And.Contain(_database.Path));
    }

    [Test]
    public void Focus_sessions_list_oldest_first_and_the_latest_carries_the_next_threshold()
    {
        _database.FocusSessions.Save(Focus("f2", "ada", Monday.AddDays(1), 0.4) with { NextTargetLow = 0.61 });
        _database.FocusSessions.Save(Focus("f1", "ada", Monday, 0.3));
        _database.FocusSessions.Save(Focus("b1", "bo", Monday.AddDays(5), 0.9));

        Assert.That(_database.FocusSessions.ListForWearer("ada").Select(f => f.Id), Is.EqualTo(new[] { "f1", "f2" }));
        Assert.That(_database.FocusSessions.LatestForWearer("ada"), Is.EqualTo(Focus("f2", "ada", Monday.AddDays(1), 0.4) with { NextTargetLow = 0.61 }));
        Assert.That(_database.FocusSessions.LatestForWearer("nobody"), Is.Null);
    }

    [Test]
    public void A_focus_session_with_a_value_that_is_not_a_number_is_named()
    {
        var refusal = Assert.Throws<ArgumentException>(() => _database.FocusSessions.Save(Focus("f1", "ada", Monday, 0.3) with { Score = double.NaN }));

        Assert.That(refusal!.Message, Does.Contain("'f1'").And.Contain("Score"));
        Assert.That(_database.FocusSessions.ListForWearer("ada"), Is.Empty);
    }
}
