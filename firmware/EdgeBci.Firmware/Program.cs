using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Firmware;

// The unit's firmware: a Generic Host running the acquisition, signal and decoding stages. The configuration is bound and the front-end
// brought up before the host starts, so a bad key or a chip that does not answer ends the process with one line
// naming the cause and a non-zero exit code, never a stack trace.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddEnvironmentVariables(prefix: "EDGEBCI_");

AcquisitionSettings settings;
FrontEnd? frontEnd = null;
SignalStage signal;
DecodingStage decoding;
try
{
    settings = AcquisitionSettings.Bind(builder.Configuration);
    frontEnd = FrontEnd.Open(settings.Board, settings.Ads1299, settings.Emulator, builder.Environment.ContentRootPath);
    signal = SignalStage.Create(builder.Configuration, frontEnd);
    decoding = DecodingStage.Create(builder.Configuration, frontEnd, signal, builder.Environment.ContentRootPath);
    frontEnd.Initialize();
}
catch (Exception exception) when (StartupFailure.Classify(exception) is { } failure)
{
    frontEnd?.Dispose();
    return StartupFailure.Report(failure.What, exception.Message, failure.ExitCode);
}

using (frontEnd)
{
    builder.Services.AddSystemd();
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

    using var host = builder.Build();
    await host.RunAsync();
    return Environment.ExitCode;
}
