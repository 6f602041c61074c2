using Microsoft.Extensions.Configuration;

namespace EdgeBci.Acquisition.Configuration;

/// <summary>
/// The acquisition part of the unit's configuration, bound strictly: an unknown key in a section, or a value that
/// does not convert, is an error naming the key, never a silent default. The firmware and the CLI both bind here.
/// </summary>
public sealed record AcquisitionSettings(string Board, Ads1299Options Ads1299, EmulatorOptions Emulator)
{
    public const string BoardKey = "Board";

    public static AcquisitionSettings Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var board = configuration[BoardKey] ?? Boards.BoardProfile.EmulatorName;
        var ads1299 = BindSection<Ads1299Options>(configuration, Ads1299Options.Section);
        if (ads1299.Channels.Length == 0 && !configuration.GetSection(Ads1299Options.Section).GetSection(nameof(Ads1299Options.Channels)).Exists())
        {
            ads1299.Channels = [.. Ads1299Options.DefaultMontage];
        }

        return new AcquisitionSettings(board, ads1299, BindSection<EmulatorOptions>(configuration, EmulatorOptions.Section));
    }

    public static T BindSection<T>(IConfiguration configuration, string section)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException exception)
        {
            throw new ArgumentException($"Configuration section '{section}': {Describe(exception, section)}", exception);
        }

        return options;
    }

    /// <summary>The binder's messages name the property but not always the section: rephrase them around the key.</summary>
    private static string Describe(InvalidOperationException exception, string section)
    {
        var message = exception.Message;
        const string unknownMarker = "the following properties were not found on the instance of";
        var marker = message.IndexOf(unknownMarker, StringComparison.Ordinal);
        if (marker >= 0)
        {
            var colon = message.IndexOf(':', marker);
            var keys = colon >= 0 ? message[(colon + 1)..].Trim() : message;
            return $"unknown key(s) {keys} under '{section}' (check the spelling; allowed keys are the documented ones).";
        }

        return exception.InnerException is { } inner ? $"{message} {inner.Message}" : message;
    }
}
