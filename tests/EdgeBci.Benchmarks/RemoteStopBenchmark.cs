using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBci.Telemetry.Broker;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Benchmarks;

/// <summary>
/// `-- remote-stop [stops]`: the real firmware on the emulator with its embedded broker; once it is armed, two
/// dashboard clients flood every other command (self-test, set-log-level, report-configuration, start/stop-recording,
/// malformed and unknown ones) at full speed while a third sends stops, re-arming on the firmware's console between
/// them. Prints p50/p99/max of the unit's receivedToNeutralMs (from the stop reaching the unit to the tick that had the
/// output neutral) and of publish-to-neutral as the client sees it (same machine clock), and the firmware's RSS before
/// and after the flood. Goal (issue 15): stop -> output neutral within 50 ms of the message reaching the unit.
/// </summary>
internal static partial class RemoteStopBenchmark
{
    public const double GoalMilliseconds = 50;
    private const string Unit = "bench-1";

    private static readonly (string Name, string Payload)[] Flood =
    [
        ("self-test", "{}"),
        ("set-log-level", """{"args":{"level":"Information","category":"EdgeBci.Firmware.DecodingService"}}"""),
        ("report-configuration", "{}"),
        ("start-recording", """{"args":{"seconds":1,"label":"flood"}}"""),
        ("stop-recording", "{}"),
        ("self-test", "{\"args\":"),
        ("arm", "{}"),
        ("set-log-level", """{"args":{"level":"Loud"}}"""),
    ];

