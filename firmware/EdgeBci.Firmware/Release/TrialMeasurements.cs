namespace EdgeBci.Firmware;

/// <summary>A runtime self-test's verdict as the trial counts it.</summary>
internal sealed record TrialSelfTest(bool Passed, string Summary);

/// <summary>The running firmware's figures the trial's health is judged on, read from what the stages publish.</summary>
internal interface ITrialMeasurements
{
    int ConfiguredFrameRate { get; }

    bool ModelConfigured { get; }

    bool BrokerConfigured { get; }

    /// <summary>Frames acquired since start (0 while not streaming).</summary>
    long Frames { get; }

    /// <summary>Decisions made since start.</summary>
    long Decisions { get; }

    bool UplinkConnected { get; }

    /// <summary>Runs the runtime self-test off the caller's thread; it takes about a second.</summary>
    Task<TrialSelfTest> RunSelfTestAsync(CancellationToken cancellationToken);
}

/// <summary>Where the trial's verdicts go besides the files: the uplink's event journal.</summary>
internal interface IReleaseEvents
{
    void Publish(string severity, string message, IReadOnlyDictionary<string, string> data);
}

/// <summary>How the firmware ends on a failed trial: the host's normal stop with an exit code.</summary>
internal interface IFirmwareStop
{
    void Stop(int exitCode);
}
