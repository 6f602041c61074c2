using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Training.Camp;
using EdgeBci.Web.Api;
using EdgeBci.Web.Hosting;
using EdgeBci.Web.Pairing;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;

namespace EdgeBci.Firmware;

/// <summary>
/// The wearer's page (section <c>Web</c>) as one of the firmware's hosted services: it opens the camp's database, builds
/// the page's seams over the running stages (unit view, live traces, the STOP request, the camp's runs) and serves them
/// on Kestrel. Registered after the supervisor, so it starts last and stops first. The page is a tap: it never holds
/// up a stage, and a database or port it cannot have leaves the unit running without its page (logged as an error
/// naming the file or address), never without its chair control.
/// </summary>
internal sealed partial class WebService(
    WebOptions options,
    CampOptions camp,
    IConfiguration configuration,
    AcquisitionSettings settings,
    FrontEnd frontEnd,
    TelemetryStage telemetry,
    SignalStage signalStage,
    SignalService signal,
    DecodingStage decodingStage,
    DecodingService decoding,
    SupervisorService supervisor,
    OperatorRequests requests,
    StartupImpedance impedance,
    IHostEnvironment environment,
    ILoggerFactory loggers,
    ILogger<WebService> logger) : IHostedService, IAsyncDisposable
{
    private CampDatabase? _database;
    private LiveTraces? _traces;
    private CampJobs? _jobs;
    private WearerPageServer? _server;
    private int _disposed;

    /// <summary>Where the page is served, once it is (tests read the port the system picked for Web:Port=0).</summary>
    public Uri? Address => _server?.Address;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var databasePath = CampDatabase.DefaultPath(options.DatabasePath);
        try
        {
            _database = CampDatabase.Open(databasePath);
        }
        catch (CampDatabaseException exception)
        {
            LogNoDatabase(exception.Message);
            return;
        }

        var time = TimeProvider.System;
        _traces = new LiveTraces(signal.Output, signalStage.Chain.OutputRate, signalStage.MicrovoltsPerQ31, options.TraceDisplayRate,
            options.TraceBatchesPerSecond, loggers.CreateLogger<LiveTraces>());
        var calibration = new CalibrationJob(camp, configuration, settings, environment.ContentRootPath, decodingStage.BundleFolder, _database, time,
            loggers.CreateLogger<CalibrationJob>());
        var focus = decodingStage.Focus;
        var neurofeedback = new NeurofeedbackJob(() => focus.IsReady ? focus.Score : null, new CampFocusHistory(_database), time,
            loggers.CreateLogger<NeurofeedbackJob>());
        var disarm = new DisarmBeforeRun(requests);
        _jobs = new CampJobs(
            context => disarm.RunAsync(() => calibration.RunAsync(context), context.Cancellation),
            (context, request) => disarm.RunAsync(
                () => neurofeedback.RunAsync(context.RunId, context.WearerId, request, context.Publish, context.Cancellation), context.Cancellation),
            time, loggers.CreateLogger<CampJobs>(), calibration.Refusal);

        var seams = new WearerPageSeams(
            new UnitView(frontEnd, telemetry, signal, decodingStage, decoding, supervisor, impedance),
            _traces,
            new StopRequester(requests),
            _jobs);
        var pairing = new PairingService(_database, time, new PairingOptions { CodeMinutes = options.PairingCodeMinutes, SessionHours = options.SessionHours });
        _server = new WearerPageServer(options, seams, new PairedSessionValidator(pairing), new StoredCampHistory(_database, WearerFolder.ValidateId), loggers,
            Path.Combine(environment.ContentRootPath, "wwwroot"));
        try
        {
            await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException)
        {
            // Kestrel reports a port in use as an IOException; the unit runs on without its page.
            LogNotServed($"{options.Address}:{options.Port}", exception.Message);
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
            return;
        }

        impedance.Report(logger);
        LogServed(_server.Address!.ToString(), _database.Path);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // A run in progress is cancelled and its record finished before the database closes.
        _jobs?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as a singleton and as the hosted service that resolves it, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _jobs?.Dispose();
        _traces?.Dispose();
        _database?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "wearer's page: {Address} (pair a browser with `edgebci pair` on the unit; camp database {Database})")]
    private partial void LogServed(string address, string database);

    [LoggerMessage(Level = LogLevel.Error, Message = "wearer's page not served: {Reason}; the unit runs on without it (move the file aside to start a new database)")]
    private partial void LogNoDatabase(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "wearer's page not served on {Address}: {Reason}; the unit runs on without it")]
    private partial void LogNotServed(string address, string reason);
}
