using System.Text.Json;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Camp;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Tests.Camp;

/// <summary>
/// Whole sessions on the free-running emulator: the wearer is a recording (its cues become the session's, sample-exact,
/// one block per source), or the protocol's schedule on the synthetic source; either way DatasetBuilder cuts the
/// recorded session like an eegmmidb run.
/// </summary>
public class CalibrationSessionTests
{
    private const int Rate = 250;

    private static readonly TaskDefinition SessionTask = new(
        "rest-left-right",
        [1],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["T0"] = "rest", ["T1"] = "left", ["T2"] = "right" });

    [Test]
    public void Two_replayed_runs_are_two_blocks_whose_cues_are_the_runs_own_at_the_same_samples()
    {
        string[] sources = [SharedData.Path("eegmmidb/S001/S001R04.edf"), SharedData.Path("eegmmidb/S001/S001R08.edf")];
        using var root = CampTestData.Temporary();
        var presenter = new RecordingPresenter();

        var result = Run(root.Path, presenter, sources, "synthetic-unused");

        // Each block is its source's length at the device's rate, the second starting where the first ended.
        var originals = sources.Select(RecordingLoader.Load).ToArray();
        var lengths = originals.Select(o => (long)Math.Floor(o.SampleCount * (double)Rate / o.SampleRate)).ToArray();
        Assert.That(result.Blocks, Is.EqualTo(new[]
        {
            new RecordedBlock(1, 0, lengths[0], sources[0]),
            new RecordedBlock(2, lengths[0], lengths[0] + lengths[1], sources[1]),
        }));

        // Every T0/T1/T2 of the sources is in the session at its sample, offset by its block's start, with its duration.
        var expected = new List<(long Sample, string Code, long Samples)>();
        for (var b = 0; b < sources.Length; b++)
        {
            foreach (var annotation in originals[b].Annotations.Where(a => a.Text.Trim() is "T0" or "T1" or "T2"))
            {
                var sample = (long)Math.Round(annotation.Onset * Rate, MidpointRounding.AwayFromZero);
                if (sample < lengths[b])
                {
                    var samples = Math.Min((long)Math.Round(annotation.Duration!.Value * Rate, MidpointRounding.AwayFromZero), lengths[b] - sample);
                    expected.Add((result.Blocks[b].Start + sample, annotation.Text.Trim(), samples));
                }
            }
        }

        var recorded = RecordingLoader.Load(result.RecordingPath);
        var actual = recorded.Annotations.Where(a => a.Text is "T0" or "T1" or "T2")
            .Select(a => (Sample: (long)Math.Round(a.Onset * Rate), a.Text, Samples: (long)Math.Round(a.Duration!.Value * Rate)))
            .OrderBy(a => a.Sample).ToList();
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(recorded.Annotations.Where(a => a.Text is "T1" or "T2").All(a => Math.Abs((a.Onset * Rate) - Math.Round(a.Onset * Rate)) < 1e-6),
            "onsets fall on samples");
        Assert.That(recorded.SampleCount, Is.EqualTo(lengths[0] + lengths[1]));
        Assert.That(recorded.Annotations.Any(a => a.Text.StartsWith("acquisition gap", StringComparison.Ordinal)), Is.False, "no sample was lost");

        // The presenter saw every cue once, in order, when the acquisition reached its sample.
        var cueSamples = expected.Where(e => e.Code != "T0").Select(e => e.Sample).ToList();
        Assert.That(presenter.Cues.Select(c => c.Sample), Is.EqualTo(cueSamples));
        Assert.That(presenter.Ended!.Completed, Is.True);

        // DatasetBuilder cuts the session like an eegmmidb run: the scheduled trials of each class.
        var dataset = DatasetBuilder.Build([result.RecordingPath], SessionTask, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
        Assert.That(dataset.Labels.Count(l => dataset.ClassNames[l] == "left"), Is.EqualTo(result.TrialsPerClass["left"]));
        Assert.That(dataset.Labels.Count(l => dataset.ClassNames[l] == "right"), Is.EqualTo(result.TrialsPerClass["right"]));
        Assert.That(result.TrialsPerClass["left"] + result.TrialsPerClass["right"], Is.EqualTo(30));

        using var schedule = JsonDocument.Parse(File.ReadAllText(result.SchedulePath));
        Assert.That(schedule.RootElement.GetProperty("cues").EnumerateArray().Select(c => c.GetProperty("sample").GetInt64()), Is.EqualTo(cueSamples));
        Assert.That(schedule.RootElement.GetProperty("seed").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void On_the_synthetic_source_the_protocols_schedule_is_recorded_and_cut_into_its_trials()
    {
        using var root = CampTestData.Temporary();
        var presenter = new RecordingPresenter();

        var result = Run(root.Path, presenter, [], EmulatorOptions.SyntheticSource);

        var schedule = CueSchedule.FromProtocol(CampTestData.ShortProtocol, Rate, seed: 9);
        var cueSamples = schedule.Blocks.SelectMany((b, i) => b.Periods.Where(p => p.Kind == SessionPeriodKind.Cue).Select(p => result.Blocks[i].Start + p.Start)).ToList();
        Assert.That(presenter.Cues.Select(c => c.Sample), Is.EqualTo(cueSamples));
        Assert.That(presenter.Fixations, Is.EqualTo(8));
        Assert.That(presenter.Breaks, Is.Empty, "the emulator's breaks take no time");
        Assert.That(result.Blocks[1].Start, Is.EqualTo(result.Blocks[0].End));

        var recorded = RecordingLoader.Load(result.RecordingPath);
        var cues = recorded.Annotations.Where(a => a.Text is "T1" or "T2").Select(a => (long)Math.Round(a.Onset * Rate)).ToList();
        Assert.That(cues, Is.EqualTo(cueSamples));

        var dataset = DatasetBuilder.Build([result.RecordingPath], SessionTask, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
        Assert.That(dataset.Labels.Count(l => dataset.ClassNames[l] == "left"), Is.EqualTo(4));
        Assert.That(dataset.Labels.Count(l => dataset.ClassNames[l] == "right"), Is.EqualTo(4));
        // A rest window (0.5-2.5 s after its onset) is cut wherever the recording holds it: every rest but perhaps the last.
        var rests = recorded.Annotations.Where(a => a.Text == "T0").Select(a => (long)Math.Round(a.Onset * Rate)).ToList();
        Assert.That(rests, Has.Count.EqualTo(10), "one rest before each trial and one closing each block");
        Assert.That(dataset.Labels.Count(l => dataset.ClassNames[l] == "rest"), Is.EqualTo(rests.Count(r => r + (5 * Rate / 2) <= recorded.SampleCount)));
    }

    [Test]
    public void A_replayed_recording_without_cues_is_an_error_naming_it_and_records_nothing()
    {
        using var root = CampTestData.Temporary();
        var plain = Path.Combine(root.Path, "plain.bdf");
        using (var recorder = new BdfFrameRecorder(plain, Ads1299Options.DefaultMontage, Rate, Ads1299Gain.X24, "Startdate X X test", DateTime.Now))
        {
            var frame = new int[8];
            for (var i = 0; i < 2 * Rate; i++)
            {
                recorder.Append(frame, i);
            }
        }

        var error = Assert.Throws<ArgumentException>(() => Run(root.Path, new RecordingPresenter(), [plain], "unused"))!;

        Assert.That(error.Message, Does.StartWith($"{plain}: no annotation is a cue of protocol 'short'"));
        Assert.That(Directory.GetDirectories(Path.Combine(root.Path, "wearers", "w1", "sessions")), Is.Empty);
    }

    private static SessionResult Run(string root, ICuePresenter presenter, string[] sources, string configuredSource)
    {
        var settings = new CalibrationSessionSettings(CampTestData.ShortProtocol, WearerFolder.Open(root, "w1"), presenter, 9, sources, RecordingHints.None);
        return CalibrationSession.Run(settings, source => FrontEnd.Open(
            "emulator",
            new Ads1299Options { Channels = Ads1299Options.DefaultMontage },
            new EmulatorOptions { Source = source ?? configuredSource, Pacing = "FreeRunning" },
            root));
    }

    private sealed class RecordingPresenter : ICuePresenter
    {
        public List<TrialPosition> Cues { get; } = [];

        public int Fixations { get; private set; }

        public List<int> Breaks { get; } = [];

        public SessionSummary? Ended { get; private set; }

        public void SessionStarted(CueSchedule schedule)
        {
        }

        public void Fixation(TrialPosition position, double seconds) => Fixations++;

        public void Cue(TrialPosition position, CueClass cueClass, double seconds) => Cues.Add(position);

        public void Rest(TrialPosition position, double seconds)
        {
        }

        public void BlockBreak(int block, int blocks, double seconds) => Breaks.Add(block);

        public void SessionEnded(SessionSummary summary) => Ended = summary;
    }
}
