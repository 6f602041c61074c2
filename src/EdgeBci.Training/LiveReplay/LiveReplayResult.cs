using EdgeBci.Control.Supervision;

namespace EdgeBci.Training.LiveReplay;

/// <summary>The chair moved from <paramref name="StartSeconds"/> to <paramref name="EndSeconds"/> (recording time) doing <paramref name="Intent"/>.</summary>
public readonly record struct MotionSegment(double StartSeconds, double EndSeconds, IntentCommand Intent);

/// <summary>Frames from <paramref name="StartSeconds"/> for <paramref name="Seconds"/> never reach the unit (a lost link, a stalled bus).</summary>
public readonly record struct DataGap(double StartSeconds, double Seconds)
{
    public double EndSeconds => StartSeconds + Seconds;

    public bool Contains(double seconds) => seconds >= StartSeconds && seconds < EndSeconds;
}

/// <summary>What happened during a live replay, on recording time.</summary>
public sealed record LiveReplayResult
{
    public required string Recording { get; init; }

    public required string Model { get; init; }

    public required string Precision { get; init; }

    public required double RecordingSeconds { get; init; }

    public required long Frames { get; init; }

    public required long Decisions { get; init; }

    /// <summary>When the supervisor first armed (the emulator's automatic arm), or null if it never did.</summary>
    public double? ArmedAtSeconds { get; init; }

    public required IReadOnlyList<MotionOnset> Moves { get; init; }

    public required IReadOnlyList<MotionSegment> Motion { get; init; }

    /// <summary>Every supervisor transition and refusal, "12.340 s Armed -> SafeStop FrameTimeout: ...".</summary>
    public required IReadOnlyList<string> Events { get; init; }

    public required SupervisorState FinalState { get; init; }

    /// <summary>The chair was moving when the replay ended.</summary>
    public required bool MovingAtEnd { get; init; }
}
