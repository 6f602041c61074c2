using EdgeBci.Firmware;

namespace EdgeBci.Firmware.Tests.Release;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks;

    public DateTimeOffset Start { get; } = new(2026, 12, 6, 16, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => Start.AddTicks(_ticks);

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}

/// <summary>A firmware whose figures the test sets; frames and decisions advance with <see cref="RunSecond"/>.</summary>
internal sealed class FakeMeasurements : ITrialMeasurements
{
    public int ConfiguredFrameRate { get; set; } = 250;

    public bool ModelConfigured { get; set; } = true;

    public bool BrokerConfigured { get; set; } = true;

    public long Frames { get; private set; }

    public long Decisions { get; private set; }

    public bool UplinkConnected { get; set; } = true;

    public TrialSelfTest SelfTest { get; set; } = new(true, "self-test passed: acquisition pass (250 frames/s of 250)");

    public int SelfTestsRun { get; private set; }

    public Task<TrialSelfTest> RunSelfTestAsync(CancellationToken cancellationToken)
    {
        SelfTestsRun++;
        return Task.FromResult(SelfTest);
    }

    /// <summary>One second of streaming at <paramref name="framesPerSecond"/> with <paramref name="decisions"/> decisions.</summary>
    public void RunSecond(int framesPerSecond = 250, int decisions = 4)
    {
        Frames += framesPerSecond;
        Decisions += decisions;
    }
}

internal sealed class RecordedEvents : IReleaseEvents
{
    public List<(string Severity, string Message, IReadOnlyDictionary<string, string> Data)> Published { get; } = [];

    public void Publish(string severity, string message, IReadOnlyDictionary<string, string> data) => Published.Add((severity, message, data));
}

internal sealed class RecordedStop : IFirmwareStop
{
    public int? ExitCode { get; private set; }

    public void Stop(int exitCode) => ExitCode = exitCode;
}
