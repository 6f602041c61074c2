using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Control;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Quality;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// Replays a recording through the unit's own pieces as the firmware composes them, on one thread and a virtual clock
/// (frame i at i / rate s; a supervisor tick every 1 / TickHz s of recording time): the emulated ADS1299 playing the
/// recording (free-running DRDY) read by the acquisition loop into the ring, the quality monitor and the Q31 chain, the
/// live decoder on the bundle with the unit's channel-quality gate and focus meter, the decisions into the supervisor's
/// inputs, and the safety supervisor stepping the simulated wheelchair through the control pipeline. The supervisor is
/// armed as the emulator's automatic arm does it (a LocalCli arm once every precondition it can see holds), and keeps
/// every rule: a frame or decision that stops arriving latches SafeStop. A 2-minute run replays in seconds, the same
/// every time.
/// </summary>
public sealed class LiveReplayRunner
{
    private static readonly TimeSpan ArmRetry = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ReplayConfiguration _configuration;
    private readonly ModelPrecision _precision;

    public LiveReplayRunner(ReplayConfiguration configuration, ModelPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = configuration;
        _precision = precision;
    }

    /// <summary>Frames inside any of these never reach the unit; empty by default.</summary>
    public IReadOnlyList<DataGap> DataGaps { get; init; } = [];

    /// <summary>Replays <paramref name="recordingPath"/> through <paramref name="bundle"/> (already verified by <see cref="ModelBundle.Load"/>).</summary>
    /// <exception cref="ArgumentException">A model channel is not in the recording, or the recording cannot be played (named).</exception>
    /// <exception cref="ModelBundleException">The model does not fit the unit's chain.</exception>
    public LiveReplayResult Run(ModelBundle bundle, string recordingPath, double recordingSeconds)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(recordingPath);
        var ads = _configuration.Ads1299;
        var emulator = new EmulatorOptions { Source = Path.GetFullPath(recordingPath), Pacing = "FreeRunning" };
        var time = new FakeTimeProvider(Epoch);
        var origin = time.MonotonicNow();
        using var frontEnd = FrontEnd.Open("emulator", ads, emulator, Path.GetDirectoryName(Path.GetFullPath(recordingPath))!);
        frontEnd.Initialize();
        var signal = _configuration.Signal;
        var chain = SignalChain.Create(signal, frontEnd.ChannelNames, frontEnd.SampleRate, signal.BlockFrames);
        var microvoltsPerQ31 = Q31.MicrovoltsPerStep(Ads1299Scaling.MicrovoltsPerCount(ads.GainSetting));
        var quality = new SignalQualityMonitor(frontEnd.ChannelNames, frontEnd.SampleRate, microvoltsPerQ31,
            new SignalQualityOptions { LineFrequencyHz = signal.NotchHz > 0 ? signal.NotchHz : 50, HoldOffSeconds = signal.QualityHoldOffSeconds });
        var conditions = new PublishedChannelConditions(quality.Channels);
        var decoding = _configuration.Decoding;
        var focus = new FocusMeter(frontEnd.ChannelNames, frontEnd.SampleRate, microvoltsPerQ31, decoding.Focus, decoding.HopSeconds, conditions);
        var unit = UnitConfiguration.For(signal, frontEnd.ChannelNames, frontEnd.SampleRate);
        BundleCompatibility.Check(bundle.Manifest, unit);

        var control = _configuration.Control;
        var inputs = new ControlInputs();
        var supervisor = new SafetySupervisor(control);
        using var chair = new SimulatedWheelchair(control, time);
        var pipeline = new ControlPipeline(supervisor, chair);
        var channels = new ChannelReporter(frontEnd.ChannelNames, conditions, quality.Options.RailFractionOfFullScale);
        var decisions = 0L;
        var classifier = new OnnxWindowClassifier(bundle, new InferenceOptions { Precision = _precision, IntraOpThreads = decoding.IntraOpThreads });
        LiveDecoder? decoder = null;
        using var liveDecoder = decoder = new LiveDecoder(classifier, unit, microvoltsPerQ31, decoding, OnDecision, focus, new QualitySource(conditions, frontEnd.ChannelNames))
        {
            ModelFaulted = _ => inputs.SetDecoderHealthy(false),
        };

        // What the firmware reports once the decoder is up on the emulator: e-stop closed (not wired), no inhibit, the model verified.
        inputs.SetEStopClosed(true);
        inputs.SetInhibit(false);
        inputs.SetModelVerified(true);
        inputs.SetDecoderHealthy(true);
        inputs.SetModel($"{bundle.Manifest.ModelId} v{bundle.Manifest.ModelVersion}");

        var count = frontEnd.ChannelNames.Count;
        var ring = new SampleRing(count, 1, 64);
        using var reader = ring.CreateReader();
        using var loop = new AcquisitionLoop(frontEnd.Device, ring, frontEnd.SampleRate, time, dataReadyKeepsTime: false);
        frontEnd.Device.StartContinuous();
        var bytes = new byte[frontEnd.Device.FrameLength];
        var frame = new int[count];
        var raw = new int[count];
        var output = new int[chain.MaximumOutputFrames(1) * chain.OutputChannels];
        var totalFrames = (long)Math.Floor(recordingSeconds * frontEnd.SampleRate);
        var tickPeriod = control.TickPeriod;
        var nextTick = TimeSpan.Zero;
        var outputIndex = 0L;
        var moves = new List<MotionOnset>();
        var motion = new List<MotionSegment>();
        var events = new List<string>();
        double? armedAt = null;
        TimeSpan? lastArmAttempt = null;
        (double Start, IntentCommand Intent)? moving = null;
        var state = SupervisorState.Boot;

