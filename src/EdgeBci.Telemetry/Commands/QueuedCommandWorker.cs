using System.Threading.Channels;
using System.Threading.RateLimiting;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Commands;

/// <summary>
/// The slow commands' lane: one bounded queue drained by one worker task, one command at a time, so no handler ever
/// runs on the thread that receives messages and no number of requests can pile up work. Admission takes a token from
/// a bucket (<see cref="MqttOptions.QueuedCommandsPerSecond"/>, holding <see cref="MqttOptions.QueuedCommandCapacity"/>)
/// and a place in the queue; without either the command is answered <c>busy</c> at once. A queued command whose
/// deadline (its message expiry) passes before the worker takes it is answered <c>stale</c> and not run.
/// </summary>
public sealed class QueuedCommandWorker : IAsyncDisposable
{
    private readonly CommandDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly int _perSecond;
    private readonly Channel<QueuedCommand> _queue;
    private readonly TokenBucketRateLimiter _rate;
    private readonly CancellationTokenSource _stop = new();
    private Task _worker = Task.CompletedTask;
    private int _started;
    private int _waiting;
    private long _refused;

    public QueuedCommandWorker(CommandDispatcher dispatcher, int capacity, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _dispatcher = dispatcher;
        _time = dispatcher.Time;
        _capacity = capacity;
        _perSecond = perSecond;
        _queue = Channel.CreateBounded<QueuedCommand>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = capacity,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>Commands waiting for the worker (not counting the one running).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Commands answered <c>busy</c> so far.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the queued-command worker is started already");
        }

        _worker = Task.Run(DrainAsync, CancellationToken.None);
    }

    /// <summary>
    /// Queues <paramref name="command"/>; <paramref name="answer"/> is called once with its result, on the worker.
    /// False with the <c>busy</c> refusal in <paramref name="busy"/> when there is no token or no place.
    /// </summary>
    public bool TryEnqueue(AdmittedCommand command, long deadlineTimestamp, Action<CommandResult> answer, out CommandResult? busy)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(answer);
        using (var lease = _rate.AttemptAcquire(1))
        {
            if (lease.IsAcquired && _queue.Writer.TryWrite(new QueuedCommand(command, deadlineTimestamp, answer)))
            {
                Interlocked.Increment(ref _waiting);
                busy = null;
                return true;
            }
        }

        Interlocked.Increment(ref _refused);
        busy = _dispatcher.Refusal(command.Name, CommandErrorCodes.Busy,
            $"slow commands run one at a time, at most {_perSecond} per second and {_capacity} waiting; {Waiting} wait now; try again later (stop and disarm are never queued)");
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while a command waited.
        }

        _rate.Dispose();
        _stop.Dispose();
    }

    private async Task DrainAsync()
    {
        var token = _stop.Token;
        while (await _queue.Reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var queued))
            {
                Interlocked.Decrement(ref _waiting);
                token.ThrowIfCancellationRequested();
                var result = _time.GetTimestamp() > queued.DeadlineTimestamp
                    ? _dispatcher.Refusal(queued.Command.Name, CommandErrorCodes.Stale,
                        "the request's MQTT message expiry passed while it waited in the queue; it was not run")
                    : await _dispatcher.RunAsync(queued.Command).ConfigureAwait(false);
                queued.Answer(result);
            }
        }
    }

    private sealed record QueuedCommand(AdmittedCommand Command, long DeadlineTimestamp, Action<CommandResult> Answer);
}
