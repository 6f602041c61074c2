using EdgeBci.Web.Api;
using EdgeBci.Web.Hosting;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Tests.Hosting;

internal sealed class FakeUnit : IUnitView
{
    public string DeviceId => "unit-7";

    public IReadOnlyList<string> ChannelNames { get; } = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    public int SampleRate => 250;

    public ElectrodeSnapshot Electrodes() => new(
        [.. ChannelNames.Select(c => c == "C3"
            ? new ElectrodeState(c, "bad", "lead-off: the electrode has lost contact", 0, null, null)
            : new ElectrodeState(c, "good", string.Empty, 12.5, 8.2, "good"))],
        new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public UnitStatus Status() => new("Disarmed", false, "neutral", null, null, 0.42, true, "base-rest-left-right v3");
}

internal sealed class FakeTraces : ILiveTraceSource
{
    public event Action<TraceBatch>? Batch;

    public void Push(TraceBatch batch) => Batch?.Invoke(batch);

    /// <summary>Whether anyone listens to the traces now.</summary>
    public bool HasListeners => Batch is not null;
}

internal sealed class FakeStop : IStopRequester
{
    public int Requests { get; private set; }

    public string? LastCaller { get; private set; }

    public Task<StopAnswer> RequestStopAsync(string caller, CancellationToken cancellationToken)
    {
        Requests++;
        LastCaller = caller;
        return Task.FromResult(new StopAnswer(true, "stopped: output neutral"));
    }
}

internal sealed class FakeCamp : ICampJobs
{
    public event Action<CampEvent>? Event;

    public CampRun? Current { get; private set; }

    public NeurofeedbackRequest? LastNeurofeedback { get; private set; }

    public int Cancels { get; private set; }

    public CampRun StartCalibration(string wearerId) => Start("calibration", wearerId, "running");

    public CampRun StartNeurofeedback(string wearerId, NeurofeedbackRequest request)
    {
        LastNeurofeedback = request;
        return Start("neurofeedback", wearerId, "baseline");
    }

    public void CancelCurrent()
    {
        Cancels++;
        if (Current is { } run)
        {
            Current = run with { State = "cancelled" };
        }
    }

    public void Raise(CampEvent campEvent) => Event?.Invoke(campEvent);

    private CampRun Start(string kind, string wearerId, string state)
    {
        if (Current is { State: "running" or "baseline" or "training" })
        {
            throw new CampBusyException($"a {Current.Kind} run is going; cancel it or wait for its end");
        }

        Current = new CampRun($"run-{kind}", kind, wearerId, state, DateTimeOffset.UnixEpoch, null);
        return Current;
    }
}

/// <summary>Pairing as the store does it, in memory: one code, wrong codes limited after three.</summary>
internal sealed class FakeSessions : ISessionValidator
{
    public const string GoodCode = "123-456";
    private readonly HashSet<string> valid = [];
    private int wrongCodes;

    public PairingAnswer Redeem(string code, string remote)
    {
        if (wrongCodes >= 3)
        {
            return PairingAnswer.Limited(TimeSpan.FromSeconds(299.5));
        }

        if (code != GoodCode)
        {
            wrongCodes++;
            return PairingAnswer.Wrong;
        }

        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        lock (valid)
        {
            valid.Add(token);
        }

        return PairingAnswer.Paired(token, DateTimeOffset.UtcNow.AddHours(12));
    }

    public bool Validate(string token)
    {
        lock (valid)
        {
            return valid.Contains(token);
        }
    }

    public void Revoke(string token)
    {
        lock (valid)
        {
            valid.Remove(token);
        }
    }
}

internal sealed class FakeHistory : ICampHistory
{
    private readonly List<WearerRecord> wearers = [new("ada", "Ada", new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero))];

    public string? Report { get; set; }

    public IReadOnlyList<WearerRecord> Wearers() => wearers;

    public WearerRecord? Wearer(string id) => wearers.Find(w => w.Id == id);

    public WearerRecord EnsureWearer(string id, string displayName)
    {
        if (id.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"--wearer '{id}': use a-z, 0-9, '-' and '_'");
        }

        var wearer = Wearer(id) ?? new WearerRecord(id, displayName, DateTimeOffset.UnixEpoch);
        if (!wearers.Contains(wearer))
        {
            wearers.Add(wearer);
        }

        return wearer;
    }

    public IReadOnlyList<CalibrationRecord> Calibrations(string wearerId) =>
    [
        new("cal-1", wearerId, new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 1, 9, 20, 0, TimeSpan.Zero), true, 60, 0.78, 0.5, 9.1, "passed", "78 % against 50 % chance", "/r/a.bdf", Report, null, true),
    ];

    public IReadOnlyList<FocusSessionRecord> FocusSessions(string wearerId) =>
    [
        new("focus-1", wearerId, new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 2, 9, 11, 0, TimeSpan.Zero), true, 0.2, 0.6, 0.5, 0.7, 600, 240, 0.4, 0.52),
    ];

    public string? ReportPath(string calibrationId) => calibrationId == "cal-1" ? Report : null;
}
