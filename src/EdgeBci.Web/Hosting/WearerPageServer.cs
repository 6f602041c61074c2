using System.Net;
using EdgeBci.Web.Api;
using EdgeBci.Web.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// The wearer's page on Kestrel: pairing, the JSON API, the live stream and the page's files, over the seams the firmware
/// implements. Built from an empty host (no configuration files, no environment variables): only <see cref="WebOptions"/>
/// decides where and how it listens. The firmware runs it from its own hosted service.
/// </summary>
public sealed class WearerPageServer : IAsyncDisposable
{
    public const int MaximumRequestBodyBytes = 16 * 1024;
    public const int MaximumConnections = 16;

    private readonly WebOptions options;
    private readonly WearerPageSeams seams;
    private readonly ISessionValidator sessions;
    private readonly ICampHistory history;
    private readonly ILoggerFactory loggerFactory;
    private readonly string webRoot;
    private WebApplication? app;
    private LiveTap? tap;

    /// <param name="webRoot">The page's files; null = wwwroot beside the assembly (where the build copies them).</param>
    /// <exception cref="ArgumentException">A Web key is not allowed (named), or the display rate is above the unit's sample rate.</exception>
    public WearerPageServer(WebOptions options, WearerPageSeams seams, ISessionValidator sessions, ICampHistory history, ILoggerFactory loggerFactory, string? webRoot = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(seams);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        options.ValidateAgainstSampleRate(seams.Unit.SampleRate);
        this.options = options;
        this.seams = seams;
        this.sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        this.history = history ?? throw new ArgumentNullException(nameof(history));
        this.loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        this.webRoot = Path.GetFullPath(webRoot ?? Path.Combine(AppContext.BaseDirectory, "wwwroot"));
    }

    /// <summary>Where the page answers once started (the port resolved when Web:Port is 0).</summary>
    public Uri? Address { get; private set; }

    /// <summary>How often the stream's status event goes out (tests shorten it).</summary>
    internal TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(1);

    internal TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    internal LiveTap? Tap => tap;

    /// <summary>Every route the API maps, as "METHOD pattern".</summary>
    internal IReadOnlyList<string> Routes()
    {
        var routes = new List<string>();
        var sources = app?.Services.GetServices<EndpointDataSource>() ?? [];
        foreach (var source in sources)
        {
            foreach (var endpoint in source.Endpoints)
            {
                if (endpoint is RouteEndpoint route)
                {
                    var methods = route.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"];
                    routes.Add($"{string.Join(',', methods)} {route.RoutePattern.RawText}");
                }
            }
        }

        return routes;
    }

    /// <exception cref="ArgumentException">The certificate cannot be loaded (named by its key).</exception>
    /// <exception cref="FileNotFoundException">The page's files are not installed.</exception>
    /// <exception cref="IOException">The address is in use (Kestrel's message names it).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            throw new InvalidOperationException("The wearer's page server is already started.");
        }

        var pairPage = PairPage.Load(webRoot);
        var built = Build(pairPage);
        tap = new LiveTap(seams.Unit, seams.Traces, seams.Camp, options.StreamQueueLength, StatusInterval, TimeProvider.System, loggerFactory.CreateLogger<LiveTap>());
        new StreamEndpoint(tap, KeepAliveInterval).Map(built);
        app = built;
        await built.StartAsync(cancellationToken);
        var addresses = built.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        Address = addresses is { Count: > 0 } ? new Uri(addresses.First()) : null;
        loggerFactory.CreateLogger<WearerPageServer>().LogInformation("The wearer's page answers at {Address}", Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Streams end first: an open event stream would otherwise hold the graceful shutdown until its timeout.
        tap?.Dispose();
        if (app is not null)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        tap?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }
    }

    private WebApplication Build(PairPage pairPage)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = "EdgeBci.Web",
            EnvironmentName = Environments.Production,
            ContentRootPath = webRoot,
            WebRootPath = webRoot,
        });
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        builder.Services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        var certificate = options.UsesHttps ? UnitCertificate.Load(options) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaximumRequestBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = MaximumConnections;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 40;
            kestrel.Limits.MaxRequestLineSize = 4096;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
            kestrel.Listen(IPAddress.Parse(options.Address), options.Port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        var built = builder.Build();
        built.Use(next => new SecurityHeaders(next).InvokeAsync);
        built.Use(next => new SameOriginGuard(next).InvokeAsync);
        built.Use(next => new SessionGate(next, sessions, pairPage).InvokeAsync);
        StaticAssets.Use(built, webRoot);
        built.UseRouting();
        new PairingEndpoints(sessions).Map(built);
        new UnitEndpoints(seams.Unit, seams.Stop, options.TraceDisplayRate).Map(built);
        new CampEndpoints(seams.Camp, history).Map(built);
        return built;
    }
}
