using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// In process, with the firmware's own logging pieces: set-log-level accepts only categories the firmware logs under and
/// a bounded number of them, and neither it nor a settings file can silence the safety log.
/// </summary>
public class SafetyLogTests
{
    private static readonly string Supervisor = typeof(SupervisorService).FullName!;
    private static readonly string Decoding = typeof(DecodingService).FullName!;

    [Test]
    public void Default_None_silences_the_rest_but_every_safety_category_still_logs_at_information()
    {
        using var rig = new LoggingRig();
        rig.Overrides.SetLevel("Default", "None");

        foreach (var category in SafetyLog.Categories)
        {
            rig.Factory.CreateLogger(category).LogInformation("safety line of {Category}", category);
        }

        rig.Factory.CreateLogger(Decoding).LogCritical("decoder line");
        rig.Factory.CreateLogger(Supervisor).LogDebug("tick detail");

        Assert.That(rig.Lines, Is.EqualTo(SafetyLog.Categories.Select(category => $"Information {category}: safety line of {category}")));
    }

    [Test]
    public void A_settings_file_cannot_silence_the_safety_log_with_provider_rules_or_a_longer_pattern()
    {
        using var rig = new LoggingRig(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "None",
            [$"Logging:LogLevel:{Supervisor}"] = "None",
            ["Logging:Capture:LogLevel:Default"] = "None",
            [$"Logging:Capture:LogLevel:{Supervisor}"] = "Critical",
            [$"Logging:{typeof(CaptureProvider).FullName}:LogLevel:{Supervisor}"] = "None",
            [$"Logging:Capture:LogLevel:{Supervisor}*{Supervisor}"] = "None",
        });

        rig.Factory.CreateLogger(Supervisor).LogInformation("Disarmed -> SafeStop LocalStop");
        rig.Factory.CreateLogger(Decoding).LogCritical("decoder line");

