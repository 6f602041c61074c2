using System.Buffers;
using System.Text.Json;
using EdgeBci.Web.Api;
using EdgeBci.Web.Seams;
using Microsoft.Extensions.Logging;

namespace EdgeBci.Web.Streaming;

/// <summary>
/// The page's live stream, a tap like telemetry: trace batches, camp events and a status event each second are encoded
/// once and offered to every browser's bounded drop-oldest queue. Offering never waits, so a slow or stalled browser
/// cannot slow the firmware thread that raised the event. The tap listens to the traces only while a browser is
/// connected, so the unit reads and decimates nothing for the page when nobody looks.
/// </summary>
internal sealed class LiveTap : IDisposable
{
    private readonly IUnitView unit;
    private readonly ILiveTraceSource traces;
    private readonly ICampJobs camp;
    private readonly int queueLength;
    private readonly ILogger logger;
    private readonly TraceBatchSerializer traceSerializer = new();
    private readonly ArrayBufferWriter<byte> statusScratch = new(4096);
    private readonly Lock membership = new();
    private readonly ITimer statusTimer;
    private StreamClient[] clients = [];
    private bool closed;

    public LiveTap(IUnitView unit, ILiveTraceSource traces, ICampJobs camp, int queueLength, TimeSpan statusInterval, TimeProvider time, ILogger logger)
    {
        this.unit = unit;
        this.traces = traces;
        this.camp = camp;
        this.queueLength = queueLength;
        this.logger = logger;
        camp.Event += OnCampEvent;
        statusTimer = time.CreateTimer(_ => PublishStatus(), null, statusInterval, statusInterval);
    }

    /// <summary>The browsers connected now (a snapshot).</summary>
    public IReadOnlyList<StreamClient> Clients => Volatile.Read(ref clients);

    /// <summary>A new browser's queue, primed with the status so the page shows the unit at once; null once the tap is closed.</summary>
    public StreamClient? Connect()
    {
        var client = new StreamClient(queueLength);
        client.Offer(SseFrames.Retry);
        client.Offer(StatusFrame(unit.Status(), unit.Electrodes(), 0));
        lock (membership)
        {
            if (closed)
            {
                return null;
            }

            clients = [.. clients, client];
            if (clients.Length == 1)
            {
                traces.Batch += OnBatch;
            }
        }

        return client;
    }

    public void Disconnect(StreamClient client)
    {
        lock (membership)
        {
            var before = clients.Length;
            clients = Array.FindAll(clients, c => !ReferenceEquals(c, client));
            if (before > 0 && clients.Length == 0)
            {
                traces.Batch -= OnBatch;
            }
        }

        client.Close();
    }

    /// <summary>Ends every browser's stream (the server is stopping) and refuses new ones.</summary>
    public void Close()
    {
        StreamClient[] ending;
        lock (membership)
        {
            closed = true;
            ending = clients;
            if (clients.Length > 0)
            {
                traces.Batch -= OnBatch;
            }

            clients = [];
        }

        foreach (var client in ending)
        {
            client.Close();
        }
    }

    public void Dispose()
    {
        camp.Event -= OnCampEvent;
        statusTimer.Dispose();
        Close();
    }

    private void OnBatch(TraceBatch batch)
    {
        var now = Volatile.Read(ref clients);
        if (now.Length == 0)
        {
            return;
        }

        Offer(now, traceSerializer.Serialize(batch));
    }

    private void OnCampEvent(CampEvent campEvent)
    {
        var now = Volatile.Read(ref clients);
        if (now.Length == 0)
        {
            return;
        }

        byte[] frame;
        try
        {
            frame = SseFrames.Build("camp", JsonSerializer.SerializeToUtf8Bytes(campEvent, WebJsonContext.CampEventOptions));
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or JsonException)
        {
            // The event's data is the job's record: one that cannot be serialized is the job's bug, not the stream's end.
            logger.LogError(exception, "Camp event '{Type}' ({DataType}) cannot be sent to the page", campEvent.Type, campEvent.Data?.GetType().Name);
            return;
        }

        Offer(now, frame);
    }

    private void PublishStatus()
    {
        var now = Volatile.Read(ref clients);
        if (now.Length == 0)
        {
            return;
        }

        var status = unit.Status();
        var electrodes = unit.Electrodes();
        foreach (var client in now)
        {
            client.Offer(StatusFrame(status, electrodes, client.Dropped));
        }
    }

    private byte[] StatusFrame(UnitStatus status, ElectrodeSnapshot electrodes, long dropped)
    {
        lock (statusScratch)
        {
            return SseFrames.Build("status", new StatusEvent(status, electrodes, dropped), WebJsonContext.Default.StatusEvent, statusScratch);
        }
    }

    private static void Offer(StreamClient[] now, byte[] frame)
    {
        foreach (var client in now)
        {
            client.Offer(frame);
        }
    }
}