        for (long i = 0; i < totalFrames; i++)
        {
            var frameTime = TimeSpan.FromTicks(i * TimeSpan.TicksPerSecond / frontEnd.SampleRate);
            time.SetUtcNow(Epoch + frameTime);
            loop.ReadOne(bytes);
            if (!reader.TryRead(frame, default, out var stamp))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(recordingPath)}: frame {i} was rejected by the acquisition loop."));
            }

            if (!InGap(frameTime.TotalSeconds))
            {
                inputs.ReportFrame(time.MonotonicNow());
                for (var c = 0; c < count; c++)
                {
                    raw[c] = frame[c] << Q31.CountShift;
                }

                quality.SetLeadOff(loop.Counters.ElectrodesOff);
                quality.Process(raw);
                conditions.Publish(quality);
                channels.Report(inputs, frame, quality, loop.Counters.ElectrodesOff);
                focus.Process(raw);
                var produced = chain.ProcessLeftAligned(raw, output);
                for (var f = 0; f < produced; f++)
                {
                    decoder.Push(output.AsSpan(f * chain.OutputChannels, chain.OutputChannels), outputIndex++, stamp.Timestamp);
                }
            }
            else
            {
                // The frames the unit never saw leave a hole in the chain's output numbering, as a lost frame does on the unit.
                outputIndex += chain.OutputRate == chain.InputRate ? 1 : 0;
            }

            var nextFrame = TimeSpan.FromTicks((i + 1) * TimeSpan.TicksPerSecond / frontEnd.SampleRate);
            while (nextTick < nextFrame)
            {
                time.SetUtcNow(Epoch + nextTick);
                Tick(nextTick);
                nextTick += tickPeriod;
            }
        }

        if (moving is { } open)
        {
            motion.Add(new MotionSegment(open.Start, totalFrames / (double)frontEnd.SampleRate, open.Intent));
        }

        return new LiveReplayResult
        {
            Recording = Path.GetFileName(recordingPath),
            Model = $"{bundle.Manifest.ModelId} v{bundle.Manifest.ModelVersion}",
            Precision = _precision == ModelPrecision.Fp32 ? "fp32" : "int8",
            RecordingSeconds = totalFrames / (double)frontEnd.SampleRate,
            Frames = totalFrames,
            Decisions = decisions,
            ArmedAtSeconds = armedAt,
            Moves = moves,
            Motion = motion,
            Events = events,
            FinalState = state,
            MovingAtEnd = moving is not null,
        };

        void OnDecision(in Decision decision)
        {
            decisions++;
            if (decision.EvidenceClass < 0)
            {
                return;
            }

            // As the firmware's supervisor service: the integrated verdict, with this window's probability of that class.
            ReadOnlySpan<float> probabilities = decoder is null ? default : decoder.Probabilities;
            var confidence = decision.EvidenceClass < probabilities.Length ? probabilities[decision.EvidenceClass]
                : decision.ClassIndex == decision.EvidenceClass ? decision.Confidence : 0f;
            inputs.ReportDecision(new IntentDecision(decision.EvidenceClassName, confidence, decision.Evidence, decision.LastSampleIndex,
                TimeSpan.FromTicks(decision.Timestamp), time.MonotonicNow()));
            inputs.SetFocus(double.IsFinite(decision.Focus) ? decision.Focus : null);
        }

        void Tick(TimeSpan at)
        {
            var now = time.MonotonicNow();
            var snapshot = inputs.Snapshot();
            var result = pipeline.Step(now, snapshot);
            state = result.State;
            foreach (var supervisorEvent in result.Events)
            {
                events.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{at.TotalSeconds:0.000} s {supervisorEvent.From} -> {supervisorEvent.To} {supervisorEvent.Reason}: {supervisorEvent.Message}"));
                if (supervisorEvent.Reason == SupervisorReason.Armed)
                {
                    armedAt ??= at.TotalSeconds;
                }
            }

            if (armedAt is null && result.State == SupervisorState.Disarmed && (lastArmAttempt is not { } previous || now - previous >= ArmRetry)
                && ArmPreconditions.Visible(snapshot, control, now))
            {
                lastArmAttempt = now;
                inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalCli, "live replay"));
            }

            var isMoving = chair.State.IsMoving;
            if (isMoving && moving is null)
            {
                var intent = supervisor.ActiveIntent ?? result.Intent ?? IntentCommand.Stop;
                moving = (at.TotalSeconds, intent);
                moves.Add(new MotionOnset(at.TotalSeconds, intent));
            }
            else if (!isMoving && moving is { } segment)
            {
                motion.Add(new MotionSegment(segment.Start, at.TotalSeconds, segment.Intent));
                moving = null;
            }
        }

        bool InGap(double seconds)
        {
            foreach (var gap in DataGaps)
            {
                if (gap.Contains(seconds))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
