using EdgeBci.Web.Seams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Api;

/// <summary>The camp's runs (calibration, neurofeedback, current, cancel) and their records (wearers, history, reports).</summary>
internal sealed class CampEndpoints(ICampJobs camp, ICampHistory history)
{
    private const int MaximumDisplayNameLength = 100;
    private const double MinimumBaselineSeconds = 5;
    private const double MaximumBaselineSeconds = 600;
    private const double MinimumSessionSeconds = 10;
    private const double MaximumSessionSeconds = 7200;

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/wearers", new RequestDelegate(ListWearers));
        routes.MapPost("/api/wearers", new RequestDelegate(CreateWearer));
        routes.MapPost("/api/calibration", new RequestDelegate(StartCalibration));
        routes.MapGet("/api/calibration/{id}/report", new RequestDelegate(Report));
        routes.MapPost("/api/neurofeedback", new RequestDelegate(StartNeurofeedback));
        routes.MapGet("/api/camp/current", new RequestDelegate(Current));
        routes.MapPost("/api/camp/cancel", new RequestDelegate(Cancel));
        routes.MapGet("/api/history", new RequestDelegate(History));
    }

    private Task ListWearers(HttpContext context) =>
        ApiResponses.Json(context, StatusCodes.Status200OK, history.Wearers(), WebJsonContext.Default.IReadOnlyListWearerRecord);

    private async Task CreateWearer(HttpContext context)
    {
        var request = await ApiResponses.ReadBody(context, WebJsonContext.Default.WearerCreateRequest);
        if (request is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(request.Id))
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, "id: missing; send {\"id\":\"ada\",\"displayName\":\"Ada\"}");
            return;
        }

        // The page offers one field, the id: a wearer without a display name is shown by the id.
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? request.Id : request.DisplayName.Trim();
        if (displayName.Length > MaximumDisplayNameLength || displayName.Any(char.IsControl))
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"displayName: use 1 to {MaximumDisplayNameLength} printable characters");
            return;
        }

        try
        {
            var wearer = history.EnsureWearer(request.Id, displayName);
            await ApiResponses.Json(context, StatusCodes.Status201Created, wearer, WebJsonContext.Default.WearerRecord);
        }
        catch (ArgumentException exception)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"id: {exception.Message}");
        }
    }

    private async Task StartCalibration(HttpContext context)
    {
        var request = await ApiResponses.ReadBody(context, WebJsonContext.Default.CalibrationStartRequest);
        if (request is null || await KnownWearer(context, request.WearerId) is not { } wearerId)
        {
            return;
        }

        await StartRun(context, () => camp.StartCalibration(wearerId));
    }

    private async Task StartNeurofeedback(HttpContext context)
    {
        var request = await ApiResponses.ReadBody(context, WebJsonContext.Default.NeurofeedbackStartRequest);
        if (request is null || await KnownWearer(context, request.WearerId) is not { } wearerId)
        {
            return;
        }

        var defaults = new NeurofeedbackRequest();
        var baseline = request.BaselineSeconds ?? defaults.BaselineSeconds;
        var session = request.SessionSeconds ?? defaults.SessionSeconds;
        if (!double.IsFinite(baseline) || baseline is < MinimumBaselineSeconds or > MaximumBaselineSeconds)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"baselineSeconds is {baseline}: use {MinimumBaselineSeconds} to {MaximumBaselineSeconds}");
            return;
        }

        if (!double.IsFinite(session) || session is < MinimumSessionSeconds or > MaximumSessionSeconds)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"sessionSeconds is {session}: use {MinimumSessionSeconds} to {MaximumSessionSeconds}");
            return;
        }

        var run = new NeurofeedbackRequest(baseline, session, request.Tone ?? defaults.Tone);
        await StartRun(context, () => camp.StartNeurofeedback(wearerId, run));
    }

    private static async Task StartRun(HttpContext context, Func<CampRun> start)
    {
        try
        {
            await ApiResponses.Json(context, StatusCodes.Status202Accepted, start(), WebJsonContext.Default.CampRun);
        }
        catch (CampBusyException exception)
        {
            await ApiResponses.Error(context, StatusCodes.Status409Conflict, exception.Message);
        }
        catch (ArgumentException exception)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, exception.Message);
        }
    }

    private Task Current(HttpContext context) =>
        camp.Current is { } run
            ? ApiResponses.Json(context, StatusCodes.Status200OK, run, WebJsonContext.Default.CampRun)
            : ApiResponses.NoContent(context);

    private Task Cancel(HttpContext context)
    {
        camp.CancelCurrent();
        return ApiResponses.NoContent(context);
    }

    private async Task History(HttpContext context)
    {
        if (await KnownWearer(context, context.Request.Query["wearer"].ToString(), "wearer (query)") is not { } wearerId)
        {
            return;
        }

        var wearer = history.Wearer(wearerId)!;
        var answer = new HistoryAnswer(wearer, history.Calibrations(wearerId), history.FocusSessions(wearerId));
        await ApiResponses.Json(context, StatusCodes.Status200OK, answer, WebJsonContext.Default.HistoryAnswer);
    }

    private async Task Report(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var path = history.ReportPath(id);
        if (path is null || !File.Exists(path))
        {
            await ApiResponses.Error(context, StatusCodes.Status404NotFound, $"calibration '{id}' has no report");
            return;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.SendFileAsync(path, context.RequestAborted);
    }

    /// <summary>The wearer id when a wearer has it, else null after answering 400 naming the field.</summary>
    private async Task<string?> KnownWearer(HttpContext context, string? wearerId, string field = "wearerId")
    {
        if (string.IsNullOrEmpty(wearerId))
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"{field}: missing; pick or create a wearer first");
            return null;
        }

        if (history.Wearer(wearerId) is null)
        {
            await ApiResponses.Error(context, StatusCodes.Status400BadRequest, $"{field}: no wearer '{wearerId}'; create it with POST /api/wearers");
            return null;
        }

        return wearerId;
    }
}
