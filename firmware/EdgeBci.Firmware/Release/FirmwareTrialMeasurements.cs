using EdgeBci.Acquisition;

namespace EdgeBci.Firmware;

/// <summary>
/// The trial's figures from the running stages: the acquisition's frame counter, the decoder's decision count, the
/// uplink's connection and the runtime self-test (the same one the <c>self-test</c> command runs). Reads only what
/// the stages publish for other threads; never touches the supervisor or the actuator.
/// </summary>
internal sealed class FirmwareTrialMeasurements(
    FrontEnd frontEnd,
    AcquisitionService acquisition,
    DecodingStage decodingStage,
    DecodingService decoding,
    TelemetryService telemetry,
    RuntimeSelfTest selfTest) : ITrialMeasurements
{
    public int ConfiguredFrameRate => frontEnd.SampleRate;

    public bool ModelConfigured => decodingStage.BundleFolder is not null;

    public bool BrokerConfigured => telemetry.BrokerConfigured;

    public long Frames => acquisition.Loop?.Counters.Frames ?? 0;

    public long Decisions => decoding.Decisions;

    public bool UplinkConnected => telemetry.UplinkConnected;

    public Task<TrialSelfTest> RunSelfTestAsync(CancellationToken cancellationToken) =>
        Task.Run(() => TrialSelfTest.Judge(selfTest.Run(cancellationToken), ModelConfigured), cancellationToken);
}

/// <summary>Release events through the telemetry service's uplink (its journal keeps them while the broker is away).</summary>
internal sealed class UplinkReleaseEvents(TelemetryService telemetry) : IReleaseEvents
{
    public void Publish(string severity, string message, IReadOnlyDictionary<string, string> data) =>
        telemetry.PublishReleaseEvent(severity, message, data);
}

/// <summary>
/// Stops the host as the stages do on a fault: the exit code first, then the normal stop, so the supervisor's
/// switch-off runs (neutral before anything else stops) and systemd sees the code.
/// </summary>
internal sealed class HostFirmwareStop(IHostApplicationLifetime lifetime) : IFirmwareStop
{
    public void Stop(int exitCode)
    {
        Environment.ExitCode = exitCode;
        lifetime.StopApplication();
    }
}
