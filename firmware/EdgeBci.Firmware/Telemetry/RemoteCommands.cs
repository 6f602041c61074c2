using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;
using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Firmware;

/// <summary>
/// The handlers of the MQTT commands (<c>edgebci/v1/&lt;device&gt;/cmd/&lt;name&gt;</c>). The dispatcher has already
/// checked size, name, permission and JSON shape; each command's argument check (unknown ones refused) runs before
/// it is queued or handed over. Stop and disarm go to the supervisor as Remote requests at once, on the receive thread,
/// and are answered asynchronously with what it did (a stop also with how long after the message reached the unit the
/// output was neutral); the rest run on the uplink's one queued worker. Nothing here can arm or move: the allow-list has
/// no such command and the supervisor refuses a remote arm anyway.
/// </summary>
internal sealed class RemoteCommands
{
    // What report-configuration shows: the unit's own sections, without anything that names or proves an identity.
    private static readonly string[] ReportedSections = ["Board", "Ads1299", "Emulator", "Signal", "Decoding", "Control", MqttOptions.SectionName, RecordingOptions.Section];
    private static readonly string[] LeftOutKeys = ["Password", "ClientKey", "Username", "AllowedSenders", "EmbeddedCredentialsFile"];
    private static readonly string[] LeftOutWords = ["password", "secret", "credential", "token", "privatekey"];

    private readonly SupervisorService _control;
    private readonly OperatorRequests _requests;
    private readonly RecordingService _recording;
    private readonly RuntimeSelfTest _selfTest;
    private readonly LogLevelOverrides _logLevels;
    private readonly IConfiguration _configuration;
    private readonly RecordingOptions _recordingOptions;
    private readonly TimeProvider _time;

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
        _time = time;
        Dispatcher = new CommandDispatcher(stage.Mqtt, time);
        Dispatcher.Register(CommandNames.Stop, NoArguments, request => SupervisorAsync(RequestKind.Stop, request));
        Dispatcher.Register(CommandNames.Disarm, NoArguments, request => SupervisorAsync(RequestKind.Disarm, request));
        Dispatcher.Register(CommandNames.StartRecording, CheckRecordingArguments, StartRecording);
        Dispatcher.Register(CommandNames.StopRecording, NoArguments, StopRecording);
        Dispatcher.Register(CommandNames.SelfTest, NoArguments, SelfTest);
        Dispatcher.Register(CommandNames.SetLogLevel, args => ReadLogLevelArguments(args), SetLogLevel);
        Dispatcher.Register(CommandNames.ReportConfiguration, NoArguments, ReportConfiguration);
    }

    public CommandDispatcher Dispatcher { get; }

    /// <summary>Raised with each self-test's result, for the events topic.</summary>
    public event Action<SelfTestResult>? SelfTestRan;

    private static void NoArguments(JsonElement args) => args.RejectUnknown();

    private void CheckRecordingArguments(JsonElement args)
    {
        args.RejectUnknown("seconds", "label");
        args.OptionalInteger("seconds", 1, _recordingOptions.MaxSeconds);
        args.OptionalString("label", maxLength: 40);
    }

    private static (string Level, string Category) ReadLogLevelArguments(JsonElement args)
    {
        args.RejectUnknown("level", "category");
        var level = args.RequireString("level", LogLevelOverrides.Levels);
        var category = args.OptionalString("category", maxLength: 200) ?? "Default";
        if (LogLevelOverrides.CategoryProblem(category) is { } problem)
        {
            throw new CommandArgumentException("$.args.category: " + problem);
        }

        return (level, category);
    }

    /// <summary>
    /// Hands the request to the supervisor now (its next tick takes it) and answers when the ticks that consumed it
    /// are done; a stop's answer says how long after its message reached the unit the output was neutral.
    /// </summary>
    private async Task<CommandOutcome> SupervisorAsync(RequestKind kind, CommandRequest request)
    {
        var answer = await _requests.RemoteRequestAsync(kind, $"mqtt from {request.Sender ?? "an unnamed sender"}").ConfigureAwait(false);
        if (answer.Reply.Kind != LocalReplyKind.Ok)
        {
            return CommandOutcome.Fail(CommandErrorCodes.Failed, answer.Reply.Text);
        }

        var result = new JsonObject { ["state"] = (answer.State ?? _control.Last?.State)?.ToString() ?? "Boot", ["message"] = answer.Reply.Text };
        if (answer.NeutralTimestamp is { } neutral && request.ReceivedTimestamp != 0)
        {
            // A stop that joined one already neutral was neutral when it arrived: 0, never a negative time.
            var elapsed = neutral > request.ReceivedTimestamp ? _time.GetElapsedTime(request.ReceivedTimestamp, neutral) : TimeSpan.Zero;
            result["receivedToNeutralMs"] = Math.Round(elapsed.TotalMilliseconds, 3);
            result["neutralAt"] = (_time.GetUtcNow() - _time.GetElapsedTime(neutral)).UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        return CommandOutcome.Ok(result);
    }

    private CommandOutcome StartRecording(CommandRequest request)
    {
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
        return _recording.Stop() is { } path
            ? CommandOutcome.Ok(new JsonObject { ["path"] = path })
            : CommandOutcome.Fail(CommandErrorCodes.Failed, "no recording in progress");
    }

    private CommandOutcome SelfTest(CommandRequest request)
    {
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
        var (level, category) = ReadLogLevelArguments(request.Args);
        try
        {
            _logLevels.SetLevel(category, level);
        }
        catch (ArgumentException exception)
        {
            // The overrides' own limits (unknown category, too many, a level that would silence the safety log).
            throw new CommandArgumentException(exception.Message, exception);
        }

        return CommandOutcome.Ok(new JsonObject { ["category"] = category, ["level"] = level });
    }

    /// <summary>Answered only to the requester (the intake refuses it without a usable response topic and keeps it out of events).</summary>
    private CommandOutcome ReportConfiguration(CommandRequest request)
    {
        var body = new JsonObject();
        foreach (var section in ReportedSections)
        {
            foreach (var (key, value) in _configuration.GetSection(section).AsEnumerable(makePathsRelative: false))
            {
                if (value is null)
                {
                    continue;
                }

                if (!IsLeftOut(key))
                {
                    body[key] = value;
                }
            }
        }

        return CommandOutcome.Ok(body);
    }

    /// <summary>
    /// True for a key that names or proves an identity anywhere in its path (Mqtt:Commands:stop:AllowedSenders:0 too):
    /// left out entirely, not masked, so the answer does not even say which are set.
    /// </summary>
    private static bool IsLeftOut(string key)
    {
        foreach (var part in key.Split(':'))
        {
            if (Array.Exists(LeftOutKeys, name => string.Equals(name, part, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            foreach (var word in LeftOutWords)
            {
                if (part.Contains(word, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
