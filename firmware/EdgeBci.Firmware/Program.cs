using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Firmware;

// The unit's firmware: a Generic Host running the acquisition stage. Start-up problems (a bad configuration key,
// a chip that does not answer) end the process with a message naming the cause and a non-zero exit code.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddSystemd();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp => new FirmwareSettings(builder.Configuration, builder.Environment.ContentRootPath));
builder.Services.AddSingleton<AcquisitionService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<AcquisitionService>());

using var host = builder.Build();
try
{
    await host.RunAsync();
    return Environment.ExitCode;
}
catch (ArgumentException exception)
{
    return StartupFailure.Report(host, "configuration", exception.Message, ExitCodes.Configuration);
}
catch (Ads1299Exception exception)
{
    return StartupFailure.Report(host, "ADS1299", exception.Message, ExitCodes.Hardware);
}
catch (IOException exception)
{
    return StartupFailure.Report(host, "I/O", exception.Message, ExitCodes.Hardware);
}