        Assert.That(rig.Lines, Is.EqualTo(new[] { $"Information {Supervisor}: Disarmed -> SafeStop LocalStop" }));
    }

    [Test]
    public void A_more_detailed_level_asked_for_a_safety_category_is_kept()
    {
        using var rig = new LoggingRig(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        rig.Overrides.SetLevel("EdgeBci.Firmware", "Debug");
        rig.Factory.CreateLogger(Supervisor).LogDebug("tick detail");
        rig.Factory.CreateLogger(Decoding).LogDebug("decision detail");
        rig.Overrides.SetLevel("EdgeBci.Firmware", "None");
        rig.Factory.CreateLogger(Supervisor).LogDebug("tick detail, hidden again");
        rig.Factory.CreateLogger(Supervisor).LogInformation("stop");

        Assert.That(rig.Lines, Is.EqualTo(new[] { $"Debug {Supervisor}: tick detail", $"Debug {Decoding}: decision detail", $"Information {Supervisor}: stop" }));
    }

    [Test]
    public void A_safety_category_itself_cannot_be_set_above_information()
    {
        using var rig = new LoggingRig();
        Assert.That(() => rig.Overrides.SetLevel(Supervisor, "None"), Throws.ArgumentException.With.Message.StartsWith(
            $"category '{Supervisor}' is part of the safety log (STOPs, arming, disarming, faults), which always reaches the local log at Information: level None is refused; use Information or a more detailed level"));
        Assert.That(() => rig.Overrides.SetLevel(typeof(OperatorRequests).FullName!.ToUpperInvariant(), "Warning"), Throws.ArgumentException.With.Message.Contains("safety log"));
        Assert.That(() => rig.Overrides.SetLevel(Supervisor, "Debug"), Throws.Nothing);
    }

    [Test]
    public void Only_categories_the_firmware_logs_under_and_their_prefixes_are_accepted()
    {
        using var rig = new LoggingRig();
        Assert.Multiple(() =>
        {
            Assert.That(() => rig.Overrides.SetLevel("EdgeBci.Firmware.Attack1", "Debug"), Throws.ArgumentException.With.Message.StartsWith(
                $"category 'EdgeBci.Firmware.Attack1' is not one this firmware logs under: use Default, a category from its log (e.g. {Decoding}) or a dot-separated prefix of one (e.g. EdgeBci.Firmware)"));
            Assert.That(() => rig.Overrides.SetLevel("EdgeBci.Firm", "Debug"), Throws.ArgumentException, "a prefix ends at a dot");
            Assert.That(() => rig.Overrides.SetLevel("Default", "Warning"), Throws.Nothing);
            Assert.That(() => rig.Overrides.SetLevel(Decoding, "Debug"), Throws.Nothing);
            Assert.That(() => rig.Overrides.SetLevel("edgebci.firmware", "Debug"), Throws.Nothing, "categories are case-insensitive, as logging rules are");
            Assert.That(() => rig.Overrides.SetLevel("EdgeBci", "Debug"), Throws.Nothing);
        });
    }

    [Test]
    public void At_most_32_categories_may_be_set_and_setting_one_again_is_accepted()
    {
        using var rig = new LoggingRig();
        for (var i = 0; i < 40; i++)
        {
            rig.Factory.CreateLogger($"EdgeBci.Firmware.Stage{i}");
        }

        for (var i = 0; i < LogLevelOverrides.MaxOverrides; i++)
        {
            rig.Overrides.SetLevel($"EdgeBci.Firmware.Stage{i}", "Debug");
        }

        Assert.Multiple(() =>
        {
            Assert.That(() => rig.Overrides.SetLevel("EdgeBci.Firmware.Stage32", "Debug"), Throws.ArgumentException.With.Message.StartsWith(
                "category 'EdgeBci.Firmware.Stage32': at most 32 categories may have a level set while the unit runs and 32 have; set one of those again, or restart the firmware to return to the configured levels"));
            Assert.That(() => rig.Overrides.SetLevel("EdgeBci.Firmware.Stage0", "Warning"), Throws.Nothing);
            Assert.That(() => rig.Overrides.SetLevel("EDGEBCI.FIRMWARE.STAGE1", "Warning"), Throws.Nothing, "the same category, however it is spelt");
        });
    }

    [Test]
    public void The_category_registry_is_bounded()
    {
        var categories = new LoggerCategories();
        for (var i = 0; i < 6000; i++)
        {
            categories.Record($"Made.Up.Category{i}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(categories.IsKnown("Made.Up.Category0"), Is.True);
            Assert.That(categories.IsKnown("Made.Up"), Is.True);
            Assert.That(categories.IsKnown("Made.Up.Category5999"), Is.False, $"at most {LoggerCategories.MaxNames} names are kept");
            Assert.That(categories.IsKnown("Default"), Is.True);
        });
    }

    /// <summary>The firmware's configuration source and logging filter over a provider that captures what passes.</summary>
    private sealed class LoggingRig : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly CaptureProvider _capture = new();

        public LoggingRig(Dictionary<string, string?>? settings = null)
        {
            var configuration = new ConfigurationManager();
            configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
            var categories = new LoggerCategories();
            Overrides = new LogLevelOverrides(categories);
            ((IConfigurationBuilder)configuration).Add(Overrides);
            var services = new ServiceCollection();
            services.AddLogging(logging =>
            {
                logging.AddConfiguration(configuration.GetSection("Logging"));
                logging.AddProvider(_capture);
                logging.AddProvider(categories);
            });
            services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, SafetyLogFilter>();
            _services = services.BuildServiceProvider();
            Factory = _services.GetRequiredService<ILoggerFactory>();
            foreach (var category in SafetyLog.Categories.Append(Decoding))
            {
                Factory.CreateLogger(category);
            }
        }

        public LogLevelOverrides Overrides { get; }

        public ILoggerFactory Factory { get; }

        public IReadOnlyList<string> Lines => _capture.Lines;

        public void Dispose() => _services.Dispose();
    }

    [ProviderAlias("Capture")]
    private sealed class CaptureProvider : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (_lines) { return [.. _lines]; } }
        }

        public ILogger CreateLogger(string categoryName) => new CaptureLogger(categoryName, this);

        public void Dispose()
        {
        }

        private sealed class CaptureLogger(string category, CaptureProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider._lines)
                {
                    provider._lines.Add($"{logLevel} {category}: {formatter(state, exception)}");
                }
            }
        }
    }
}
