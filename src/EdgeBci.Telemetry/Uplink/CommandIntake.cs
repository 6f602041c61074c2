using System.Globalization;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;
using MQTTnet;
using MQTTnet.Packets;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// What happens to a message on the command topics, on MQTTnet's receive thread, without ever waiting there: stamp
/// its arrival, refuse it if retained or not fresh (stop excepted), check it (<see cref="CommandDispatcher.Admit(string, System.Buffers.ReadOnlySequence{byte}, string?, long)"/>),
/// then hand stop and disarm over at once (their answer, what the supervisor did, is published when it comes) and
/// queue everything else for the one worker (<see cref="QueuedCommandWorker"/>), or answer <c>busy</c>. Every answer
/// goes to the request's response topic if that passes <see cref="ResponseTopicCheck"/>, and into a command event.
/// </summary>
internal sealed class CommandIntake : IAsyncDisposable
{
    private readonly CommandDispatcher _dispatcher;
    private readonly QueuedCommandWorker _worker;
    private readonly ResponseQueue _responses;
    private readonly CommandEventLog _events;
    private readonly Action _wake;
    private readonly TimeProvider _time;
    private readonly int _maxExpirySeconds;
    private readonly int _maxImmediateInFlight;
    private long _received;
    private long _rejected;
    private long _immediateInFlight;
    private long _immediateNotAwaited;

    public CommandIntake(MqttOptions options, CommandDispatcher dispatcher, ResponseQueue responses, CommandEventLog events, Action wake)
    {
        _dispatcher = dispatcher;
        _responses = responses;
        _events = events;
        _wake = wake;
        _time = dispatcher.Time;
        _maxExpirySeconds = options.CommandMaxExpirySeconds;
        _maxImmediateInFlight = options.MaxPendingResponses;
        _worker = new QueuedCommandWorker(dispatcher, options.QueuedCommandCapacity, options.QueuedCommandsPerSecond);
    }

    public long Received => Interlocked.Read(ref _received);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Slow commands answered <c>busy</c>.</summary>
    public long Busy => _worker.Refused;

    /// <summary>Stop/disarm answers published without waiting for the supervisor because too many were in flight.</summary>
    public long ImmediateNotAwaited => Interlocked.Read(ref _immediateNotAwaited);

    public void Start() => _worker.Start();

    public ValueTask DisposeAsync() => _worker.DisposeAsync();

    /// <summary>Takes one message from the command subscription; returns at once.</summary>
    public void Receive(MqttApplicationMessage message)
    {
        var arrived = _time.GetTimestamp();
        Interlocked.Increment(ref _received);
        var reply = new Reply(this, message.ResponseTopic, message.CorrelationData?.ToArray(), SenderOf(message));
        var name = CommandDispatcher.NameOf(message.Topic);
        if (CommandFreshness.Check(name, message.Retain, message.MessageExpiryInterval, _maxExpirySeconds) is { } stale)
        {
            reply.Send(_dispatcher.Refusal(name, stale.Code, stale.Message));
            return;
        }

        if (CommandNames.AnswersOnlyTheRequester(name) && reply.TopicProblem is { } noTopic)
        {
            reply.Send(_dispatcher.Refusal(name, CommandErrorCodes.NoResponseTopic, $"'{name}' answers only its requester and was not run: {noTopic}"));
            return;
        }

        var admission = _dispatcher.Admit(message.Topic, message.Payload, reply.Sender, arrived);
        if (admission.Command is not { } command)
        {
            reply.Send(admission.Refusal!);
            return;
        }

        if (command.Lane == CommandLane.Immediate)
        {
            HandOver(command, reply);
            return;
        }

        var deadline = message.MessageExpiryInterval == 0
            ? long.MaxValue
            : arrived + (long)message.MessageExpiryInterval * _time.TimestampFrequency;
        if (!_worker.TryEnqueue(command, deadline, reply.Send, out var busy))
        {
            reply.Send(busy!);
        }
    }

    /// <summary>Stop and disarm: the handler hands the request to the supervisor now; its answer is awaited elsewhere.</summary>
    private void HandOver(AdmittedCommand command, Reply reply)
    {
        var answer = _dispatcher.RunAsync(command);
        if (answer.IsCompleted)
        {
            reply.Send(answer.GetAwaiter().GetResult());
            return;
        }

        // The request is with the supervisor either way; only how many answers wait for it is bounded.
        if (Interlocked.Increment(ref _immediateInFlight) > _maxImmediateInFlight)
        {
            Interlocked.Decrement(ref _immediateInFlight);
            Interlocked.Increment(ref _immediateNotAwaited);
            reply.Send(new CommandResult
            {
                Command = command.Name,
                Ok = true,
                Result = new JsonObject
                {
                    ["message"] = $"{command.Name} handed to the supervisor; more than {_maxImmediateInFlight.ToString(CultureInfo.InvariantCulture)} answers are awaited already, so this one does not wait for its tick",
                },
                Error = null,
                Time = _time.GetUtcNow(),
            });
            return;
        }

        _ = answer.ContinueWith(
            static (done, state) =>
            {
                var (intake, reply) = ((CommandIntake, Reply))state!;
                Interlocked.Decrement(ref intake._immediateInFlight);
                reply.Send(done.Result);
            },
            (this, reply),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static string? SenderOf(MqttApplicationMessage message)
    {
        string? sender = null;
        if (message.UserProperties is { } properties)
        {
            foreach (var property in properties)
            {
                if (string.Equals(property.Name, "sender", StringComparison.Ordinal))
                {
                    sender = property.ReadValueAsString();
                }
            }
        }

        return sender;
    }

    /// <summary>Where and how one request is answered.</summary>
    private sealed class Reply
    {
        private readonly CommandIntake _intake;
        private readonly string? _topic;
        private readonly byte[]? _correlation;

        public Reply(CommandIntake intake, string? topic, byte[]? correlation, string? sender)
        {
            _intake = intake;
            _topic = string.IsNullOrEmpty(topic) ? null : topic;
            _correlation = correlation;
            Sender = sender;
            TopicProblem = _topic is null ? "the request has no response topic" : ResponseTopicCheck.Problem(_topic);
        }

        public string? Sender { get; }

        /// <summary>Why no answer can be published (no topic, or a refused one); null when it can.</summary>
        public string? TopicProblem { get; }

        public void Send(CommandResult result)
        {
            if (!result.Ok)
            {
                Interlocked.Increment(ref _intake._rejected);
            }

            if (TopicProblem is null)
            {
                var urgent = CommandDispatcher.LaneOf(result.Command) == CommandLane.Immediate;
                _intake._responses.Enqueue(new PendingResponse(_topic!, TelemetryJson.SerializeCommandResult(result), _correlation), urgent);
                _intake._wake();
            }

            // "No response topic" is the documented way to ask for the events topic only; a refused one is reported.
            _intake._events.Log(result, Sender, _topic is null ? null : TopicProblem);
        }
    }
}
