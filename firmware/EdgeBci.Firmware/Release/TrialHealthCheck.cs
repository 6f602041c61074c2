using System.Globalization;

namespace EdgeBci.Firmware;

/// <summary>
/// What the firmware measured over one second of a trial. <see cref="SelfTestPassed"/> is null until the first
/// runtime self-test has finished; it is the latest one's result, since a self-test takes a second itself.
/// </summary>
internal readonly record struct TrialSecond(
    bool? SelfTestPassed,
    string SelfTestSummary,
    double FramesPerSecond,
    int ConfiguredFrameRate,
    bool ModelConfigured,
    long DecisionsLastSecond,
    bool BrokerConfigured,
    bool UplinkConnected);

/// <summary>The check's answer for one second: healthy or the one-line reason, and how long it has been healthy without a break.</summary>
internal readonly record struct TrialVerdict(bool Healthy, string Reason, TimeSpan HealthyFor, bool Held);

/// <summary>
/// The trial's health rules, pure: healthy means the runtime self-test passes, frames arrive at the configured rate
/// (within 5 %, as the self-test counts them), decisions flow when a model is configured, and the uplink is connected
/// when a broker is configured. Healthy for <c>hold</c> without a break means the trial held; any bad second starts
/// the hold again.
/// </summary>
internal sealed class TrialHealthCheck(TimeSpan hold, TimeProvider time)
{
    private const double RateTolerance = 0.05;
    private long? _healthySince;

    public TrialVerdict Observe(in TrialSecond second)
    {
        var reason = ReasonOf(second);
        if (reason is not null)
        {
            _healthySince = null;
            return new TrialVerdict(false, reason, TimeSpan.Zero, false);
        }

        _healthySince ??= time.GetTimestamp();
        var healthyFor = time.GetElapsedTime(_healthySince.Value);
        return new TrialVerdict(true, string.Create(CultureInfo.InvariantCulture, $"healthy for {healthyFor.TotalSeconds:0} s of {hold.TotalSeconds:0} s"),
            healthyFor, healthyFor >= hold);
    }

    private static string? ReasonOf(in TrialSecond second)
    {
        var reasons = new List<string>(4);
        if (second.SelfTestPassed != true)
        {
            reasons.Add(second.SelfTestPassed is null ? "self-test not finished yet" : second.SelfTestSummary);
        }

        if (Math.Abs(second.FramesPerSecond - second.ConfiguredFrameRate) > RateTolerance * second.ConfiguredFrameRate)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"acquisition: {second.FramesPerSecond:0.#} frames/s of {second.ConfiguredFrameRate} configured"));
        }

        if (second.ModelConfigured && second.DecisionsLastSecond <= 0)
        {
            reasons.Add("decoder: no decision in the last second");
        }

        if (second.BrokerConfigured && !second.UplinkConnected)
        {
            reasons.Add("uplink: not connected to the broker");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}
