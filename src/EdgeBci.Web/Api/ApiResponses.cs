using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace EdgeBci.Web.Api;

/// <summary>Writes the API's JSON answers and reads its JSON bodies, with errors that name what is wrong.</summary>
internal static class ApiResponses
{
    public static Task Json<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, type, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }

    public static Task Error(HttpContext context, int status, string error) =>
        Json(context, status, new ErrorAnswer(error), WebJsonContext.Default.ErrorAnswer);

    public static Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    /// <summary>The request's JSON body, or null after answering 400 (or 413) with what is wrong in it.</summary>
    public static async Task<T?> ReadBody<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        var where = $"{context.Request.Method} {context.Request.Path}";
        try
        {
            var body = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            if (body is null)
            {
                await Error(context, StatusCodes.Status400BadRequest, $"{where}: the body is null; send a JSON object");
            }

            return body;
        }
        catch (JsonException exception)
        {
            await Error(context, StatusCodes.Status400BadRequest, $"{where}: the body is not the expected JSON: {Describe(exception)}");
            return null;
        }
        catch (BadHttpRequestException exception)
        {
            await Error(context, exception.StatusCode, $"{where}: {exception.Message}");
            return null;
        }
    }

    /// <summary>The serializer's message names .NET types; say it with the JSON path and position instead.</summary>
    private static string Describe(JsonException exception)
    {
        var at = $"at {exception.Path ?? "$"} (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})";
        var message = exception.Message;
        const string unmapped = "The JSON property '";
        if (message.StartsWith(unmapped, StringComparison.Ordinal))
        {
            var end = message.IndexOf('\'', unmapped.Length);
            return $"unknown property '{message[unmapped.Length..end]}' {at}";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        return text.Contains("could not be converted", StringComparison.Ordinal) ? $"a value has the wrong type {at}" : $"{text} {at}";
    }
}
