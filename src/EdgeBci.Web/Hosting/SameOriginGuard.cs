using EdgeBci.Web.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// Against cross-site requests: anything but GET/HEAD must carry JSON (a form on another site cannot send it without the
/// browser asking first) and, when the browser says where it comes from (Origin, Sec-Fetch-Site), come from this page.
/// </summary>
internal sealed class SameOriginGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return next(context);
        }

        if (!IsJson(request.ContentType))
        {
            return ApiResponses.Error(
                context,
                StatusCodes.Status415UnsupportedMediaType,
                $"{request.Method} {request.Path}: Content-Type is '{request.ContentType}'; send application/json");
        }

        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && !string.Equals(fetchSite, "same-origin", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResponses.Error(context, StatusCodes.Status403Forbidden, $"{request.Method} {request.Path}: Sec-Fetch-Site is '{fetchSite}'; only this page may send it");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResponses.Error(context, StatusCodes.Status403Forbidden, $"{request.Method} {request.Path}: Origin '{origin}' is not this page's ({request.Scheme}://{request.Host})");
        }

        return next(context);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
