using BenchmarkDotNet.Running;
using EdgeBci.Benchmarks;

// `make bench` runs everything (frame decoding, the signal chain, decoder training, decoder inference, the pipeline replay,
// the 10-minute firmware run, the soak, the DRDY timing run, the control timing run, the telemetry uplink, then the firmware's safety timing); `-- soak [seconds] [rate]` runs only the real-time acquisition soak;
// `-- inference [bundle folder|-] [windows]` only the int8/fp32 inference latency (p50/p99; without a folder it trains a bundle from S001);
// `-- int8 [bundle folder|-] [windows]` per-node precision: fp32, all-int8, each node group float or int8, and the default rule (latency, agreement, accuracy; default the shipped bundle), then the MatMul size sweep `-- int8-sweep [runs]` runs alone;
// `-- telemetry [embedded|mqtt://host:port] [seconds]` the telemetry uplink's throughput and its CPU cost at 1 Hz;
// `-- drdy [seconds] [rate]` the emulated chip's CPU per 10 s and its DRDY jitter (default 10 s at 250 SPS);
// `-- control [runs]` the supervisor's e-stop → neutral latency and the heartbeat watchdog's trip time on the real clock (default 20 runs);
// `-- safety` the firmware's STOP-after-fault and board-watchdog-after-kill times against their goals;
// `-- remote-stop [stops]` the firmware under a flood of every other command: stop -> output neutral (unit and client view) and RSS;
// `-- web [seconds] [requests]` the wearer's page: firmware CPU with/without one streaming client, stream kB/s, first load, API p50/p95;
// anything else goes to BenchmarkDotNet's own switcher (e.g. `-- --filter *FrameDecoding*`).
if (args.Length > 0 && args[0] == "soak")
{
    var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60;
    var rate = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16000;
    var priority = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;
    var cpu = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : -1;
    return AcquisitionSoak.Run(seconds, rate, priority, cpu) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "inference")
{
    var bundle = args.Length > 1 && args[1] != "-" ? args[1] : null;
    var windows = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5000;
    return DecoderInferenceBenchmark.Run(bundle, windows);
}

if (args.Length > 0 && args[0] == "int8-sweep")
{
    ReductionLengthSweep.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000);
    return 0;
}

if (args.Length > 0 && args[0] == "int8")
{
    var bundle = args.Length > 1 && args[1] != "-" ? args[1] : null;
    var windows = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000;
    return NodePrecisionBenchmark.Run(bundle, windows);
}

if (args.Length > 0 && args[0] == "pipeline")
{
    var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600;
    return PipelineReplay.Run(seconds) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "firmware")
{
    var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600;
    return FirmwareSoak.Run(seconds) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "telemetry")
{
    var broker = args.Length > 1 ? args[1] : "embedded";
    var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60;
    return TelemetryBenchmark.Run(broker, 10, seconds);
}

if (args.Length > 0 && args[0] == "drdy")
{
    var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
    var rate = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 250;
    return DrdyTimingBenchmark.Run(seconds, rate) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "control")
{
    var runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
    return ControlTimingBenchmark.Run(runs) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "remote-stop")
{
    var stops = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
    return RemoteStopBenchmark.Run(stops) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "web")
{
    return EdgeBci.Benchmarks.Web.WebBenchmark.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300) ? 0 : 1;
}

if (args.Length > 0 && args[0] == "safety")
{
    return SafetyTimingBenchmark.Run() ? 0 : 1;
}

if (args.Length > 0 && args[0] == "all")
{
    BenchmarkRunner.Run<FrameDecodingBenchmark>();
    BenchmarkRunner.Run<SignalChainBenchmark>();
    BenchmarkRunner.Run<DecoderTrainingBenchmark>();

    // Every real-time and goal-bearing run goes ahead even when one misses, so one command prints all the figures.
    var inference = DecoderInferenceBenchmark.Run(null, 5000) == 0;
    var pipeline = PipelineReplay.Run(600);
    var firmware = FirmwareSoak.Run(600);
    var soak = AcquisitionSoak.Run(60, 16000, 0, -1);
    var drdy = DrdyTimingBenchmark.Run(10, 250);
    var control = ControlTimingBenchmark.Run(20);
    var telemetry = TelemetryBenchmark.Run("embedded", 10, 60) == 0;
    var safety = SafetyTimingBenchmark.Run();
    var remoteStop = RemoteStopBenchmark.Run(20);
    var nodePrecision = NodePrecisionBenchmark.Run(null, 2000) == 0;
    var web = EdgeBci.Benchmarks.Web.WebBenchmark.Run(60, 300);
    return inference && pipeline && firmware && soak && drdy && control && telemetry && safety && remoteStop && nodePrecision && web ? 0 : 1;
}

BenchmarkSwitcher.FromAssembly(typeof(FrameDecodingBenchmark).Assembly).Run(args);
return 0;
