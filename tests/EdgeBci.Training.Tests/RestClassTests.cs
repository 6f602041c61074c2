using EdgeBci.Acquisition.Configuration;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Tests;

public class RestClassTests
{
    [Test]
    public void The_three_class_tasks_map_T0_to_rest_and_order_classes_ordinally()
    {
        var imagined = TaskDefinition.FindBuiltIn("rest-left-right");
        Assert.That(imagined, Is.SameAs(TaskDefinition.RestLeftRight));
        Assert.That(imagined.Runs, Is.EqualTo(new[] { 4, 8, 12 }));
        Assert.That(imagined.ClassNames, Is.EqualTo(new[] { "left", "rest", "right" }));
        Assert.That(imagined.ClassByAnnotation["T0"], Is.EqualTo("rest"));
        Assert.That((imagined.WindowStartSeconds, imagined.WindowEndSeconds), Is.EqualTo((0.5, 2.5)));

        var executed = TaskDefinition.FindBuiltIn("rest-left-right-executed");
        Assert.That(executed.Runs, Is.EqualTo(new[] { 3, 7, 11 }));
        Assert.That(executed.ClassNames, Is.EqualTo(imagined.ClassNames), "auxiliary data must label like the imagined task");
        Assert.That(TaskDefinition.FindBuiltIn("left-vs-right").ClassNames, Is.EqualTo(new[] { "left", "right" }), "the two-class tasks stay");
    }

    [Test]
    public void S001_run_4_gives_a_rest_window_per_pause_and_every_window_lies_inside_its_period()
    {
        var path = SharedData.Path("eegmmidb/S001/S001R04.edf");
        var dataset = DatasetBuilder.Build([path], TaskDefinition.RestLeftRight, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
        var annotations = RecordingLoader.Load(path).Annotations;

        var expected = new int[3];
        foreach (var annotation in annotations)
        {
            var text = annotation.Text.Trim();
            if (TaskDefinition.RestLeftRight.ClassByAnnotation.TryGetValue(text, out var className))
            {
                expected[dataset.ClassNames.ToList().IndexOf(className)]++;
            }
        }

        var counts = dataset.CountPerClass();
        TestContext.Out.WriteLine($"S001 R04: left {counts[0]}, rest {counts[1]}, right {counts[2]} (annotations {string.Join("/", expected)})");
        Assert.That(counts, Is.EqualTo(new[] { 8, 15, 7 }), "left (T1), rest (T0), right (T2) of S001 R04");
        Assert.That(counts, Is.EqualTo(expected), "one window per annotation: none dropped");

        for (var i = 0; i < dataset.Count; i++)
        {
            var onset = dataset.OnsetSeconds[i];
            var period = annotations.Single(a => Math.Abs(a.Onset - onset) < 1e-9);
            Assert.That(period.Duration, Is.Not.Null);
            Assert.That(onset + TaskDefinition.RestLeftRight.WindowEndSeconds, Is.LessThanOrEqualTo(onset + period.Duration!.Value),
                $"trial {i} ({dataset.ClassNames[dataset.Labels[i]]} at {onset} s, {period.Duration} s long): the window must end inside its period");
            if (dataset.ClassNames[dataset.Labels[i]] == "rest")
            {
                Assert.That(period.Text.Trim(), Is.EqualTo("T0"));
                Assert.That(period.Duration!.Value, Is.InRange(4.0, 4.5), "eegmmidb's pauses last about 4.2 s");
            }
        }
    }
}
