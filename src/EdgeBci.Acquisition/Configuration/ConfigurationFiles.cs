using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Acquisition.Configuration;

/// <summary>
/// A configuration file that cannot be read: the message names the file and, for a JSON syntax error, the line and
/// byte in it. An <see cref="ArgumentException"/>, like every other configuration error, so the firmware and the CLI
/// report it in one line and exit 2.
/// </summary>
public sealed class ConfigurationFileException(string message, Exception inner) : ArgumentException(message, inner);

/// <summary>
/// The one place that turns a configuration file's load failure (the framework's InvalidDataException, wrapping a
/// FormatException, wrapping System.Text.Json's JsonException) into a <see cref="ConfigurationFileException"/>.
/// Used by the firmware's host builder and by the CLI's configuration builder.
/// </summary>
public static class ConfigurationFiles
{
    /// <summary>
    /// Makes every file source added to <paramref name="builder"/> after this call throw a
    /// <see cref="ConfigurationFileException"/> when it cannot be loaded. Call it before the first AddJsonFile.
    /// </summary>
    public static T ReportLoadErrors<T>(this T builder)
        where T : IConfigurationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.SetFileLoadExceptionHandler(context => throw Describe(context.Provider.Source, context.Exception));
        return builder;
    }

    internal static ConfigurationFileException Describe(FileConfigurationSource source, Exception exception)
    {
        var path = source.Path ?? "(unnamed configuration file)";
        if (source.FileProvider?.GetFileInfo(path).PhysicalPath is { Length: > 0 } physical)
        {
            path = physical;
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException { LineNumber: { } line, BytePositionInLine: { } position } json)
            {
                // JsonException counts from 0; editors count lines and columns from 1.
                return new ConfigurationFileException(
                    $"{path}: JSON syntax error at line {line + 1}, byte {position + 1}: {WithoutPosition(json.Message)}", exception);
            }
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return new ConfigurationFileException($"{path}: cannot be read as configuration: {innermost.Message}", exception);
    }

    /// <summary>System.Text.Json appends "LineNumber: n | BytePositionInLine: m." (0-based); the message says it 1-based.</summary>
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }
}
