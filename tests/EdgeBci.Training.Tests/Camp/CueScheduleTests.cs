using EdgeBci.Recording;
using EdgeBci.Training.Camp;

namespace EdgeBci.Training.Tests.Camp;

/// <summary>The protocol's schedule: balanced per block, reproducible from its seed, within the protocol's timing.</summary>
public class CueScheduleTests
{
    private const int Rate = 250;

    [Test]
    public void Every_block_holds_the_same_trials_of_every_class()
    {
        var protocol = CalibrationProtocol.Load(CampTestData.ShippedProtocolPath());
        var schedule = CueSchedule.FromProtocol(protocol, Rate, seed: 3);

        Assert.That(schedule.Blocks, Has.Count.EqualTo(3));
        foreach (var block in schedule.Blocks)
        {
            var cues = block.Periods.Where(p => p.Kind == SessionPeriodKind.Cue).ToList();
            Assert.That(cues.Count(c => c.Class!.Name == "left"), Is.EqualTo(15), $"block {block.Index}");
            Assert.That(cues.Count(c => c.Class!.Name == "right"), Is.EqualTo(15), $"block {block.Index}");
        }

        Assert.That(schedule.TrialsPerClass(), Is.EqualTo(new Dictionary<string, int> { ["left"] = 45, ["right"] = 45 }));
        Assert.That(schedule.TrialCount, Is.EqualTo(90));
    }

    [Test]
    public void The_same_seed_gives_the_same_schedule_and_another_seed_another_order()
    {
        var protocol = CalibrationProtocol.Load(CampTestData.ShippedProtocolPath());

        var first = Flatten(CueSchedule.FromProtocol(protocol, Rate, seed: 11));
        var again = Flatten(CueSchedule.FromProtocol(protocol, Rate, seed: 11));
        var other = Flatten(CueSchedule.FromProtocol(protocol, Rate, seed: 12));

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [Test]
    public void Periods_follow_each_other_with_the_protocols_fixation_cue_and_rest_lengths()
    {
        var protocol = CampTestData.ShortProtocol;
        var schedule = CueSchedule.FromProtocol(protocol, Rate, seed: 5);
        var restLengths = new List<long>();
        foreach (var block in schedule.Blocks)
        {
            var time = 0L;
            for (var p = 0; p < block.Periods.Count; p++)
            {
                var period = block.Periods[p];
                Assert.That(period.Start, Is.EqualTo(time), "periods are contiguous");
                time = period.End;
                switch (period.Kind)
                {
                    case SessionPeriodKind.Fixation:
                        Assert.That(period.Length, Is.EqualTo(1 * Rate));
                        Assert.That(block.Periods[p + 1].Kind, Is.EqualTo(SessionPeriodKind.Cue), "the cue follows the cross");
                        break;
                    case SessionPeriodKind.Cue:
                        Assert.That(period.Length, Is.EqualTo(3 * Rate));
                        break;
                    default:
                        Assert.That(period.Length, Is.InRange((long)(1.5 * Rate), 3 * Rate));
                        restLengths.Add(period.Length);
                        break;
                }
            }

            Assert.That(block.Length, Is.EqualTo(time));
            Assert.That(block.Periods[^1].Kind, Is.EqualTo(SessionPeriodKind.Rest), "the last imagery is followed by a rest");
        }

        Assert.That(restLengths.Distinct().Count(), Is.GreaterThan(1), "the rest is randomised");
    }

    [Test]
    public void A_rest_is_annotated_with_the_rest_code_over_the_rest_and_the_cross_and_a_cue_with_its_class_code()
    {
        var schedule = CueSchedule.FromProtocol(CampTestData.ShortProtocol, Rate, seed: 5);
        var block = schedule.Blocks[0];

        var rest = schedule.AnnotationOf(block, 0);
        var fixation = schedule.AnnotationOf(block, 1);
        var cue = schedule.AnnotationOf(block, 2);

        Assert.That(rest, Is.EqualTo(("T0", block.Periods[0].Length + block.Periods[1].Length)));
        Assert.That(fixation, Is.Null, "the cross lies inside the rest's annotation");
        Assert.That(cue, Is.EqualTo((block.Periods[2].Class!.Code, 3L * Rate)));
    }

    [Test]
    public void A_recording_without_cues_is_refused_naming_it()
    {
        var recording = new MicrovoltRecording
        {
            SourcePath = "/data/plain.edf",
            SampleRate = 160,
            ChannelLabels = ["C3"],
            Microvolts = [new double[1600]],
            Annotations = [new EdfAnnotation(1, 4, "T0")],
        };

        var error = Assert.Throws<ArgumentException>(() => CueSchedule.FromRecordings(CampTestData.ShortProtocol, Rate, [recording]))!;

        Assert.That(error.Message, Does.StartWith("/data/plain.edf: no annotation is a cue of protocol 'short' (T1 = left, T2 = right)"));
    }

    private static List<(int, string, long, long)> Flatten(CueSchedule schedule) =>
        [.. schedule.Blocks.SelectMany(b => b.Periods.Select(p => (b.Index, p.Class?.Name ?? p.Kind.ToString(), p.Start, p.Length)))];
}
