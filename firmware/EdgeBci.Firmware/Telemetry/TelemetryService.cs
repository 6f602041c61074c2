using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Control.Supervision;
using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;

namespace EdgeBci.Firmware;

/// <summary>
/// The unit's voice to the fleet. Starts the embedded broker when <c>Mqtt:Broker</c> is <c>embedded</c>, runs the
/// <see cref="MqttUplink"/>, and once per <c>Mqtt:TelemetryIntervalMs</c> gathers one snapshot of every stage (read from
/// their published values, never waiting on a stage's thread). Supervisor transitions, pipeline faults, injected chip
/// faults, model loads and swaps, recordings and self-tests become events; the uplink keeps them on disk until the broker
/// has them. Every handler here only hands a value to the uplink, which never blocks, so no stage waits on the network.
/// Registered before the control service: started before it, stopped after it, so switch-off's events are sent.
/// </summary>
internal sealed partial class TelemetryService : BackgroundService
{
    private readonly TelemetryStage _stage;
    private readonly FrontEnd _frontEnd;
    private readonly AcquisitionService _acquisition;
    private readonly SignalService _signal;
    private readonly DecodingStage _decodingStage;
    private readonly DecodingService _decoding;
    private readonly SupervisorService _control;
    private readonly TimeProvider _time;
    private readonly ILogger<TelemetryService> _logger;
    private readonly ILoggerFactory _loggers;
    private readonly HostStats _host = new();
    private readonly DateTimeOffset _startedAt;
    private readonly long _startedTimestamp;
    private EmbeddedBroker? _broker;
    private bool _uplinkFailed;

    public TelemetryService(TelemetryStage stage, FrontEnd frontEnd, AcquisitionService acquisition, SignalService signal, DecodingStage decodingStage,
        DecodingService decoding, SupervisorService control, EmulatorFaultService faults, RecordingService recording, RemoteCommands commands,
        TimeProvider time, ILoggerFactory loggers)
    {
        _stage = stage;
        _frontEnd = frontEnd;
        _acquisition = acquisition;
        _signal = signal;
        _decodingStage = decodingStage;
        _decoding = decoding;
        _control = control;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<TelemetryService>();
        _startedAt = time.GetUtcNow();
        _startedTimestamp = time.GetTimestamp();
        var version = typeof(TelemetryService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        Uplink = new MqttUplink(stage.Mqtt, new UplinkIdentity(stage.DeviceId, version, frontEnd.Board.Name, _startedAt), commands.Dispatcher,
            stage.EventQueueFolder, time, loggers.CreateLogger<MqttUplink>());

        // Subscribed before any stage starts, so nothing that happens at start-up is missed.
        control.SupervisorEventRaised += OnSupervisorEvent;
        control.PipelineFaulted += OnPipelineFault;
        faults.Injected += OnFaultInjected;
        decoding.ModelChanged += OnModelChanged;
        recording.Changed += OnRecording;
        commands.SelfTestRan += OnSelfTest;
    }

    private MqttUplink Uplink { get; }

    /// <summary>True when the unit is meant to talk to a broker (Mqtt:Enabled), whether or not it reaches one now.</summary>
    internal bool BrokerConfigured => _stage.Mqtt.Enabled;

    internal bool UplinkConnected => Uplink.IsConnected;

    /// <summary>A release event (trial committed, rollback) through the uplink's journal, so it survives an offline broker.</summary>
    internal void PublishReleaseEvent(string severity, string message, IReadOnlyDictionary<string, string> data) =>
        Uplink.PublishEvent(EventKinds.Release, severity, message, data);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _stage.Mqtt;
        if (!options.Enabled)
        {
            LogDisabled();
            await base.StartAsync(cancellationToken);
            return;
        }

        if (BrokerEndpoint.Parse(options.Broker).IsEmbedded)
        {
            _broker = await StartEmbeddedBrokerAsync(options);

            // The uplink reads the port when it connects: with EmbeddedPort 0 the broker picked one.
            if (_broker is { } started)
            {
                options.EmbeddedPort = started.Port;
            }
        }

        if (_decoding.Model is { } model)
        {
            Uplink.SetModel(model.Id, model.Version);
        }

        try
        {
            await Uplink.StartAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            // The unit's safety does not depend on its voice: it runs on, silent, and says so.
            LogUplinkFailed(exception.Message);
            _uplinkFailed = true;
            await base.StartAsync(cancellationToken);
            return;
        }

        LogUplink(_stage.DeviceId, _broker is { } broker ? $"the embedded broker on {options.EmbeddedBindAddress}:{broker.Port}" : options.Broker,
            $"{MqttTopics.Prefix}/{_stage.DeviceId}/#", _stage.EventQueueFolder, options.TelemetryIntervalMs);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_stage.Mqtt.Enabled && !_uplinkFailed)
        {
            // Up to two seconds to hand over what is queued; the rest stays in the journal for the next start.
            using var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            flush.CancelAfter(TimeSpan.FromSeconds(2));
            await Uplink.StopAsync(flush.Token);
            var counters = Uplink.Counters;
            LogStopped(counters.EventsDelivered, counters.EventsQueued, counters.EventsDropped, counters.TelemetrySent, counters.TelemetryDropped);
        }

