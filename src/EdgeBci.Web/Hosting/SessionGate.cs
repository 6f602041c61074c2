using EdgeBci.Web.Api;
using Microsoft.AspNetCore.Http;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// No page, API or stream without a paired session: everything answers 401 except the pairing page (with its script and
/// style sheet), its code exchange and the favicon. An unpaired browser opening the page gets the pairing page with its 401, so it can pair from there.
/// </summary>
internal sealed class SessionGate(RequestDelegate next, ISessionValidator sessions, PairPage pairPage)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        var isGet = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (isGet && path.Equals("/pair", StringComparison.Ordinal))
        {
            await WritePairPage(context, StatusCodes.Status200OK);
            return;
        }

        if ((isGet && IsPublicAsset(path))
            || (HttpMethods.IsPost(request.Method) && path.Equals("/api/pair", StringComparison.Ordinal)))
        {
            await next(context);
            return;
        }

        if (SessionCookie.Read(context) is { } token && sessions.Validate(token))
        {
            await next(context);
            return;
        }

        if (isGet && (path.Equals("/", StringComparison.Ordinal) || path.Equals("/index.html", StringComparison.Ordinal)))
        {
            await WritePairPage(context, StatusCodes.Status401Unauthorized);
            return;
        }

        await ApiResponses.Error(context, StatusCodes.Status401Unauthorized, "not paired: open /pair and enter the code 'edgebci pair' prints on the unit");
    }

    /// <summary>What the pairing page loads: it is shown before there is a session, so these are the only public files.</summary>
    private static bool IsPublicAsset(PathString path) =>
        path.Equals("/favicon.ico", StringComparison.Ordinal)
        || path.Equals("/pair.js", StringComparison.Ordinal)
        || path.Equals("/pair.css", StringComparison.Ordinal);

    private async Task WritePairPage(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.ContentSecurityPolicy = pairPage.ContentSecurityPolicy;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = pairPage.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(pairPage.Body, context.RequestAborted);
        }
    }
}
