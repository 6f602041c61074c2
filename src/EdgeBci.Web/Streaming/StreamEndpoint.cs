using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace EdgeBci.Web.Streaming;

/// <summary>
/// GET /api/stream: one browser's server-sent events, written from its queue by this request alone. A browser that
/// stops reading blocks only this loop; its queue drops the oldest frames meanwhile.
/// </summary>
internal sealed class StreamEndpoint(LiveTap tap, TimeSpan keepAliveInterval)
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapGet("/api/stream", new RequestDelegate(Stream));

    private async Task Stream(HttpContext context)
    {
        var client = tap.Connect();
        if (client is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        try
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.StartAsync(context.RequestAborted);
            await WriteUntilClosed(context, client);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The browser went away: nothing more to write.
        }
        finally
        {
            tap.Disconnect(client);
        }
    }

    private async Task WriteUntilClosed(HttpContext context, StreamClient client)
    {
        var output = context.Response.BodyWriter;
        var aborted = context.RequestAborted;
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            idle.CancelAfter(keepAliveInterval);
            bool more;
            try
            {
                more = await client.Reader.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                await output.WriteAsync(SseFrames.KeepAlive, aborted);
                continue;
            }

            if (!more)
            {
                return;
            }

            while (client.Reader.TryRead(out var frame))
            {
                output.Write(frame);
            }

            await output.FlushAsync(aborted);
        }
    }
}
