using System.Device.Gpio;
using System.Device.Spi;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;
using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Quality;
using EdgeBci.Signal.Reference;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Signal.Tests;

public partial class SignalQualityTests
{
    private const double SampleRate = 250;
    private const double MicrovoltsPerCount = 0.022351741790771484; // gain 24: 2 · 4.5 V / 24 / 2^24
    private const double MicrovoltsPerQ31 = MicrovoltsPerCount / (1 << Q31.CountShift);
    private static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    [Test]
    public void Eeg_like_noise_with_electrode_offsets_is_good_on_every_channel_in_every_window()
    {
        var monitor = WindowMonitor();
        var verdicts = Run(monitor, seconds: 8, (_, _, _, microvolts) => microvolts);

        Assert.That(monitor.WindowsCompleted, Is.EqualTo(8));
        Assert.That(verdicts.SelectMany(window => window), Is.All.EqualTo(ChannelQuality.Good));
        for (var c = 0; c < Montage.Length; c++)
        {
            Assert.That(monitor.GetMetrics(c).BroadbandRmsMicrovolts, Is.InRange(5.0, 40.0), Montage[c]);
        }

        Assert.That(monitor.Describe(), Is.EqualTo("FC3 good, FC4 good, C3 good, Cz good, C4 good, CP3 good, CP4 good, Pz good"));
    }

    [Test]
    public void A_channel_pinned_at_full_scale_is_bad_railed()
    {
        var monitor = WindowMonitor();
        Run(monitor, seconds: 3, (c, _, _, microvolts) => c == 2 ? 1e9 : microvolts);

        Assert.That(monitor.Get(2), Is.EqualTo(new ChannelQuality(QualityState.Bad, "railed")));
        Assert.That(monitor.GetMetrics(2).RailedFraction, Is.EqualTo(1.0));
        Assert.That(Others(monitor, 2), Is.All.EqualTo(ChannelQuality.Good));
        Assert.That(monitor.Describe(), Does.Contain("C3 bad (railed)"));
    }

    [Test]
    public void Clipping_counts_as_railed_only_beyond_a_tenth_of_the_window()
    {
        var clipsOften = Monitor();
        // The negative rail for 30 of every 250 samples (12%), then for 20 (8%).
        Run(clipsOften, seconds: 2, (c, n, _, microvolts) => c == 0 && n % 250 < 30 ? -1e9 : microvolts);
        var clipsRarely = Monitor();
        Run(clipsRarely, seconds: 2, (c, n, _, microvolts) => c == 0 && n % 250 < 20 ? -1e9 : microvolts);

        Assert.That(clipsOften.Get(0).State, Is.EqualTo(QualityState.Bad));
        Assert.That(clipsOften.Get(0).Reason, Is.EqualTo("railed"));
        Assert.That(clipsRarely.Get(0).Reason, Does.Not.Contain("railed"));
    }

    [Test]
    public void A_zero_channel_and_a_constant_offset_are_bad_constant_and_a_flat_but_moving_input_is_a_flat_line()
    {
        var monitor = WindowMonitor();
        Run(monitor, seconds: 3, (c, _, _, microvolts) => c switch
        {
            5 => 0,
            6 => 45_000, // 45 mV of electrode offset and nothing else
            7 => 45_000 + (0.01 * microvolts), // a live input, but a fraction of a microvolt
            _ => microvolts,
        });

        Assert.That(monitor.Get(5), Is.EqualTo(new ChannelQuality(QualityState.Bad, "constant")));
        Assert.That(monitor.Get(6), Is.EqualTo(new ChannelQuality(QualityState.Bad, "constant")));
        Assert.That(monitor.Get(7), Is.EqualTo(new ChannelQuality(QualityState.Bad, "flat line")));
        Assert.That(Others(monitor, 5, 6, 7), Is.All.EqualTo(ChannelQuality.Good));
    }

    [Test]
    public void Fifty_hertz_mains_of_100_microvolts_makes_a_channel_noisy_with_line_noise()
    {
        var monitor = WindowMonitor();
        Run(monitor, seconds: 3, (c, _, t, microvolts) => c == 7 ? microvolts + (100 * Math.Sin(2 * Math.PI * 50 * t)) : microvolts);

        var quality = monitor.Get(7);
        Assert.That(quality.State, Is.EqualTo(QualityState.Noisy));
        Assert.That(quality.Reason, Does.Match(@"^line noise \d+% of power$"));
        Assert.That(monitor.GetMetrics(7).LineNoiseRatio, Is.GreaterThan(0.8));
        Assert.That(Others(monitor, 7), Is.All.EqualTo(ChannelQuality.Good));
        Assert.That(monitor.Describe(), Does.EndWith($"Pz noisy ({quality.Reason})"));
    }

