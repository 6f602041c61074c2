using Microsoft.AspNetCore.Http;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// Headers on every answer: a Content-Security-Policy that runs only the unit's own files, no sniffing, no referrer, no
/// framing; no caching of the API (it carries the wearer's data); HSTS under HTTPS.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    public static readonly string PagePolicy = Policy("'self'", "'self'");

    public static string Policy(string scriptSources, string styleSources) =>
        $"default-src 'self'; script-src {scriptSources}; style-src {styleSources}; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = PagePolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }

        if (context.Request.Path.StartsWithSegments("/api"))
        {
            headers.CacheControl = "no-store";
        }

        return next(context);
    }
}
