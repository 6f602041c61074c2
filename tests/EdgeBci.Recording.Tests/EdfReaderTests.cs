using EdgeBci.Tests.Shared;

namespace EdgeBci.Recording.Tests;

/// <summary>The 14 runs of subject 1 of the PhysioNet EEG Motor Movement/Imagery dataset, read as the trainer reads them.</summary>
public class EdfReaderTests
{
    private static readonly int[] AllRuns = Enumerable.Range(1, 14).ToArray();
    private static readonly int[] TaskRuns = Enumerable.Range(3, 12).ToArray();

    internal static string RunPath(int run) => SharedData.Path($"eegmmidb/S001/S001R{run:D2}.edf");

    [TestCaseSource(nameof(AllRuns))]
    public void Every_S001_run_has_64_eeg_signals_at_160_Hz_and_one_EDF_annotation_signal(int run)
    {
        var recording = EdfReader.Read(RunPath(run));
        var signals = recording.Header.Signals;

        Assert.That(signals, Has.Count.EqualTo(65));
        using (Assert.EnterMultipleScope())
        {
            for (var i = 0; i < 64; i++)
            {
                Assert.That(signals[i].IsAnnotation, Is.False, $"signal {i} '{signals[i].Label}'");
                Assert.That(signals[i].SamplesPerRecord, Is.EqualTo(160), $"signal {i}");
                Assert.That(recording.GetSampleRate(i), Is.EqualTo(160.0), $"signal {i}");
                Assert.That(signals[i].PhysicalDimension.Trim(), Is.EqualTo("uV"), $"signal {i}");
            }

            Assert.That(signals[64].Label.Trim(), Is.EqualTo("EDF Annotations"));
            Assert.That(signals[64].IsAnnotation, Is.True);
        }
    }