    public static bool Run(int stops)
    {
        var firmwareDll = Path.Combine(PipelineReplay.RepositoryRoot(), "firmware", "EdgeBci.Firmware", "bin", "Release", "net10.0", "EdgeBci.Firmware.dll");
        if (!File.Exists(firmwareDll))
        {
            Console.Error.WriteLine($"remote-stop: {firmwareDll} is not built; run `dotnet build firmware/EdgeBci.Firmware -c Release` first.");
            return false;
        }

        var credentialsFile = Path.Combine(Path.GetTempPath(), $"edgebci-bench-remote-stop-{Guid.NewGuid():N}", "credentials.json");
        try
        {
            return RunAsync(firmwareDll, credentialsFile, stops).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(credentialsFile)!, recursive: true);
        }
    }

    private static async Task<bool> RunAsync(string firmwareDll, string credentialsFile, int stops)
    {
        using var firmware = new SafetyTimingBenchmark.Firmware(firmwareDll, $"--Mqtt:DeviceId={Unit}", $"--Mqtt:EmbeddedCredentialsFile={credentialsFile}",
            "--Mqtt:EmbeddedCommandsPerClientPerSecond=100000"); // the flood must reach the unit: its own path is measured
        if (!firmware.WaitFor(ListeningLine(), TimeSpan.FromSeconds(60), out var listening))
        {
            Console.Error.WriteLine($"remote-stop: the embedded broker did not start; last line: {firmware.LastLine}");
            return false;
        }

        var port = int.Parse(listening.Groups["port"].Value, CultureInfo.InvariantCulture);
        var credentials = BrokerCredentials.Load(credentialsFile);
        var pid = firmware.ProcessId;
        var answers = new ConcurrentDictionary<Guid, TaskCompletionSource<JsonElement>>();
        var armedEvents = Channel();
        using var observer = await ConnectAsync(port, credentials, "observer", message =>
        {
            if (message.Topic.EndsWith("/events", StringComparison.Ordinal))
            {
                // The JSON escapes '>', so the message is read, not searched in the raw payload.
                using var document = JsonDocument.Parse(message.Payload);
                if (document.RootElement.GetProperty("message").GetString()!.Contains("-> Armed Armed", StringComparison.Ordinal))
                {
                    armedEvents.Writer.TryWrite(true);
                }
            }
        });
        await observer.SubscribeAsync($"edgebci/v1/{Unit}/events");
        using var stopper = await ConnectAsync(port, credentials, "dashboard", message =>
        {
            if (message.CorrelationData is { Length: 16 } data && answers.TryGetValue(new Guid(data), out var waiting))
            {
                using var document = JsonDocument.Parse(message.Payload);
                waiting.TrySetResult(document.RootElement.Clone());
            }
        });
        await stopper.SubscribeAsync("edgebci/v1/replies/dashboard/bench-stop");

        Console.WriteLine($"remote stop under a command flood: {Environment.ProcessorCount} cores, {stops} stops");
        if (!await WaitAsync(armedEvents, TimeSpan.FromSeconds(60)))
        {
            Console.Error.WriteLine($"remote-stop: the unit never armed; last line: {firmware.LastLine}");
            return false;
        }

        var rssBefore = ProcessMemory.ResidentMiB(pid);
        using var flooding = new CancellationTokenSource();
        var flooders = new List<IMqttClient>();
        var floodTasks = new List<Task<long>>();
        for (var f = 0; f < 2; f++)
        {
            var client = await ConnectAsync(port, credentials, "dashboard", null);
            flooders.Add(client);
            floodTasks.Add(FloodAsync(client, flooding.Token));
        }

        var unitFigures = new List<double>();
        var clientFigures = new List<double>();
        var missed = 0;
        for (var i = 0; i < stops; i++)
        {
            if (i > 0)
            {
                firmware.Send("arm");
                if (!await WaitAsync(armedEvents, TimeSpan.FromSeconds(15)))
                {
                    Console.Error.WriteLine($"remote-stop: stop {i + 1}: the unit did not re-arm within 15 s; last line: {firmware.LastLine}");
                    missed++;
                    continue;
                }
            }

            await Task.Delay(200);
            var correlation = Guid.NewGuid();
            var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            answers[correlation] = answer;
            var publishedAt = DateTimeOffset.UtcNow;
            await stopper.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"edgebci/v1/{Unit}/cmd/stop").WithPayload("{}")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(60)
                .WithResponseTopic("edgebci/v1/replies/dashboard/bench-stop").WithCorrelationData(correlation.ToByteArray())
                .WithUserProperty("sender", new ReadOnlyMemory<byte>("dashboard"u8.ToArray())).Build());
            JsonElement result;
            try
            {
                result = await answer.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"remote-stop: stop {i + 1}: no answer within 10 s");
                missed++;
                continue;
            }

            if (!result.GetProperty("ok").GetBoolean() || !result.GetProperty("result").TryGetProperty("receivedToNeutralMs", out var unitMs))
            {
                Console.Error.WriteLine($"remote-stop: stop {i + 1}: answered without a neutral time: {result.GetRawText()}");
                missed++;
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stop {i + 1,2}: receivedToNeutralMs {unitMs.GetDouble():0.0}"));
            var neutralAt = DateTimeOffset.Parse(result.GetProperty("result").GetProperty("neutralAt").GetString()!, CultureInfo.InvariantCulture);
            unitFigures.Add(unitMs.GetDouble());
            clientFigures.Add((neutralAt - publishedAt).TotalMilliseconds);
        }

        await flooding.CancelAsync();
        var flooded = (await Task.WhenAll(floodTasks)).Sum();
        var rssAfter = ProcessMemory.ResidentMiB(pid);
        foreach (var client in flooders)
        {
            client.Dispose();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  flood: {flooded} other commands from 2 dashboard clients; firmware RSS {rssBefore:0} -> {rssAfter:0} MiB"));
        if (unitFigures.Count == 0)
        {
            Console.Error.WriteLine("remote-stop: no stop was answered with a neutral time");
            return false;
        }

        var ok = Percentile(unitFigures, 1.0) <= GoalMilliseconds && missed == 0;
        Print("stop reached the unit -> output neutral (unit)", unitFigures);
        Print("stop published -> output neutral (client)  ", clientFigures);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  goal: <= {GoalMilliseconds} ms after the message reaches the unit, under the flood: {(ok ? "ok" : "MISSED")}"));
        return ok;
    }

    private static async Task<long> FloodAsync(IMqttClient client, CancellationToken token)
    {
        long sent = 0;
        var publishes = new Task[16];
        try
        {
            while (!token.IsCancellationRequested)
            {
                for (var i = 0; i < publishes.Length; i++)
                {
                    var (name, payload) = Flood[(int)(sent++ % Flood.Length)];
                    publishes[i] = client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"edgebci/v1/{Unit}/cmd/{name}").WithPayload(payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(60)
                        .WithResponseTopic("edgebci/v1/replies/dashboard/flood").WithCorrelationData(BitConverter.GetBytes(sent))
                        .WithUserProperty("sender", new ReadOnlyMemory<byte>("dashboard"u8.ToArray())).Build(), token);
                }

                await Task.WhenAll(publishes);
            }
        }
        catch (OperationCanceledException)
        {
            // The flood ends with the stops.
        }

        return sent;
    }

    private static async Task<IMqttClient> ConnectAsync(int port, BrokerCredentials credentials, string identity, Action<MqttApplicationMessage>? received)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        if (received is not null)
        {
            client.ApplicationMessageReceivedAsync += args =>
            {
                received(args.ApplicationMessage);
                return Task.CompletedTask;
            };
        }

        await client.ConnectAsync(new MqttClientOptionsBuilder().WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", port)
            .WithClientId($"{identity}-{Guid.NewGuid():N}").WithCredentials(identity, credentials.For(identity).Password).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        return client;
    }

    private static System.Threading.Channels.Channel<bool> Channel() => System.Threading.Channels.Channel.CreateUnbounded<bool>();

    /// <summary>Waits for the next Armed event after draining those already seen.</summary>
    private static async Task<bool> WaitAsync(System.Threading.Channels.Channel<bool> armed, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await armed.Reader.ReadAsync(cancel.Token);
            while (armed.Reader.TryRead(out _))
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Print(string what, List<double> figures) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what}: n {figures.Count}, p50 {Percentile(figures, 0.5):0.0} ms, p99 {Percentile(figures, 0.99):0.0} ms, max {Percentile(figures, 1.0):0.0} ms"));

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(sorted.Count * fraction) - 1, 0, sorted.Count - 1)];
    }

    [GeneratedRegex(@"mqtt: embedded broker listening on [0-9.:a-f\[\]]+?:(?<port>\d+) ")]
    private static partial Regex ListeningLine();
}
