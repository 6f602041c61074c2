using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Tests.Hosting;

namespace EdgeBci.Web.Tests.Streaming;

[TestFixture]
public sealed class LiveStreamTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Test]
    public async Task The_stream_sends_traces_status_and_camp_events()
    {
        await using var harness = await PageServerHarness.Start(statusSeconds: 0.2);
        var client = await harness.PairedClient();
        using var timeout = new CancellationTokenSource(Generous);
        using var answer = await client.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await answer.Content.ReadAsStreamAsync(timeout.Token));
        var first = await events.WaitFor("status", _ => true, timeout.Token);
        Assert.That(harness.Server.Tap!.Clients, Has.Count.EqualTo(1));

        harness.Traces.Push(new TraceBatch(42, 125, [[1.26f, 2f], [3f, -4.44f]]));
        var traces = await events.WaitFor("traces", _ => true, timeout.Token);
        harness.Camp.Raise(new CampEvent("cue", new CueData("cue", "left", "LEFT hand", 4, 3, 40, 1, 2)));
        var camp = await events.WaitFor("camp", _ => true, timeout.Token);
        var later = await events.WaitFor("status", _ => true, timeout.Token);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
            Assert.That(answer.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(first, Does.StartWith("{\"status\":{\"supervisor\":\"Disarmed\"").And.Contain("\"electrodes\":{\"channels\":[").And.EndWith("\"dropped\":0}"));
            Assert.That(traces, Is.EqualTo("{\"firstPoint\":42,\"displayRate\":125,\"values\":[[1.3,2],[3,-4.4]]}"));
            Assert.That(camp, Is.EqualTo("{\"type\":\"cue\",\"data\":{\"phase\":\"cue\",\"cls\":\"left\",\"label\":\"LEFT hand\",\"seconds\":4,\"trial\":3,\"trials\":40,\"block\":1,\"blocks\":2}}"));
            Assert.That(later, Does.Contain("\"dropped\":0"));
        });
    }

    [Test]
    public async Task The_traces_are_listened_to_only_while_a_browser_is_connected()
    {
        await using var harness = await PageServerHarness.Start(statusSeconds: 3600);
        var client = await harness.PairedClient();
        Assert.That(harness.Traces.HasListeners, Is.False, "nobody looks: the unit decimates nothing for the page");

        using var timeout = new CancellationTokenSource(Generous);
        var answer = await client.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var events = new SseReader(await answer.Content.ReadAsStreamAsync(timeout.Token));
        await events.WaitFor("status", _ => true, timeout.Token);
        Assert.That(harness.Traces.HasListeners, Is.True, "a browser is connected");

        events.Dispose();
        answer.Dispose();
        while (harness.Server.Tap!.Clients.Count > 0)
        {
            await Task.Delay(10, timeout.Token);
        }

        Assert.That(harness.Traces.HasListeners, Is.False, "the last browser left");
    }

    [Test]
    public async Task An_idle_stream_sends_keep_alive_comments()
    {
        await using var harness = await PageServerHarness.Start(statusSeconds: 3600, keepAliveSeconds: 0.2);
        var client = await harness.PairedClient();
        using var timeout = new CancellationTokenSource(Generous);
        using var answer = await client.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await answer.Content.ReadAsStreamAsync(timeout.Token));
        Assert.That(await events.WaitFor("comment", text => text == "keep-alive", timeout.Token), Is.EqualTo("keep-alive"));
    }

    /// <summary>
    /// A browser that connects and stops reading (a small receive buffer fills at once) while the firmware pushes
    /// thousands of batches: every push returns on the pusher's thread (one blocked by the browser would never return,
    /// since the browser never reads again), the browser's queue sits at its bound, and the drops are counted.
    /// </summary>
    [Test]
    public async Task A_stalled_browser_never_blocks_the_pusher_and_its_queue_drops_the_oldest()
    {
        await using var harness = await PageServerHarness.Start(statusSeconds: 3600);
        var healthy = await harness.PairedClient();
        using var timeout = new CancellationTokenSource(Generous);
        using var healthyAnswer = await healthy.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var healthyEvents = new SseReader(await healthyAnswer.Content.ReadAsStreamAsync(timeout.Token));
        await healthyEvents.WaitFor("status", _ => true, timeout.Token);

        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, harness.Address.Port, timeout.Token);
        var request = $"GET /api/stream HTTP/1.1\r\nHost: {harness.Address.Authority}\r\nCookie: {harness.SessionCookieOf(healthy)}\r\n\r\n";
        await stalled.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
        var head = new byte[64];
        var got = await stalled.ReceiveAsync(head, SocketFlags.None, timeout.Token);
        Assert.That(Encoding.ASCII.GetString(head, 0, got), Does.StartWith("HTTP/1.1 200"));
        var tap = harness.Server.Tap!;
        // Connected browsers are kept in order: the healthy one first, the stalled one second.
        while (tap.Clients.Count < 2)
        {
            await Task.Delay(10, timeout.Token);
        }

        // About 12 kB a batch. First fill what the buffers between Kestrel and the stalled reader hold (socket buffers,
        // the response pipe): batches paced by the healthy browser, so a stalled browser's writer that could still hand
        // data on would empty its queue between two; once its queue stays full, that writer is blocked for good.
        var values = Enumerable.Range(0, 8).Select(c => Enumerable.Range(0, 250).Select(i => (float)(((i * 7) + c) % 300) - 149.7f).ToArray()).ToArray();
        var stalledClient = tap.Clients[1];
        var filling = 0;
        while (stalledClient.Queued < stalledClient.Capacity)
        {
            Assert.That(filling, Is.LessThan(20_000), "the stalled browser's queue never filled: its writer still hands data on");
            var first = filling++ * 250L;
            harness.Traces.Push(new TraceBatch(first, 125, values));
            await healthyEvents.WaitFor("traces", data => data.StartsWith($"{{\"firstPoint\":{first},", StringComparison.Ordinal), timeout.Token);
        }

        // Then a burst far beyond the queue: every push returns on the pusher's thread and the stalled queue drops its oldest.
        const int pushes = 1500;
        var droppedBefore = stalledClient.Dropped;
        var pushed = 0;
        var watch = Stopwatch.StartNew();
        var pusher = new Thread(() =>
        {
            for (var i = 0; i < pushes; i++)
            {
                harness.Traces.Push(new TraceBatch((filling + i) * 250L, 125, values));
                pushed++;
            }
        });
        pusher.Start();
        var returned = pusher.Join(Generous);
        watch.Stop();
        TestContext.Out.WriteLine($"{filling} batches filled the stalled browser's buffers; {pushes} pushes of 8x250 points: {watch.ElapsedMilliseconds} ms; its queue {stalledClient.Queued}/{stalledClient.Capacity}, dropped {stalledClient.Dropped}");

        harness.Traces.Push(new TraceBatch(-1, 125, [[7f]]));
        var last = await healthyEvents.WaitFor("traces", data => data.StartsWith("{\"firstPoint\":-1,", StringComparison.Ordinal), timeout.Token);

        Assert.Multiple(() =>
        {
            Assert.That(returned, Is.True, $"the pusher blocked after {pushed} of {pushes} pushes");
            Assert.That(stalledClient.Queued, Is.EqualTo(stalledClient.Capacity));
            Assert.That(stalledClient.Dropped - droppedBefore, Is.GreaterThan(pushes / 2));
            Assert.That(last, Does.Contain("[[7]]"), "the healthy browser still gets the newest batch");
        });

        stalled.Close();
        while (tap.Clients.Count > 1)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed record CueData(string Phase, string? Cls, string Label, double Seconds, int Trial, int Trials, int Block, int Blocks);
}
