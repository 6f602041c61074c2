using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Tests.Shared;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Camp;

/// <summary>The page's calibration on the replayed wearer S002 (runs 4, 8 and 12, one block each), free-running.</summary>
public class CalibrationJobTests
{
    [Test]
    public async Task The_replayed_wearer_is_cued_trained_judged_and_recorded_with_the_verdict_in_words()
    {
        using var scratch = new ScratchFolder("calibration-job");
        var root = AppContext.BaseDirectory;
        var unit = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "appsettings.json")).Build();
        var replayed = new[] { "S002R04.edf", "S002R08.edf", "S002R12.edf" }.Select(run => SharedData.Path($"eegmmidb/S002/{run}")).ToArray();
        var camp = new ConfigurationBuilder().AddInMemoryCollection(
            replayed.Select((path, i) => new KeyValuePair<string, string?>($"Camp:ReplayedWearer:{i}", path))
                .Append(new("Camp:ReplayPacing", "FreeRunning"))
                .Append(new("Camp:WearersFolder", scratch.Path))).Build();
        var options = CampOptions.Bind(camp, "emulator", root);
        var install = Path.Combine(scratch.Path, "installed-model");
        using var database = CampDatabase.Open(Path.Combine(scratch.Path, "camp.db"));
        var job = new CalibrationJob(options, unit, AcquisitionSettings.Bind(unit), root, install, database, TimeProvider.System, NullLogger<CalibrationJob>.Instance);
        using var jobs = new CampJobs(job.RunAsync, (_, _) => throw new AssertionException("no neurofeedback here"), TimeProvider.System, NullLogger<CampJobs>.Instance,
            job.Refusal);
        var events = new ConcurrentQueue<CampEvent>();
        jobs.Event += events.Enqueue;

        var clock = Stopwatch.StartNew();
        var run = jobs.StartCalibration("s002");
        await jobs.Running.WaitAsync(TimeSpan.FromMinutes(9));
        clock.Stop();
        TestContext.Out.WriteLine($"calibration of the replayed S002 (3 runs, free-running) to the verdict: {clock.Elapsed.TotalSeconds:0.0} s; {jobs.Current}");

        var verdict = (VerdictEventData)events.Single(e => e.Type == "verdict").Data;
        var record = database.Calibrations.Get(run.RunId);
        var cues = events.Where(e => e.Type == "cue").Select(e => (CueEventData)e.Data).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(jobs.Current!.State, Is.EqualTo(verdict.Passed ? "passed" : "refused"), jobs.Current.Detail);
            Assert.That(cues[0].Phase, Is.EqualTo("started"));
            Assert.That(cues.Count(c => c.Phase == "cue"), Is.EqualTo(45), "15 cues in each of the three runs");
            Assert.That(cues.Where(c => c.Phase == "cue").Select(c => c.Cls), Is.All.AnyOf("left", "right"));
            Assert.That(cues[^1].Phase, Is.EqualTo("ended"));
            Assert.That(events.Where(e => e.Type == "progress").Select(e => ((ProgressEventData)e.Data).Stage), Does.Contain("training").And.Contain("gate"));
            Assert.That(verdict.CalibrationId, Is.EqualTo(run.RunId));
            Assert.That(verdict.Text, Does.StartWith(verdict.Passed ? "Passed: " : "Refused: ").And.Contain("right on the last block's"));
            Assert.That(verdict.Accuracy, Is.InRange(0.0, 1.0));
            Assert.That(verdict.Chance, Is.InRange(0.2, 0.6));
            Assert.That(verdict.ReportUrl, Is.EqualTo($"/api/calibration/{run.RunId}/report"));
            Assert.That(verdict.Installed, Is.EqualTo(verdict.Passed), "a passed model is installed, a refused one never");
            Assert.That(Directory.Exists(install), Is.EqualTo(verdict.Passed));

            Assert.That(record, Is.Not.Null);
            Assert.That(record!.Completed, Is.True);
            Assert.That(record.WearerId, Is.EqualTo("s002"));
            Assert.That(record.Verdict, Is.EqualTo(verdict.Passed ? "passed" : "refused"));
            Assert.That(record.VerdictText, Is.EqualTo(verdict.Text));
            Assert.That(record.Accuracy, Is.EqualTo(verdict.Accuracy));
            Assert.That(record.Trials, Is.EqualTo(45), "the 45 cued trials of the three runs");
            Assert.That(File.Exists(record.RecordingPath), record.RecordingPath);
            Assert.That(File.Exists(record.ReportPath), record.ReportPath);
            Assert.That(record.Installed, Is.EqualTo(verdict.Passed));
        });
    }
}
