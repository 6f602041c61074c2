using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Control.Supervision;
using EdgeBci.Firmware;
using EdgeBci.Signing;
using EdgeBci.Web.Hosting;
using Microsoft.Extensions.Options;

// The simulated actuator board's watchdog runs as a separate process of this same executable (see BoardWatchdogLink).
if (BoardWatchdogProcess.IsInvocation(args))
{
    return BoardWatchdogProcess.Run(args);
}

// The unit's firmware: a Generic Host running the acquisition, signal, decoding and control stages. The configuration is
// bound and the front-end and actuator brought up before the host starts, so a bad key or a device that does not
// answer ends the process with one line naming the cause and a non-zero exit code, never a stack trace.
HostApplicationBuilder builder;
try
{
    // A hand-edited appsettings*.json with a typo is a configuration error naming file, line and byte, not a crash.
    // The settings are read once, at start: the stages bind them before the host runs, and a file saved while the
    // unit runs (half-written, or with a typo) must neither crash it nor empty the values the host still reads.
    var configuration = new ConfigurationManager();
    configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
    builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
    {
        Args = args,
        ContentRootPath = AppContext.BaseDirectory,
        Configuration = configuration.ReportLoadErrors(),
    });
}
catch (ConfigurationFileException exception)
{
    return StartupFailure.Report("configuration", exception.Message, ExitCodes.Configuration);
}

builder.Configuration.AddEnvironmentVariables(prefix: "EDGEBCI_");

// Last, so a level set while running (the set-log-level command) wins over every file, variable and argument; it
// accepts the categories the firmware has created loggers for, and the safety log stays on whatever is set.
var loggerCategories = new LoggerCategories();
var logLevels = new LogLevelOverrides(loggerCategories);
((IConfigurationBuilder)builder.Configuration).Add(logLevels);
builder.Logging.AddProvider(loggerCategories);
builder.Services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, SafetyLogFilter>();

AcquisitionSettings settings;
FrontEnd? frontEnd = null;
SignalStage signal;
DecodingStage decoding;
ControlStage? control = null;
TelemetryStage telemetry;
WebOptions web;
CampOptions camp;
FirmwareRelease release;
InstalledReleaseVerdict releaseCheck;
var impedance = new StartupImpedance(TimeProvider.System);
try
{
    settings = AcquisitionSettings.Bind(builder.Configuration);

    // Control is checked before any hardware is touched: a key that is refused on this board is a configuration error.
    control = ControlStage.Create(builder.Configuration, settings, builder.Environment.ContentRootPath);
    telemetry = TelemetryStage.Create(builder.Configuration);
    web = WebOptions.Bind(builder.Configuration);
    camp = CampOptions.Bind(builder.Configuration, settings.Board, builder.Environment.ContentRootPath);
    release = FirmwareRelease.Create(builder.Configuration);

    // An installed release proves itself (trusted signature, every file, the version the installer recorded) before any
    // hardware is touched; a refusal exits 6, which systemd does not restart and the slot guard rolls back.
    releaseCheck = InstalledReleaseCheck.Run(AppContext.BaseDirectory,
        builder.Configuration[TrustStore.ConfigurationKey] is { Length: > 0 } trustFolder ? trustFolder : TrustStore.DefaultFolder,
        release.Options.StateFolder);
    if (releaseCheck.Refusal is { } refusal)
    {
        return StartupFailure.Report("release", refusal, ExitCodes.UntrustedRelease);
    }

    frontEnd = FrontEnd.Open(settings.Board, settings.Ads1299, settings.Emulator, builder.Environment.ContentRootPath);
    EmulatorFaultService.ApplyAtStart(frontEnd, settings.Emulator);
    signal = SignalStage.Create(builder.Configuration, frontEnd);
    decoding = DecodingStage.Create(builder.Configuration, frontEnd, signal, builder.Environment.ContentRootPath);
    web.ValidateAgainstSampleRate(signal.Chain.OutputRate);
    frontEnd.Initialize();

    // The page shows each electrode's impedance beside its live quality: measured once, before the acquisition takes
    // the chip. The measurement reconfigures the chip; if it failed half-way, the chip is configured again from scratch.
    if (web.IsEnabledOn(settings.Board) && !impedance.Measure(frontEnd))
    {
        frontEnd.Initialize();
    }

    control.OpenDevices(frontEnd, TimeProvider.System);
}
catch (Exception exception) when (StartupFailure.Classify(exception) is { } failure)
{
    control?.Dispose();
    frontEnd?.Dispose();
    return StartupFailure.Report(failure.What, exception.Message, failure.ExitCode);
}

using (frontEnd)
using (control)
{
    builder.Services.AddSystemdService(Environment.GetEnvironmentVariable, Environment.ProcessId);
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton(settings);
    builder.Services.AddSingleton(frontEnd);
    builder.Services.AddSingleton(signal);
    builder.Services.AddSingleton<AcquisitionService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<AcquisitionService>());
    builder.Services.AddSingleton<SignalService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<SignalService>());
    builder.Services.AddSingleton(decoding);
    builder.Services.AddSingleton<DecodingService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<DecodingService>());
    builder.Services.AddSingleton<EmulatorFaultService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<EmulatorFaultService>());

    builder.Services.AddSingleton(telemetry);
    builder.Services.AddSingleton(telemetry.Recording);
    builder.Services.AddSingleton<RecordingService>();
    builder.Services.AddSingleton<RuntimeSelfTest>();
    builder.Services.AddSingleton(logLevels);
    builder.Services.AddSingleton<RemoteCommands>();

    // Before control: the uplink is up before the supervisor's first event and still up for switch-off's last ones.
    builder.Services.AddSingleton<TelemetryService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<TelemetryService>());

    // Registered last: started after every stage it watches, stopped first (switch-off: neutral before the stages stop).
    builder.Services.AddSingleton(control);
    builder.Services.AddSingleton<SupervisorService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<SupervisorService>());
    builder.Services.AddHostedService<StopReport>();
    builder.Services.AddSingleton<OperatorRequests>();
    builder.Services.AddHostedService<EmulatorAutoArm>();

    // The operator side, after the supervisor it asks (and stopped before it): the console and the command socket.
    builder.Services.AddHostedService<LocalOperator>();
    builder.Services.AddHostedService<PlatformReport>();

    // The trial of a newly installed release: reads the stages like telemetry, never touches the actuator path.
    builder.Services.AddReleaseTrial(release);

    // The wearer's page, a tap like telemetry: started after everything it shows, stopped first.
    if (web.IsEnabledOn(settings.Board))
    {
        builder.Services.AddSingleton(web);
        builder.Services.AddSingleton(camp);
        builder.Services.AddSingleton(impedance);
        builder.Services.AddSingleton<WebService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebService>());
    }

    // Pings systemd only while the supervisor and acquisition loops make progress.
    builder.Services.AddHostedService(SystemdWatchdog.ForFirmware);

    using var host = builder.Build();
    InstalledReleaseCheck.Log(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeBci.Firmware.Release"), releaseCheck);
    await host.RunAsync();
    return Environment.ExitCode;
}