    [TestCase(1, 60)]
    [TestCase(2, 60)]
    [TestCase(3, 125)]
    [TestCase(4, 125)]
    [TestCase(5, 125)]
    [TestCase(6, 125)]
    [TestCase(7, 125)]
    [TestCase(8, 125)]
    [TestCase(9, 125)]
    [TestCase(10, 125)]
    [TestCase(11, 125)]
    [TestCase(12, 125)]
    [TestCase(13, 125)]
    [TestCase(14, 125)]
    public void Baseline_runs_hold_60_one_second_records_and_task_runs_125(int run, int records)
    {
        var recording = EdfReader.Read(RunPath(run));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Header.DataRecordCount, Is.EqualTo(records));
            Assert.That(recording.RecordCount, Is.EqualTo(records));
            Assert.That(recording.Header.RecordDuration, Is.EqualTo(1.0));
            Assert.That(recording.GetDigital(0).Length, Is.EqualTo(records * 160));
            Assert.That(recording.GetDigital(63).Length, Is.EqualTo(records * 160));
            Assert.That(recording.GetPhysical(10), Has.Length.EqualTo(records * 160));
            Assert.That(recording.RecordOnsets, Is.EqualTo(Enumerable.Range(0, records).Select(r => (double)r).ToArray()), "time-keeping TAL of each record");
        }
    }

    [Test]
    public void S001R04_header_is_EDF_plus_continuous_with_the_BCI2000_start_time()
    {
        var header = EdfReader.Read(RunPath(4)).Header;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.Format, Is.EqualTo(EdfFormat.Edf));
            Assert.That(header.IsPlus, Is.True);
            Assert.That(header.Reserved.Trim(), Is.EqualTo("EDF+C"));
            Assert.That(header.StartDateTime, Is.EqualTo(new DateTime(2009, 8, 12, 16, 15, 0)));
            Assert.That(header.HeaderBytes, Is.EqualTo(256 * 66));
            Assert.That(header.PatientId.Trim(), Is.EqualTo("X X X X"));
            Assert.That(header.RecordingId.Trim(), Is.EqualTo("Startdate 12-AUG-2009 X X BCI2000"));
        }
    }

    [TestCaseSource(nameof(TaskRuns))]
    public void Task_runs_carry_30_contiguous_T0_T1_T2_cues_of_about_4_seconds(int run)
    {
        var recording = EdfReader.Read(RunPath(run));
        var annotations = recording.Annotations;

        Assert.That(annotations, Has.Count.EqualTo(30), "15 rests and 15 cues; the time-keeping TALs are not annotations");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(annotations[0], Is.EqualTo(new EdfAnnotation(0, 4.2, "T0")));
            Assert.That(annotations.Select(a => a.Text), Is.All.AnyOf("T0", "T1", "T2"));
            Assert.That(annotations.Count(a => a.Text == "T0"), Is.EqualTo(15));
            Assert.That(annotations.Count(a => a.Text == "T1"), Is.InRange(7, 8));
            Assert.That(annotations.Count(a => a.Text == "T2"), Is.InRange(7, 8));
            for (var i = 0; i < annotations.Count; i++)
            {
                Assert.That(annotations[i].Duration, Is.Not.Null.And.InRange(4.1 - 1e-9, 4.2 + 1e-9), $"annotation {i}");
                if (i > 0)
                {
                    Assert.That(annotations[i].Onset, Is.GreaterThan(annotations[i - 1].Onset), $"annotation {i}");
                    Assert.That(annotations[i].Onset, Is.EqualTo(annotations[i - 1].Onset + annotations[i - 1].Duration!.Value).Within(1e-9), $"cue {i} starts where cue {i - 1} ends");
                }
            }

            Assert.That(annotations[^1].Onset, Is.EqualTo(120.4).Within(1e-9));
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Baseline_runs_carry_a_single_T0_rest_annotation(int run)
    {
        var annotations = EdfReader.Read(RunPath(run)).Annotations;

        Assert.That(annotations, Is.EqualTo(new[] { new EdfAnnotation(0, 60.2, "T0") }));
    }

    [Test]
    public void Samples_decode_as_little_endian_16_bit_and_records_concatenate_per_signal()
    {
        // Pinned from the file's bytes: signal s, sample k lives in record k / 160 at signal offset s * 160.
        var recording = EdfReader.Read(RunPath(4));
        var c3 = recording.GetDigital(8);
        var fc5 = recording.GetDigital(0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(c3[..5].ToArray(), Is.EqualTo(new[] { 4, -27, -71, -53, -50 }));
            Assert.That(c3[(50 * 160) + 7], Is.EqualTo(-20));
            Assert.That(fc5[0], Is.EqualTo(-5));
            Assert.That(fc5[159], Is.EqualTo(-16), "last sample of record 0");
            Assert.That(fc5[160], Is.EqualTo(-24), "first sample of record 1");
            Assert.That(recording.GetDigital(10)[0], Is.EqualTo(18));
            Assert.That(recording.GetDigital(31)[(60 * 160) + 80], Is.EqualTo(-67));
            Assert.That(recording.GetDigital(63)[0], Is.EqualTo(-39));
        }
    }

    [TestCaseSource(nameof(AllRuns))]
    public void S001_physical_values_equal_digital_values_since_both_ranges_are_plus_minus_8092(int run)
    {
        var recording = EdfReader.Read(RunPath(run));

        for (var i = 0; i < 64; i++)
        {
            var signal = recording.Header.Signals[i];
            using (Assert.EnterMultipleScope())
            {
                Assert.That(signal.PhysicalMinimum, Is.EqualTo(-8092.0), signal.Label);
                Assert.That(signal.PhysicalMaximum, Is.EqualTo(8092.0), signal.Label);
                Assert.That(signal.DigitalMinimum, Is.EqualTo(-8092), signal.Label);
                Assert.That(signal.DigitalMaximum, Is.EqualTo(8092), signal.Label);
                Assert.That(signal.Gain, Is.EqualTo(1.0), signal.Label);
                Assert.That(signal.Offset, Is.EqualTo(0.0), signal.Label);
            }

            var digital = recording.GetDigital(i);
            var physical = recording.GetPhysical(i);
            Assert.That(physical, Has.Length.EqualTo(digital.Length), signal.Label);
            for (var k = 0; k < digital.Length; k++)
            {
                if (physical[k] != digital[k])
                {
                    Assert.Fail($"{signal.Label} sample {k}: physical {physical[k]} but digital {digital[k]}");
                }
            }
        }
    }

    [TestCase("C3", 8)]
    [TestCase("C3..", 8)]
    [TestCase("c3", 8)]
    [TestCase("EEG C3", 8)]
    [TestCase(" Fc3. ", 1)]
    [TestCase("FC3", 1)]
    [TestCase("Cz", 10)]
    [TestCase("T10", 43)]
    [TestCase("Iz", 63)]
    [TestCase("EDF Annotations", 64)]
    [TestCase("O3", -1)]
    [TestCase("C", -1)]
    [TestCase("C33", -1)]
    public void FindSignal_matches_dotted_eegmmidb_labels_by_their_electrode_name(string wanted, int expected)
    {
        var recording = EdfReader.Read(RunPath(4));

        Assert.That(recording.FindSignal(wanted), Is.EqualTo(expected));
    }

    [Test]
    public void Reading_from_a_stream_gives_the_same_recording_as_reading_the_path()
    {
        var path = RunPath(3);
        var fromPath = EdfReader.Read(path);
        using var stream = File.OpenRead(path);
        var fromStream = EdfReader.Read(stream, path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromStream.RecordCount, Is.EqualTo(fromPath.RecordCount));
            Assert.That(fromStream.Annotations, Is.EqualTo(fromPath.Annotations));
            Assert.That(fromStream.GetDigital(20).ToArray(), Is.EqualTo(fromPath.GetDigital(20).ToArray()));
        }
    }
}
