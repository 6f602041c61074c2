using EdgeBci.Tests.Shared;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Tests.Store;

/// <summary>
/// A killed firmware loses no finished session. The kill is simulated as the files look at that moment: the database
/// and its WAL copied while the writing connection is still open (no checkpoint, no close), then the copy opened as the
/// next firmware would. What the copy holds is what the OS had been handed when Save returned; synchronous=FULL (asserted
/// in CampDatabaseTests) is what makes the OS write it through to the flash before Save returns.
/// </summary>
public class KilledFirmwareTests
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_finished_session_is_in_the_files_before_the_connection_is_closed()
    {
        using var scratch = new ScratchFolder("camp-killed");
        var live = Path.Combine(scratch.Path, "live");
        var afterKill = Path.Combine(scratch.Path, "after-kill");
        Directory.CreateDirectory(afterKill);

        using (var running = CampDatabase.Open(Path.Combine(live, "camp.db")))
        {
            running.FocusSessions.Save(CampStoresTests.Focus("focus-1", "ada", Monday, 0.42));
            running.Calibrations.Begin(CampStoresTests.Begun("cal-finished", "ada", Monday));
            running.Calibrations.Finish(CampStoresTests.Begun("cal-finished", "ada", Monday) with { Finished = Monday.AddMinutes(20), Completed = true, Verdict = "refused" });
            running.Calibrations.Begin(CampStoresTests.Begun("cal-killed-during", "ada", Monday.AddHours(1)));

            Assert.That(File.Exists(Path.Combine(live, "camp.db-wal")), Is.True, "the records are in the WAL, not yet checkpointed");
            foreach (var file in Directory.GetFiles(live))
            {
                if (!file.EndsWith("-shm", StringComparison.Ordinal))
                {
                    File.Copy(file, Path.Combine(afterKill, Path.GetFileName(file)));
                }
            }
        }

        using var restarted = CampDatabase.Open(Path.Combine(afterKill, "camp.db"));

        Assert.That(restarted.FocusSessions.LatestForWearer("ada")?.Score, Is.EqualTo(0.42));
        Assert.That(restarted.Calibrations.Get("cal-finished")?.Verdict, Is.EqualTo("refused"));
        var interrupted = restarted.Calibrations.Get("cal-killed-during");
        Assert.That(interrupted, Is.Not.Null);
        Assert.That(interrupted!.Finished, Is.Null, "a session the firmware was killed during stays unfinished, visible in the history");
    }
}
