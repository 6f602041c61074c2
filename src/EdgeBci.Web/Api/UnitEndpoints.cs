using EdgeBci.Web.Seams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeBci.Web.Api;

/// <summary>What the unit is (GET /api/unit, /api/electrodes) and the page's only control over the chair: POST /api/stop.</summary>
internal sealed class UnitEndpoints(IUnitView unit, IStopRequester stop, int displayRate)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/unit", new RequestDelegate(Unit));
        routes.MapGet("/api/electrodes", new RequestDelegate(Electrodes));
        routes.MapPost("/api/stop", new RequestDelegate(Stop));
    }

    private Task Unit(HttpContext context) =>
        ApiResponses.Json(
            context,
            StatusCodes.Status200OK,
            new UnitAnswer(unit.DeviceId, unit.ChannelNames, unit.SampleRate, displayRate, unit.Status()),
            WebJsonContext.Default.UnitAnswer);

    private Task Electrodes(HttpContext context) =>
        ApiResponses.Json(context, StatusCodes.Status200OK, unit.Electrodes(), WebJsonContext.Default.ElectrodeSnapshot);

    private async Task Stop(HttpContext context)
    {
        var caller = $"web page ({context.Connection.RemoteIpAddress})";
        var answer = await stop.RequestStopAsync(caller, context.RequestAborted);
        await ApiResponses.Json(context, StatusCodes.Status200OK, answer, WebJsonContext.Default.StopAnswer);
    }
}
