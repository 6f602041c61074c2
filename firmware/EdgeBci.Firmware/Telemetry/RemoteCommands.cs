using System.Text.Json.Nodes;
using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;
using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Firmware;

/// <summary>
/// The handlers of the MQTT commands (<c>edgebci/v1/&lt;device&gt;/cmd/&lt;name&gt;</c>). The dispatcher has already
/// checked size, name, permission and JSON shape; each handler checks its own arguments (unknown ones refused). Stop
/// and disarm go to the supervisor as Remote requests and are answered with what it did; nothing here can arm or move:
/// the allow-list has no such command and the supervisor refuses a remote arm anyway.
/// </summary>
internal sealed class RemoteCommands
{
    private static readonly TimeSpan SupervisorAnswer = TimeSpan.FromSeconds(2);

    // What report-configuration shows: the unit's own sections; secrets are replaced, never sent.
    private static readonly string[] ReportedSections = ["Board", "Ads1299", "Emulator", "Signal", "Decoding", "Control", MqttOptions.SectionName, RecordingOptions.Section];
    private static readonly string[] SecretKeys = ["Password", "ClientKey"];

    private readonly SupervisorService _control;
    private readonly OperatorRequests _requests;
    private readonly RecordingService _recording;
    private readonly RuntimeSelfTest _selfTest;
    private readonly LogLevelOverrides _logLevels;
    private readonly IConfiguration _configuration;
    private readonly RecordingOptions _recordingOptions;

    public RemoteCommands(TelemetryStage stage, SupervisorService control, OperatorRequests requests, RecordingService recording, RuntimeSelfTest selfTest, LogLevelOverrides logLevels,
        IConfiguration configuration, TimeProvider time)
    {
        _control = control;
        _requests = requests;
        _recording = recording;
        _selfTest = selfTest;
        _logLevels = logLevels;
        _configuration = configuration;
        _recordingOptions = stage.Recording;
        Dispatcher = new CommandDispatcher(stage.Mqtt, time);
        Dispatcher.Register(CommandNames.Stop, request => Supervisor(RequestKind.Stop, request));
        Dispatcher.Register(CommandNames.Disarm, request => Supervisor(RequestKind.Disarm, request));
        Dispatcher.Register(CommandNames.StartRecording, StartRecording);
        Dispatcher.Register(CommandNames.StopRecording, StopRecording);
        Dispatcher.Register(CommandNames.SelfTest, SelfTest);
        Dispatcher.Register(CommandNames.SetLogLevel, SetLogLevel);
        Dispatcher.Register(CommandNames.ReportConfiguration, ReportConfiguration);
    }

    public CommandDispatcher Dispatcher { get; }

    /// <summary>Raised with each self-test's result, for the events topic.</summary>
    public event Action<SelfTestResult>? SelfTestRan;

    private CommandOutcome Supervisor(RequestKind kind, CommandRequest request)
    {
        request.Args.RejectUnknown();
        using var timeout = new CancellationTokenSource(SupervisorAnswer);
        LocalReply reply;
        try
        {
            reply = _requests.RemoteRequestAsync(kind, $"mqtt from {request.Sender ?? "an unnamed sender"}", timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return CommandOutcome.Fail(CommandErrorCodes.Failed, $"{kind} was requested but the supervisor did not answer within {SupervisorAnswer.TotalSeconds:0} s");
        }

        var state = _control.Last?.State.ToString() ?? "Boot";
        return reply.Kind == LocalReplyKind.Ok
            ? CommandOutcome.Ok(new JsonObject { ["state"] = state, ["message"] = reply.Text })
            : CommandOutcome.Fail(CommandErrorCodes.Failed, reply.Text);
    }

    private CommandOutcome StartRecording(CommandRequest request)
    {
        request.Args.RejectUnknown("seconds", "label");
        var seconds = request.Args.OptionalInteger("seconds", 1, _recordingOptions.MaxSeconds);
        var label = request.Args.OptionalString("label", maxLength: 40);
        try
        {
            var path = _recording.Start(seconds, label);
            return CommandOutcome.Ok(new JsonObject { ["path"] = path, ["seconds"] = seconds ?? _recordingOptions.MaxSeconds });
        }
        catch (InvalidOperationException exception)
        {
            return CommandOutcome.Fail(CommandErrorCodes.Failed, exception.Message);
        }
    }

    private CommandOutcome StopRecording(CommandRequest request)
    {
        request.Args.RejectUnknown();
        return _recording.Stop() is { } path
            ? CommandOutcome.Ok(new JsonObject { ["path"] = path })
            : CommandOutcome.Fail(CommandErrorCodes.Failed, "no recording in progress");
    }

    private CommandOutcome SelfTest(CommandRequest request)
    {
        request.Args.RejectUnknown();
        var result = _selfTest.Run(CancellationToken.None);
        SelfTestRan?.Invoke(result);
        var checks = new JsonArray();
        foreach (var check in result.Checks)
        {
            checks.Add(new JsonObject { ["name"] = check.Name, ["verdict"] = check.Verdict, ["detail"] = check.Detail });
        }

        var body = new JsonObject { ["passed"] = result.Passed, ["checks"] = checks };
        return CommandOutcome.Ok(body);
    }

    private CommandOutcome SetLogLevel(CommandRequest request)
    {
        request.Args.RejectUnknown("level", "category");
        var level = request.Args.RequireString("level", LogLevelOverrides.Levels);
        var category = request.Args.OptionalString("category", maxLength: 200) ?? "Default";
        if (LogLevelOverrides.CategoryProblem(category) is { } problem)
        {
            throw new CommandArgumentException("$.args.category: " + problem);
        }

        _logLevels.SetLevel(category, level);

        return CommandOutcome.Ok(new JsonObject { ["category"] = category, ["level"] = level });
    }

    private CommandOutcome ReportConfiguration(CommandRequest request)
    {
        request.Args.RejectUnknown();
        var body = new JsonObject();
        foreach (var section in ReportedSections)
        {
            foreach (var (key, value) in _configuration.GetSection(section).AsEnumerable(makePathsRelative: false))
            {
                if (value is null)
                {
                    continue;
                }

                var leaf = key[(key.LastIndexOf(':') + 1)..];
                body[key] = Array.Exists(SecretKeys, secret => string.Equals(secret, leaf, StringComparison.OrdinalIgnoreCase)) && value.Length > 0 ? "(set, not shown)" : value;
            }
        }

        return CommandOutcome.Ok(body);
    }
}
