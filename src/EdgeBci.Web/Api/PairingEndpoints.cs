using System.Globalization;
using EdgeBci.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeBci.Web.Api;

/// <summary>POST /api/pair (public: a one-time code for a session cookie) and POST /api/unpair (revokes this session).</summary>
internal sealed class PairingEndpoints(ISessionValidator sessions)
{
    private const int MaximumCodeLength = 32;

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/pair", new RequestDelegate(Pair));
        routes.MapPost("/api/unpair", new RequestDelegate(Unpair));
    }

    private async Task Pair(HttpContext context)
    {
        var request = await ApiResponses.ReadBody(context, WebJsonContext.Default.PairRequest);
        if (request is null)
        {
            return;
        }

        var code = request.Code?.Trim();
        if (string.IsNullOrEmpty(code) || code.Length > MaximumCodeLength)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, "code: send the pairing code 'edgebci pair' printed on the unit, e.g. {\"code\":\"123-456\"}");
            return;
        }

        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var answer = sessions.Redeem(code, remote);
        switch (answer.Outcome)
        {
            case PairingOutcome.Paired when answer.Token is { } token && answer.Expires is { } expires:
                SessionCookie.Set(context, token, expires);
                await ApiResponses.Json(context, StatusCodes.Status200OK, new PairedAnswer(expires), WebJsonContext.Default.PairedAnswer);
                break;
            case PairingOutcome.RateLimited:
                var seconds = (int)Math.Ceiling((answer.RetryAfter ?? TimeSpan.FromMinutes(1)).TotalSeconds);
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiResponses.Json(
                    context,
                    StatusCodes.Status429TooManyRequests,
                    new RateLimitedAnswer($"too many wrong codes: try again in {seconds} s", seconds),
                    WebJsonContext.Default.RateLimitedAnswer);
                break;
            default:
                await ApiResponses.Error(context, StatusCodes.Status401Unauthorized, "code: wrong or expired pairing code; run 'edgebci pair' on the unit for a new one");
                break;
        }
    }

    private Task Unpair(HttpContext context)
    {
        if (SessionCookie.Read(context) is { } token)
        {
            sessions.Revoke(token);
        }

        SessionCookie.Clear(context);
        return ApiResponses.NoContent(context);
    }
}