    [Test]
    public void Sixty_hertz_mains_is_line_noise_when_configured_for_sixty_and_not_mistaken_for_muscle()
    {
        var sixty = WindowMonitor(new SignalQualityOptions { LineFrequencyHz = 60 });
        Run(sixty, seconds: 3, (c, _, t, microvolts) => c == 1 ? microvolts + (100 * Math.Sin(2 * Math.PI * 60 * t)) : microvolts);

        Assert.That(sixty.Get(1).State, Is.EqualTo(QualityState.Noisy));
        Assert.That(sixty.Get(1).Reason, Does.Match(@"^line noise \d+% of power$"), "60 Hz lies in the EMG band; mains is taken out of it");
        Assert.That(Others(sixty, 1), Is.All.EqualTo(ChannelQuality.Good));

        // Configured for 50 Hz mains, a 60 Hz interference is not mains.
        var fifty = WindowMonitor();
        Run(fifty, seconds: 3, (c, _, t, microvolts) => c == 1 ? microvolts + (100 * Math.Sin(2 * Math.PI * 60 * t)) : microvolts);
        Assert.That(fifty.Get(1).Reason, Does.Not.Contain("line noise"));
    }

    [Test]
    public void Broadband_60_to_100_hertz_activity_is_noisy_emg()
    {
        var random = new Random(11);
        var components = Enumerable.Range(0, 80)
            .Select(_ => (Hz: 60 + (40 * random.NextDouble()), Phase: 2 * Math.PI * random.NextDouble()))
            .ToArray();
        // 80 sines of 5 µV peak: about 32 µV rms of muscle-like activity.
        var monitor = WindowMonitor();
        Run(monitor, seconds: 3, (c, _, t, microvolts) =>
            c == 4 ? microvolts + components.Sum(s => 5 * Math.Sin((2 * Math.PI * s.Hz * t) + s.Phase)) : microvolts);

        var quality = monitor.Get(4);
        Assert.That(quality.State, Is.EqualTo(QualityState.Noisy));
        Assert.That(quality.Reason, Does.Match(@"^EMG \d+% of power$"));
        Assert.That(Others(monitor, 4), Is.All.EqualTo(ChannelQuality.Good));
    }

    [Test]
    public void Lead_off_from_the_chip_is_bad_at_once_and_clears_when_the_chip_says_so()
    {
        var monitor = Monitor();
        Run(monitor, seconds: 5, // past the switch-on hold-off
            (_, _, _, microvolts) => microvolts);
        monitor.SetLeadOff(0b1000_0001);

        Assert.That(monitor.Get(0), Is.EqualTo(new ChannelQuality(QualityState.Bad, "lead-off")));
        Assert.That(monitor.Get(7), Is.EqualTo(new ChannelQuality(QualityState.Bad, "lead-off")));
        Assert.That(Others(monitor, 0, 7), Is.All.EqualTo(ChannelQuality.Good));

        monitor.SetLeadOff(0);
        Assert.That(Others(monitor), Is.All.EqualTo(ChannelQuality.Good), "no window has ended since: the memory has not seen it yet");
        Run(monitor, seconds: 1, (_, _, _, microvolts) => microvolts);
        Assert.That(monitor.Get(0), Is.EqualTo(new ChannelQuality(QualityState.Settling, "after lead-off")), "a lead-off within the window is held off");
    }

    [Test]
    public void Several_findings_are_reported_worst_first()
    {
        var monitor = WindowMonitor();
        Run(monitor, seconds: 2, (c, _, t, microvolts) => c == 3 ? microvolts + (300 * Math.Sin(2 * Math.PI * 50 * t)) : microvolts);
        Assert.That(monitor.Get(3).State, Is.EqualTo(QualityState.Noisy));

        monitor.SetLeadOff(1UL << 3);
        var quality = monitor.Get(3);
        Assert.That(quality.State, Is.EqualTo(QualityState.Bad));
        Assert.That(quality.Reason, Does.Match(@"^lead-off, line noise \d+% of power$"));
        Assert.That(monitor.Describe(), Does.Contain($"Cz bad ({quality.Reason})"));
    }

