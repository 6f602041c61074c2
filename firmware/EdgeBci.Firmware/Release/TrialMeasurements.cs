namespace EdgeBci.Firmware;

/// <summary>A runtime self-test's verdict as the trial counts it.</summary>
internal sealed record TrialSelfTest(bool Passed, string Summary)
{
    // Without a model the self-test's model and decoder checks fail by design; the trial drops that rule instead.
    private static readonly string[] ModelChecks = ["model", "decoder"];

    // Electrode contact is the wearer's, not the release's: a unit flashed on the bench with nobody wearing the headset
    // (every lead off) must still commit a good release, and a bad one must not commit because the electrodes are on.
    private const string ElectrodeCheck = "channels";

    /// <summary>The runtime self-test as the trial judges a release: without the electrodes, and without the model checks when no model is configured.</summary>
    public static TrialSelfTest Judge(SelfTestResult result, bool modelConfigured)
    {
        ArgumentNullException.ThrowIfNull(result);
        var counted = result.Checks.Where(check => check.Name != ElectrodeCheck
            && (modelConfigured || !ModelChecks.Contains(check.Name, StringComparer.Ordinal))).ToList();
        var passed = counted.TrueForAll(check => check.Verdict != "fail");
        return new TrialSelfTest(passed, new SelfTestResult(passed, counted).Summary);
    }
}

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
