using EdgeBci.Recording;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

public class FilterCommandTests
{
    [Test]
    public void A_recording_is_filtered_as_the_unit_would_into_bdf_plus_with_its_events()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-filter-{Guid.NewGuid():N}.bdf");
        var again = Path.ChangeExtension(path, ".again.bdf");
        try
        {
            var (exit, output) = CliRunner.Run(["filter", "--in", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--out", path]);
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Does.Contain("Butterworth bandpass 8-30 Hz order 4"));
            var filtered = EdfReader.Read(path);
            Assert.That(filtered.Header.Format, Is.EqualTo(EdfFormat.Bdf));
            Assert.That(filtered.RecordCount, Is.EqualTo(125), "125 s of S001R04 at 250 SPS");
            Assert.That(filtered.GetSampleRate(filtered.FindSignal("C3")), Is.EqualTo(250));
            Assert.That(filtered.Annotations.Select(a => a.Text).Distinct(), Is.EquivalentTo(new[] { "T0", "T1", "T2" }));

            // Band-passed 8-30 Hz: the recording's slow drifts are gone, so the mean of each channel is near zero.
            var c3 = filtered.GetPhysical(filtered.FindSignal("C3"));
            Assert.That(Math.Abs(c3.Skip(2500).Average()), Is.LessThan(0.5));

            // Integer arithmetic end to end: a second run is bit-identical.
            Assert.That(CliRunner.Run(["filter", "--in", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--out", again]).ExitCode, Is.Zero);
            Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(path)));
        }
        finally
        {
            File.Delete(path);
            File.Delete(again);
        }
    }

    [Test]
    public void Bipolar_re_referencing_writes_one_channel_per_pair_named_after_it()
    {
        var config = Path.Combine(Path.GetTempPath(), $"edgebci-{Guid.NewGuid():N}.json");
        var path = Path.ChangeExtension(config, ".bdf");
        File.WriteAllText(config, """{ "Signal": { "Reference": "bipolar:C3-Cz,C4-Cz" } }""");
        try
        {
            var (exit, output) = CliRunner.Run(["filter", "--in", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--out", path, "--config", config]);
            Assert.That(exit, Is.Zero, output);
            var filtered = EdfReader.Read(path);
            Assert.That(filtered.Header.Signals.Count(s => !s.IsAnnotation), Is.EqualTo(2));
            Assert.That(filtered.FindSignal("C3-Cz"), Is.GreaterThanOrEqualTo(0));
            Assert.That(filtered.FindSignal("C4-Cz"), Is.GreaterThanOrEqualTo(0));
        }
        finally
        {
            File.Delete(config);
            File.Delete(path);
        }
    }

    [Test]
    public void A_bad_signal_setting_is_named_and_exits_2()
    {
        var config = Path.Combine(Path.GetTempPath(), $"edgebci-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, """{ "Signal": { "Filters": [ { "Type": "BandPass", "Order": 4, "LowHz": 8, "HighHz": 300 } ] } }""");
        try
        {
            var (exit, output) = CliRunner.Run(["filter", "--in", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--out", "/tmp/never.bdf", "--config", config]);
            Assert.That(exit, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("Signal:Filters:0:HighHz = 300"));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