    [Test]
    public void A_blink_on_a_frontal_electrode_makes_its_window_noisy_and_only_that_window()
    {
        string[] names = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"];
        var monitor = new SignalQualityMonitor(names, SampleRate, MicrovoltsPerQ31, new SignalQualityOptions { HoldOffSeconds = 0 });
        // A 250 µV, 300 ms blink at 3.3 s on Fp1, Fp2 and (to show only frontal channels are judged for it) C3.
        var verdicts = Run(monitor, seconds: 6, (c, _, t, microvolts) =>
            c <= 2 && Math.Abs(t - 3.3) < 0.15 ? microvolts + (250 * Math.Pow(Math.Cos(Math.PI * (t - 3.3) / 0.3), 2)) : microvolts);

        Assert.That(monitor.IsFrontalChannel(0) && monitor.IsFrontalChannel(1) && !monitor.IsFrontalChannel(2), Is.True);
        for (var window = 0; window < verdicts.Count; window++)
        {
            var expected = window == 3 ? new ChannelQuality(QualityState.Noisy, "blink") : ChannelQuality.Good;
            Assert.That(verdicts[window][0], Is.EqualTo(expected), $"Fp1, window {window}");
            Assert.That(verdicts[window][1], Is.EqualTo(expected), $"Fp2, window {window}");
            Assert.That(verdicts[window].Skip(2), Is.All.EqualTo(ChannelQuality.Good), $"window {window}");
        }
    }

    [TestCase("Fp1", true)]
    [TestCase("Fpz", true)]
    [TestCase("AF3", true)]
    [TestCase("F7", true)]
    [TestCase("Fz", true)]
    [TestCase("FC3", false)]
    [TestCase("FT8", false)]
    [TestCase("Cz", false)]
    [TestCase("O1", false)]
    public void Frontal_electrodes_are_recognised_by_their_region(string name, bool frontal)
    {
        var monitor = new SignalQualityMonitor([name], SampleRate, MicrovoltsPerQ31);
        Assert.That(monitor.IsFrontalChannel(0), Is.EqualTo(frontal));
    }

    [Test]
    public void Processing_allocates_nothing_after_warm_up()
    {
        var monitor = Monitor();
        var signal = Synthesize(seconds: 4, (_, _, _, microvolts) => microvolts);
        monitor.Process(signal.AsSpan(0, 10 * Montage.Length));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var offset = 10 * Montage.Length; offset + (10 * Montage.Length) <= signal.Length; offset += 10 * Montage.Length)
        {
            monitor.Process(signal.AsSpan(offset, 10 * Montage.Length));
        }