        await Uplink.DisposeAsync();
        if (_broker is { } broker)
        {
            await broker.DisposeAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_stage.Mqtt.Enabled || _uplinkFailed)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_stage.Mqtt.TelemetryIntervalMs), _time);
        _host.Read();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Uplink.PublishTelemetry(Snapshot());
        }
    }

    /// <summary>One reading of every stage, from values they publish for other threads.</summary>
    internal TelemetryMessage Snapshot()
    {
        var counters = _acquisition.Loop?.Counters;
        var channels = _signal.Channels;
        var channelTelemetry = new List<ChannelTelemetry>(channels?.Count ?? 0);
        if (channels is not null)
        {
            foreach (var channel in channels)
            {
                channelTelemetry.Add(new ChannelTelemetry(channel.Name, channel.Quality, Finite(channel.RmsMicrovolts) ?? 0));
            }
        }

        var status = _decoding.Status;
        var model = _decoding.Model;
        var second = _decoding.LastSecond;
        DecisionTelemetry? decision = null;
        if (_decoding.Decisions > 0 && _decoding.LastDecision is { EvidenceClassName: { } evidenceClass } last)
        {
            // A window rejected for a dead channel shows why ("rejected: C3 railed") instead of the decaying evidence's class.
            decision = new DecisionTelemetry(last.Rejection ?? evidenceClass, last.Confidence, last.Evidence);
        }

        var supervisor = _control.Last;
        var actuator = _control.Actuator;
        var host = _host.Read();
        return new TelemetryMessage
        {
            DeviceId = _stage.DeviceId,
            Time = _time.GetUtcNow(),
            UptimeSeconds = Math.Round(_time.GetElapsedTime(_startedTimestamp).TotalSeconds, 3),
            Acquisition = new AcquisitionTelemetry(_frontEnd.SampleRate, counters?.Frames ?? 0, counters?.GapEvents ?? 0, counters?.BadFrames ?? 0, counters?.MissedSamples ?? 0),
            Channels = channelTelemetry,
            Decoder = new DecoderTelemetry(model?.Id, model?.Version, status.Healthy, second?.TotalWindows ?? 0,
                Finite(second?.LatencyP50Milliseconds), Finite(second?.LatencyP99Milliseconds)),
            Decision = decision,
            Focus = Finite(_decodingStage.Focus.Score),
            Supervisor = new SupervisorTelemetry(supervisor?.State.ToString() ?? "Boot", supervisor?.Intent is { } intent ? IntentCommands.Name(intent) : null,
                _control.ArmedModel, supervisor?.Ramping ?? false),
            Actuator = new ActuatorTelemetry(actuator.Kind, actuator.Output, actuator.Neutral),
            System = new SystemTelemetry(Finite(host.CpuLoad) ?? 0, host.CpuTemperatureC, host.MemoryBytes),
        };
    }

    private async Task<EmbeddedBroker?> StartEmbeddedBrokerAsync(MqttOptions options)
    {
        // The fleet's own ACL file decides what each user may do here too; its users are the ones that get passwords.
        var aclPath = EmbeddedBroker.AclPathFor(options);
        BrokerAccessList accessList;
        try
        {
            accessList = BrokerAccessList.Load(aclPath);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            LogEmbeddedBrokerFailed(options.EmbeddedBindAddress, options.EmbeddedPort, $"its ACL (Mqtt:EmbeddedAclFile): {exception.Message}");
            return null;
        }

        BrokerCredentials credentials;
        try
        {
            credentials = BrokerCredentials.EnsureFor(_stage.BrokerCredentialsFile, [_stage.DeviceId, .. accessList.Users]);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
        {
            LogEmbeddedBrokerFailed(options.EmbeddedBindAddress, options.EmbeddedPort, $"its credentials file {_stage.BrokerCredentialsFile}: {exception.Message}");
            return null;
        }

        if (credentials.Rotated)
        {
            LogCredentialsRotated(credentials.Path);
        }

        // The unit is one of the broker's users like any other: its user name is its device id, as on the fleet broker.
        var unit = credentials.For(_stage.DeviceId);
        options.Username = unit.User;
        options.Password = unit.Password;
        var broker = new EmbeddedBroker(options, credentials, accessList, _loggers.CreateLogger<EmbeddedBroker>());
        try
        {
            await broker.StartAsync();
            LogEmbeddedBroker(options.EmbeddedBindAddress, broker.Port, credentials.Path, accessList.Path);
            return broker;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await broker.DisposeAsync();
            LogEmbeddedBrokerFailed(options.EmbeddedBindAddress, options.EmbeddedPort, exception.Message);
            return null;
        }
    }

    private void OnSupervisorEvent(SupervisorEvent supervisorEvent)
    {
        var severity = supervisorEvent.To == SupervisorState.SafeStop ? EventSeverities.Critical
            : supervisorEvent.Reason is SupervisorReason.ArmRefused or SupervisorReason.RequestRefused ? EventSeverities.Warning
            : EventSeverities.Info;
        Uplink.PublishEvent(EventKinds.Supervisor, severity, $"{supervisorEvent.From} -> {supervisorEvent.To} {supervisorEvent.Reason}: {supervisorEvent.Message}",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["from"] = supervisorEvent.From.ToString(),
                ["to"] = supervisorEvent.To.ToString(),
                ["reason"] = supervisorEvent.Reason.ToString(),
                ["supervisorTimeMs"] = supervisorEvent.Time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
            });
    }

    private void OnPipelineFault(string message) => Uplink.PublishEvent(EventKinds.Fault, EventSeverities.Critical, message);

    private void OnFaultInjected(FaultInjection injection) =>
        Uplink.PublishEvent(EventKinds.Fault, EventSeverities.Warning, $"emulator fault injected: {injection.Fault} ({injection.Origin})",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["fault"] = injection.Fault, ["origin"] = injection.Origin });

    private void OnModelChanged(ModelChange change)
    {
        if (change.ModelId is not null)
        {
            Uplink.SetModel(change.ModelId, change.ModelVersion);
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal) { ["change"] = change.Kind };
        if (change.ModelId is not null)
        {
            data["modelId"] = change.ModelId;
            data["modelVersion"] = change.ModelVersion ?? string.Empty;
        }

        Uplink.PublishEvent(EventKinds.Model, change.Kind == "refused" ? EventSeverities.Warning : EventSeverities.Info, change.Message, data);
    }

    private void OnRecording(RecordingChange change) =>
        Uplink.PublishEvent(EventKinds.Recording, change.Unplanned ? EventSeverities.Warning : EventSeverities.Info, change.Message,
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["change"] = change.Kind,
                ["path"] = change.Path,
                ["seconds"] = change.Seconds.ToString("0.###", CultureInfo.InvariantCulture),
                ["gapSamples"] = change.GapSamples.ToString(CultureInfo.InvariantCulture),
            });

    private void OnSelfTest(SelfTestResult result)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var check in result.Checks)
        {
            data[check.Name] = $"{check.Verdict}: {check.Detail}";
        }

        Uplink.PublishEvent(EventKinds.SelfTest, result.Passed ? EventSeverities.Info : EventSeverities.Warning, result.Summary, data);
    }

    private static double? Finite(double? value) => value is { } number && double.IsFinite(number) ? number : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "mqtt: off (Mqtt:Enabled = false); nothing is published and no command is taken")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "mqtt: embedded broker listening on {Address}:{Port} (users and passwords in {Credentials}; ACL {Acl})")]
    private partial void LogEmbeddedBroker(string address, int port, string credentials, string acl);

    [LoggerMessage(Level = LogLevel.Error, Message = "mqtt: the embedded broker cannot listen on {Address}:{Port}: {Reason}; the unit runs on, publishing to whatever broker answers there, and keeps its events on disk until one does")]
    private partial void LogEmbeddedBrokerFailed(string address, int port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mqtt: the broker credentials file {Path} was readable by other users: every password in it was replaced and the file is 0600 again; dashboards need the new ones")]
    private partial void LogCredentialsRotated(string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "mqtt: the uplink cannot start: {Reason}; this unit publishes nothing and takes no remote command until restarted (safety is unaffected: the supervisor does not depend on MQTT)")]
    private partial void LogUplinkFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "mqtt: unit {DeviceId} publishes to {Broker} under {Topics}; undelivered events wait in {Journal}; telemetry every {Interval} ms")]
    private partial void LogUplink(string deviceId, string broker, string topics, string journal, int interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "mqtt: stopped; {Delivered} events delivered, {Queued} still queued on disk, {Dropped} dropped; {Sent} telemetry messages sent, {TelemetryDropped} dropped")]
    private partial void LogStopped(long delivered, long queued, long dropped, long sent, long telemetryDropped);
}