        monitor.Process(signal); // blocks longer than a window and than the internal scratch
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(monitor.WindowsCompleted, Is.GreaterThan(4));
    }

    [Test]
    public void On_the_emulated_chip_clean_signals_are_good_and_a_railed_channel_is_bad()
    {
        using var chip = new EmulatedChip(new SyntheticSignalSource(8));
        var monitor = Monitor();
        chip.Feed(monitor, seconds: 5); // the switch-on hold-off
        Assert.That(Others(monitor), Is.All.EqualTo(ChannelQuality.Good), monitor.Describe());

        chip.Emulator.Faults.SetRailed(5, true);
        chip.Feed(monitor, seconds: 2);
        Assert.That(monitor.Get(5), Is.EqualTo(new ChannelQuality(QualityState.Bad, "railed")), monitor.Describe());
        Assert.That(Others(monitor, 5), Is.All.EqualTo(ChannelQuality.Good));

        chip.Emulator.Faults.SetRailed(5, false);
        chip.Feed(monitor, seconds: 2);
        Assert.That(monitor.Get(5), Is.EqualTo(new ChannelQuality(QualityState.Settling, "after railed")), "held off after the fault clears");
        chip.Feed(monitor, seconds: 5);
        Assert.That(Others(monitor), Is.All.EqualTo(ChannelQuality.Good), "the channel recovers once it has been good for the hold-off");
    }

    [Test]
    public void On_the_emulated_chip_a_detached_electrode_is_reported_lead_off()
    {
        var configuration = new Ads1299Configuration
        {
            LeadOff = LeadOffMode.Dc,
            Channels = Ads1299Configuration.DefaultChannels(8, new Ads1299ChannelConfiguration().SensingElectrode(leadOff: true, bias: true)),
        };
        using var chip = new EmulatedChip(new SyntheticSignalSource(8), configuration);
        var monitor = Monitor();
        chip.Feed(monitor, seconds: 5); // the switch-on hold-off
        Assert.That(Others(monitor), Is.All.EqualTo(ChannelQuality.Good), monitor.Describe());

        chip.Emulator.Faults.SetElectrodeOff(3, true);
        chip.Feed(monitor, seconds: 2);
        var quality = monitor.Get(3);
        Assert.That(quality.State, Is.EqualTo(QualityState.Bad));
        Assert.That(quality.Reason, Does.StartWith("lead-off"), "the chip's own comparator is the most direct evidence");
        Assert.That(quality.Reason, Does.Contain("railed"), "the excitation current drives the open input to its rail");
        Assert.That(Others(monitor, 3), Is.All.EqualTo(ChannelQuality.Good));

        chip.Emulator.Faults.SetElectrodeOff(3, false);
        chip.Feed(monitor, seconds: 2);
        Assert.That(monitor.Get(3).State, Is.EqualTo(QualityState.Settling), monitor.Describe());
        chip.Feed(monitor, seconds: 6);
        Assert.That(Others(monitor), Is.All.EqualTo(ChannelQuality.Good), monitor.Describe());
    }

    [Test]
    public void On_the_emulated_chip_mains_pickup_is_line_noise()
    {
        using var chip = new EmulatedChip(new SyntheticSignalSource(8, new SyntheticSignalOptions { LineAmplitude = 100, LineFrequency = 50 }));
        var monitor = WindowMonitor();
        chip.Feed(monitor, seconds: 3);
        for (var c = 0; c < 8; c++)
        {
            Assert.That(monitor.Get(c).State, Is.EqualTo(QualityState.Noisy), monitor.Describe());
            Assert.That(monitor.Get(c).Reason, Does.StartWith("line noise"));
        }
    }

    [Test]
    public void On_the_emulated_chip_muscle_activity_in_the_emg_band_is_noisy()
    {
        // Muscle: broadband activity 60-100 Hz, well above the EEG, on every electrode.
        SineComponent[] muscle = [new(63, 40), new(71, 40), new(79, 40), new(87, 40), new(95, 40)];
        using var chip = new EmulatedChip(new SyntheticSignalSource(8, new SyntheticSignalOptions { Sines = muscle }));
        var monitor = WindowMonitor();
        chip.Feed(monitor, seconds: 3);
        for (var c = 0; c < 8; c++)
        {
            Assert.That(monitor.Get(c).State, Is.EqualTo(QualityState.Noisy), monitor.Describe());
            Assert.That(monitor.Get(c).Reason, Does.StartWith("EMG"));
        }
    }

    [Test]
    public void Blinks_in_a_real_openbci_recording_are_flagged_on_the_frontal_channels_and_eyes_closed_alpha_is_not()
    {
        var recording = RecordingLoader.Load(SharedData.Path("openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"));
        Assert.That(recording.SampleRate, Is.EqualTo(SampleRate));
        var channels = recording.Microvolts.Length;
        var seconds = recording.SampleCount / (int)SampleRate;

        // An independent look first: Fp1 through a double-precision 0.5-4 Hz band-pass, peak-to-peak per second.
        var reference = new BiquadCascadeDouble(Butterworth.BandPass(2, 0.5, 4, SampleRate), 1);
        var fp1 = recording.Microvolts[0];
        var lowFrequency = new double[1];
        var referencePeakToPeak = new double[seconds];
        for (var s = 0; s < seconds; s++)
        {
            double minimum = double.MaxValue, maximum = double.MinValue;
            for (var n = s * (int)SampleRate; n < (s + 1) * (int)SampleRate; n++)
            {
                lowFrequency[0] = fp1[n] - fp1[0]; // the electrode offset removed, as by the monitor's primed DC blocker
                reference.Process(lowFrequency);
                minimum = Math.Min(minimum, lowFrequency[0]);
                maximum = Math.Max(maximum, lowFrequency[0]);
            }

            referencePeakToPeak[s] = maximum - minimum;
        }

        // Where the eyes were closed: occipital alpha (O1, O2) per second.
        var alphaMeter = new BandPowerMeter(2, SampleRate, [FrequencyBand.Alpha], 1.0, MicrovoltsPerQ31);
        var occipital = new int[2];
        var occipitalAlpha = new double[2];
        var alphaPerSecond = new double[seconds];
        for (var n = 0; n < seconds * (int)SampleRate; n++)
        {
            occipital[0] = ToQ31(recording.Microvolts[6][n] - recording.Microvolts[6][0]);
            occipital[1] = ToQ31(recording.Microvolts[7][n] - recording.Microvolts[7][0]);
            alphaMeter.Process(occipital);
            if (n % (int)SampleRate == (int)SampleRate - 1)
            {
                alphaMeter.GetPower(0, occipitalAlpha);
                alphaPerSecond[n / (int)SampleRate] = Math.Sqrt((occipitalAlpha[0] + occipitalAlpha[1]) / 2);
            }
        }

        // The recording is from the Americas: 60 Hz mains, and a lot of it.
        string[] names = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"];
        var monitor = new SignalQualityMonitor(names, SampleRate, MicrovoltsPerQ31, new SignalQualityOptions { LineFrequencyHz = 60 });
        var block = new int[10 * channels];
        var log = new System.Text.StringBuilder();
        var blinkWindows = new List<int>();
        var nonFrontalBlinks = 0;
        for (var start = 0; start + 10 <= recording.SampleCount; start += 10)
        {
            for (var f = 0; f < 10; f++)
            {
                for (var c = 0; c < channels; c++)
                {
                    block[(f * channels) + c] = ToQ31(recording.Microvolts[c][start + f]);
                }
            }

            var before = monitor.WindowsCompleted;
            monitor.Process(block);
            if (monitor.WindowsCompleted == before)
            {
                continue;
            }

            var window = (int)before;
            var flagged = Enumerable.Range(0, channels).Where(c => monitor.Get(c).Reason.Contains("blink", StringComparison.Ordinal)).ToList();
            nonFrontalBlinks += flagged.Count(c => c >= 2);
            if (flagged.Count > 0)
            {
                blinkWindows.Add(window);
            }

            log.AppendLine(CultureInfo.InvariantCulture,
                $"{window,3} s  O1/O2 alpha {alphaPerSecond[window],5:F1}  reference Fp1 p-p {referencePeakToPeak[window],6:F0}  monitor peak Fp1 {monitor.GetMetrics(0).LowFrequencyPeakMicrovolts,5:F0} Fp2 {monitor.GetMetrics(1).LowFrequencyPeakMicrovolts,5:F0}  | {monitor.Describe()}");
        }

        TestContext.Out.WriteLine(log.ToString());
        TestContext.Out.WriteLine($"blink windows: {string.Join(' ', blinkWindows)}");

        Assert.That(nonFrontalBlinks, Is.Zero, "only Fp1 and Fp2 are judged for blinks");
        Assert.That(blinkWindows, Has.Count.InRange(12, 24), "the recording holds about twenty seconds with blinks");
        Assert.That(blinkWindows.Count(w => w < 26), Is.GreaterThanOrEqualTo(8), "the blink episode at the start");
        Assert.That(blinkWindows.Where(w => w is >= 29 and < 76), Is.Empty, "eyes closed: alpha, no blinks");
        Assert.That(alphaPerSecond[29..76].Average(), Is.GreaterThan(1.3 * alphaPerSecond[7..24].Average()),
            "29-75 s is the eyes-closed part: occipital alpha is up");
    }

    private static SignalQualityMonitor Monitor(SignalQualityOptions? options = null) => new(Montage, SampleRate, MicrovoltsPerQ31, options);

    /// <summary>A monitor without memory (hold-off 0), for what one window finds; SignalQualityMemoryTests covers the hold-off.</summary>
    private static SignalQualityMonitor WindowMonitor(SignalQualityOptions? options = null) =>
        Monitor((options ?? new SignalQualityOptions()) with { HoldOffSeconds = 0 });

    private static ChannelQuality[] Others(SignalQualityMonitor monitor, params int[] except)
    {
        var all = new ChannelQuality[monitor.Channels];
        monitor.CopyTo(all);
        return [.. all.Where((_, c) => !except.Contains(c))];
    }

    private static int ToQ31(double microvolts) =>
        Q31.FromCounts((int)Math.Clamp(Math.Round(microvolts / MicrovoltsPerCount), -(1 << 23), (1 << 23) - 1));

    /// <summary>
    /// EEG-like signal per channel (pink noise, alpha bursts, 20 µV rms or so, from the emulator's own generator) on
    /// a different electrode offset of tens of millivolts, shaped by <paramref name="modify"/>(channel, sample, time,
    /// µV), quantised as the chip would, and left-aligned to Q31.
    /// </summary>
    private static int[] Synthesize(int seconds, Func<int, int, double, double, double> modify)
    {
        var source = new SyntheticSignalSource(Montage.Length, new SyntheticSignalOptions { PinkNoiseRms = 18, WhiteNoiseRms = 1.5, AlphaAmplitude = 15 });
        var frames = (int)(seconds * SampleRate);
        var microvolts = new double[Montage.Length];
        var block = new int[frames * Montage.Length];
        for (var n = 0; n < frames; n++)
        {
            source.Generate(n, SampleRate, microvolts);
            for (var c = 0; c < Montage.Length; c++)
            {
                var offset = 10_000.0 * (c - 3.5);
                block[(n * Montage.Length) + c] = ToQ31(offset + modify(c, n, n / SampleRate, microvolts[c]));
            }
        }

        return block;
    }

    /// <summary>Feeds a synthesized stream in uneven blocks and returns every channel's verdict after each window.</summary>
    private static List<ChannelQuality[]> Run(SignalQualityMonitor monitor, int seconds, Func<int, int, double, double, double> modify)
    {
        var signal = Synthesize(seconds, modify);
        var verdicts = new List<ChannelQuality[]>();
        var channels = monitor.Channels;
        var blockFrames = 7; // deliberately not a divisor of the window
        for (var offset = 0; offset < signal.Length; offset += blockFrames * channels)
        {
            var before = monitor.WindowsCompleted;
            monitor.Process(signal.AsSpan(offset, Math.Min(blockFrames * channels, signal.Length - offset)));
            if (monitor.WindowsCompleted != before)
            {
                var window = new ChannelQuality[channels];
                monitor.CopyTo(window);
                verdicts.Add(window);
            }
        }

        return verdicts;
    }

    /// <summary>The real ADS1299 driver on the register-level emulator, read frame by frame as the firmware does.</summary>
    private sealed class EmulatedChip : IDisposable
    {
        private readonly Ads1299Device _device;
        private readonly byte[] _frame;
        private readonly uint[] _status = new uint[1];
        private readonly int[] _counts = new int[8];
        private readonly int[] _block = new int[25 * 8];

        public EmulatedChip(IEmulatorSignalSource source, Ads1299Configuration? configuration = null)
        {
            Emulator = new Ads1299Emulator(source, new Ads1299EmulatorOptions { Pacing = EmulatorPacing.FreeRunning });
            var pins = BoardProfile.Get("emulator").Pins;
            var settings = new SpiConnectionSettings(0, 0) { Mode = SpiMode.Mode1, ClockFrequency = 2_000_000 };
            _device = new Ads1299Device(new Ads1299EmulatorSpiDevice(Emulator, settings),
                new GpioController(new Ads1299EmulatorGpioDriver(Emulator, pins)), pins, 1);
            _device.PowerUp();
            _device.ReadIdentity();
            _device.Configure(configuration ?? new Ads1299Configuration());
            _device.StartContinuous();
            _frame = new byte[_device.FrameLength];
        }

        public Ads1299Emulator Emulator { get; }

        /// <summary>Reads whole seconds of frames, 25 frames a block, passing samples and lead-off bits on.</summary>
        public void Feed(SignalQualityMonitor monitor, int seconds)
        {
            var frames = (int)(seconds * SampleRate);
            for (var start = 0; start < frames; start += 25)
            {
                ulong leadOff = 0;
                for (var f = 0; f < 25; f++)
                {
                    _device.WaitForDataReady(TimeSpan.FromSeconds(1));
                    _device.ReadFrame(_frame);
                    Ads1299Frame.Decode(_frame, _status, _counts);
                    leadOff = (ulong)(Ads1299Frame.LeadOffPositive(_status[0]) | Ads1299Frame.LeadOffNegative(_status[0]));
                    for (var c = 0; c < 8; c++)
                    {
                        _block[(f * 8) + c] = Q31.FromCounts(_counts[c]);
                    }
                }

                monitor.SetLeadOff(leadOff);
                monitor.Process(_block);
            }
        }

        public void Dispose() => _device.Dispose();
    }
}
