using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Control;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Emulation;
using EdgeBci.Control.Deadman;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding;
using EdgeBci.Decoding.Bundle;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>
/// The keys of the <c>Control</c> section that belong to the firmware host, not to the supervisor's
/// <see cref="ControlOptions"/>: how the unit is armed on the emulator, the console, the supervisor thread's priority and
/// the emulated deadman circuit (the actuator board's out-of-process watchdog). Bound strictly like the rest of the section.
/// </summary>
internal sealed class FirmwareControlOptions
{
    public static readonly string[] Keys = [nameof(AutoArmOnEmulator), nameof(ConsoleCommands), nameof(CommandSocket), nameof(RealTimePriority), nameof(BoardWatchdogFile)];

    /// <summary>
    /// Emulator only: once every precondition holds after switch-on, arm once as if "arm" had been typed on the unit's
    /// console (a LocalCli request). Unset means true on the emulator and false elsewhere; true on a real board is refused.
    /// </summary>
    public bool? AutoArmOnEmulator { get; set; }

    /// <summary>Read arm / disarm / stop (and on the emulator inject / clear) from the firmware's standard input.</summary>
    public bool ConsoleCommands { get; set; } = true;

    /// <summary>
    /// The local command socket <c>edgebci arm|disarm|stop|state</c> talks to (see <see cref="global::EdgeBci.Control.Local.LocalCommandSocket"/>):
    /// empty means /run/edgebci/control.sock when the firmware may create it, else the user's runtime folder; "off" for none.
    /// </summary>
    public string CommandSocket { get; set; } = string.Empty;

    /// <summary>SCHED_FIFO priority of the supervisor's thread (0 = normal scheduling); below the acquisition thread's.</summary>
    public int RealTimePriority { get; set; } = 45;

    /// <summary>
    /// Run the actuator board's deadman circuit (its hardware watchdog, hardware/deadman.md) emulated in a separate
    /// process that receives the deadman line's edges with the actuator's output and writes its state to this file (see
    /// <see cref="BoardWatchdogLink"/>): for the simulated actuators on any board, and for the real ones on the emulator
    /// (a real board has the circuit itself). Empty: off.
    /// </summary>
    public string BoardWatchdogFile { get; set; } = string.Empty;
}

/// <summary>
/// The control stage's configuration, checked before the front-end is opened (a bad Control key stops start-up with its
/// name, exit code 2), and the stage's devices: the actuator <see cref="ActuatorFactory"/> makes from
/// <c>Control:Actuator</c>, and on a real board the e-stop, inhibit and arm lines. The decoder's hop
/// (<c>Decoding:HopSeconds</c>) becomes <c>Control:HopMs</c> unless that is set, and the model's channels become
/// <c>Control:RequiredChannels</c> unless those are set.
/// </summary>
internal sealed class ControlStage : IDisposable
{
    private readonly List<string> _notes;

    private ControlStage(ControlOptions options, FirmwareControlOptions firmware, string board, bool isEmulator, bool autoArm,
        string? boardWatchdogFile, IReadOnlyList<string>? modelClasses, List<string> notes)
    {
        Options = options;
        Firmware = firmware;
        Board = board;
        IsEmulator = isEmulator;
        AutoArm = autoArm;
        BoardWatchdogFile = boardWatchdogFile;
        ModelClasses = modelClasses;
        _notes = notes;
    }

    public ControlOptions Options { get; }

    public FirmwareControlOptions Firmware { get; }

    public string Board { get; }

    public bool IsEmulator { get; }

    /// <summary>Control:AutoArmOnEmulator as resolved for this board.</summary>
    public bool AutoArm { get; }

    /// <summary>Full path of the emulated deadman circuit's state file, or null when it is off.</summary>
    public string? BoardWatchdogFile { get; }

    /// <summary>The configured model's classes, when its manifest could be read at start-up.</summary>
    public IReadOnlyList<string>? ModelClasses { get; }

    /// <summary>What start-up derived or noticed (hop, channels, classes without a policy entry), for the start-up log.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Where every stage reports to the supervisor.</summary>
    public ControlInputs Inputs { get; } = new();

    /// <summary>The actuator, once <see cref="OpenDevices"/> has run.</summary>
    public IActuator? Actuator { get; private set; }

    /// <summary>The unit's e-stop, inhibit and arm lines when any is wired (real boards only).</summary>
    public GpioSafetyInputs? Switches { get; private set; }

    /// <exception cref="ArgumentException">A Control key (or a Decoding key it depends on) is invalid; the message names every one.</exception>
    public static ControlStage Create(IConfiguration configuration, AcquisitionSettings settings, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Create(configuration, settings, contentRoot, BoardProfile.All.GetValueOrDefault(settings.Board));
    }

    /// <param name="board">The profile of <c>Board</c>, or null when it is unknown (FrontEnd refuses that board next).</param>
    internal static ControlStage Create(IConfiguration configuration, AcquisitionSettings settings, string contentRoot, BoardProfile? board)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var section = configuration.GetSection(ControlOptions.Section);
        var (supervisorKeys, firmwareKeys) = Split(section);
        var options = AcquisitionSettings.BindSection<ControlOptions>(supervisorKeys, ControlOptions.Section);
        var firmware = AcquisitionSettings.BindSection<FirmwareControlOptions>(firmwareKeys, ControlOptions.Section);
        var decoding = AcquisitionSettings.BindSection<DecodingOptions>(configuration, DecodingOptions.Section);
        var problems = new List<string>(decoding.Validate());
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        var notes = new List<string>();
        var isEmulator = string.Equals(settings.Board, BoardProfile.EmulatorName, StringComparison.Ordinal);
        var configured = supervisorKeys.GetSection(ControlOptions.Section);
        var registration = ActuatorRegistry.Find(options.Actuator);
        var sources = DeriveHop(options, decoding, configured, notes, problems);
        var manifest = ReadManifest(decoding, contentRoot, notes);
        DeriveRequiredChannels(options, settings.Ads1299.Channels, manifest, configured, notes, problems);
        DescribePolicy(options, registration, manifest, notes, problems);

        problems.AddRange(options.Validate(sources));
        if (SingleWindowGateCheck.Check(decoding, options, manifest?.Classes.Count ?? 2, sources.Hop) is { } singleWindow)
        {
            problems.Add(singleWindow);
        }

        var autoArm = firmware.AutoArmOnEmulator ?? isEmulator;
        if (firmware.AutoArmOnEmulator == true && !isEmulator)
        {
            problems.Add($"{ControlOptions.Section}:AutoArmOnEmulator = true is refused on Board = '{settings.Board}': a real unit is armed only by a local action (the arm button, Control:ArmButtonPin, or 'arm' on the unit's console).");
        }

        if (firmware.RealTimePriority is < 0 or > 99)
        {
            problems.Add($"{ControlOptions.Section}:RealTimePriority = {firmware.RealTimePriority} is out of range 0..99 (0 = normal scheduling).");
        }

        var simulated = registration is { IsSimulated: true };
        string? watchdogFile = null;
        if (!string.IsNullOrWhiteSpace(firmware.BoardWatchdogFile))
        {
            if (simulated || isEmulator)
            {
                watchdogFile = Path.GetFullPath(firmware.BoardWatchdogFile, contentRoot);
            }
            else
            {
                problems.Add($"{ControlOptions.Section}:BoardWatchdogFile emulates the deadman circuit for the simulated actuators and on the emulator; a {options.Actuator} on {settings.Board} has the board's own circuit (hardware/deadman.md).");
            }
        }

        if (isEmulator)
        {
            if (options.EStopPin >= 0 || options.InhibitPin >= 0 || options.ArmButtonPin >= 0)
            {
                problems.Add($"{ControlOptions.Section}:EStopPin/InhibitPin/ArmButtonPin = {options.EStopPin}/{options.InhibitPin}/{options.ArmButtonPin}: the emulator has no GPIO lines; use -1.");
            }
        }
        else if (registration is { EStopRule: EStopRule.WiredOrHardwareCut } && options.EStopPin < 0)
        {
            if (board is { EStopHardwareCut: true })
            {
                notes.Add($"e-stop not read: board '{board.Name}' declares that its e-stop cuts the {options.Actuator}'s power in hardware (eStopHardwareCut)");
            }
            else
            {
                problems.Add($"{ControlOptions.Section}:EStopPin = {options.EStopPin}: a {registration.Platform} ({options.Actuator}) is not driven without its e-stop loop wired; give its GPIO line "
                    + $"(Board = '{settings.Board}' does not declare eStopHardwareCut, an e-stop that cuts the actuator's power in hardware).");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        return new ControlStage(options, firmware, settings.Board, isEmulator, autoArm, watchdogFile, manifest?.Classes, notes);
    }

    /// <summary>The line holding the actuator's enable (hardware/deadman.md), once <see cref="OpenDevices"/> has run; null for a simulated platform without the emulated circuit.</summary>
    public DeadmanLine? Deadman => (Actuator as IDeadmanGuarded)?.Deadman;

    /// <summary>
    /// Opens the actuator (through <see cref="ActuatorFactory"/>: on the emulator a real driver runs on the emulated
    /// actuator board's buses) with its deadman line: on a real board the profile's lines for a real driver, and the
    /// emulated circuit (<see cref="BoardWatchdogLink"/>) when Control:BoardWatchdogFile is set; and, on a real board, the
    /// e-stop, inhibit and arm lines. Throws like the buses do (I/O, permissions), and ArgumentException when the
    /// board's deadman timeout cannot hold the enable between two rising edges at Control:TickHz.
    /// </summary>
    public void OpenDevices(FrontEnd frontEnd, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        var wiring = frontEnd.Board.Deadman;
        var real = ActuatorRegistry.Find(Options.Actuator) is { IsSimulated: false };
        var guarded = real || BoardWatchdogFile is not null;

        // The pipeline toggles once a tick, so a rising edge comes every second tick; two of them must fit in the timeout.
        if (guarded && TimeSpan.FromMilliseconds(wiring.TimeoutMs) < 4 * Options.TickPeriod)
        {
            throw new ArgumentException(Invariant(
                $"{ControlOptions.Section}:TickHz = {Options.TickHz} brings a rising edge on the deadman line every {2 * Options.TickPeriod.TotalMilliseconds:0} ms; the board's deadman timeout (hardware/boards/{frontEnd.Board.Name}.json, deadman.timeoutMs = {wiring.TimeoutMs}) needs at least two of them: raise Control:TickHz to {Math.Ceiling(4000.0 / wiring.TimeoutMs)} or more."));
        }

        var buses = real && IsEmulator ? new EmulatedActuatorBuses(Options) : null;
        var actuator = buses is null ? ActuatorFactory.Create(Options, time) : ActuatorFactory.Create(Options, time, buses);
        try
        {
            if (BoardWatchdogFile is { } file)
            {
                var link = BoardWatchdogLink.Start(actuator, file, wiring, buses, time);
                actuator = link;
                _notes.Add(Invariant($"deadman circuit emulated by process {link.ProcessId}: the enable drops {wiring.TimeoutMs} ms after the last rising edge; state in {file}"));
            }
            else if (real && !IsEmulator)
            {
                var gpio = frontEnd.OpenBoardGpio();
                try
                {
                    actuator = new DeadmanGuardedActuator(actuator, new DeadmanLine(gpio, wiring.PulseLine, wiring.ClearLine, TimeSpan.FromMilliseconds(wiring.TimeoutMs), time));
                    _notes.Add(Invariant($"deadman: pulse line GPIO {wiring.PulseLine}, clear line {(wiring.ClearLine >= 0 ? $"GPIO {wiring.ClearLine}" : "not wired")}; the enable drops {wiring.TimeoutMs} ms after the last rising edge, at once on any STOP"));
                }
                catch
                {
                    gpio.Dispose();
                    throw;
                }
            }

            if (!IsEmulator && (Options.EStopPin >= 0 || Options.InhibitPin >= 0 || Options.ArmButtonPin >= 0))
            {
                // An opening edge of the e-stop drops the enable on the GPIO event thread: it needs no tick of the supervisor.
                Switches = new GpioSafetyInputs(frontEnd.OpenBoardGpio(), Options, Inputs, onEStopOpened: () => Deadman?.Drop());
            }
        }
        catch
        {
            actuator.Dispose();
            throw;
        }

        Actuator = actuator;
    }

    /// <summary>The enable dropped, neutral, then the actuator and the lines are closed. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Actuator is { } actuator)
        {
            try
            {
                Deadman?.Drop();
            }
            catch (IOException)
            {
                // The circuit drops the enable by its timeout; the actuator is still driven neutral below.
            }

            try
            {
                actuator.Neutral();
            }
            catch (ObjectDisposedException)
            {
            }
            catch (ActuatorException)
            {
                // Disposing writes neutral once more, as far as the device still answers.
            }

            actuator.Dispose();
        }

        Switches?.Dispose();
    }

    /// <summary>The firmware's own keys go one way, the supervisor's the other; each is then bound strictly.</summary>
    private static (IConfiguration Supervisor, IConfiguration Firmware) Split(IConfigurationSection section)
    {
        var supervisor = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var firmware = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var prefix = section.Path + ConfigurationPath.KeyDelimiter;
        foreach (var (key, value) in section.AsEnumerable())
        {
            if (!key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var first = key[prefix.Length..].Split(ConfigurationPath.KeyDelimiter)[0];
            var target = FirmwareControlOptions.Keys.Contains(first, StringComparer.OrdinalIgnoreCase) ? firmware : supervisor;
            target[key] = value;
        }

        return (new ConfigurationBuilder().AddInMemoryCollection(supervisor).Build(), new ConfigurationBuilder().AddInMemoryCollection(firmware).Build());
    }

    /// <summary>Control:HopMs from the decoder's hop, and Control:DecisionMaxAgeMs from HopMs, where unset; says where each came from.</summary>
    private static ControlOptionSources DeriveHop(ControlOptions options, DecodingOptions decoding, IConfigurationSection configured, List<string> notes, List<string> problems)
    {
        var decoderHopMs = (int)Math.Ceiling(decoding.HopSeconds * 1000);
        var hopSource = ControlOptionSources.Configured.Hop;
        if (!configured.GetSection(nameof(ControlOptions.HopMs)).Exists())
        {
            options.HopMs = decoderHopMs;
            hopSource = Invariant($"derived from {DecodingOptions.Section}:HopSeconds = {decoding.HopSeconds}");
            notes.Add(Invariant($"HopMs {decoderHopMs} from Decoding:HopSeconds {decoding.HopSeconds}: no new decision for {2 * decoderHopMs} ms is a STOP"));
        }
        else if (options.HopMs < decoderHopMs)
        {
            problems.Add(Invariant($"{ControlOptions.Section}:HopMs = {options.HopMs} is shorter than the decoder's hop (Decoding:HopSeconds = {decoding.HopSeconds} s): every gap between two decisions would be a STOP."));
        }

        var raised = false;
        var automaticMaxAge = options.HopMs + ControlOptions.DecisionMaxAgeMarginMs;
        if (!configured.GetSection(nameof(ControlOptions.DecisionMaxAgeMs)).Exists() && options.DecisionMaxAgeMs < automaticMaxAge)
        {
            // Validate refuses the raised value above its ceiling, naming both keys: it is never raised past it silently.
            options.DecisionMaxAgeMs = automaticMaxAge;
            raised = true;
            notes.Add(Invariant($"DecisionMaxAgeMs raised to {options.DecisionMaxAgeMs} (HopMs + {ControlOptions.DecisionMaxAgeMarginMs})"));
        }

        return new ControlOptionSources(hopSource, raised);
    }

    private static ModelManifest? ReadManifest(DecodingOptions decoding, string contentRoot, List<string> notes)
    {
        if (string.IsNullOrWhiteSpace(decoding.ModelPath))
        {
            notes.Add("no model configured: nothing can arm");
            return null;
        }

        var path = Path.Combine(Path.GetFullPath(decoding.ModelPath, contentRoot), ModelManifest.FileName);
        try
        {
            return ModelBundle.ReadManifest(path);
        }
        catch (ModelBundleException exception)
        {
            notes.Add($"model manifest not readable at start-up ({exception.Message}); every channel is required");
            return null;
        }
    }

    private static void DeriveRequiredChannels(ControlOptions options, IReadOnlyList<string> unitChannels, ModelManifest? manifest,
        IConfigurationSection configured, List<string> notes, List<string> problems)
    {
        if (configured.GetSection(nameof(ControlOptions.RequiredChannels)).Exists() && options.RequiredChannels.Length > 0)
        {
            foreach (var name in options.RequiredChannels)
            {
                if (!unitChannels.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{ControlOptions.Section}:RequiredChannels names '{name}', which is not one of Ads1299:Channels ({string.Join(", ", unitChannels)}); it would never be reported and nothing could arm.");
                }
            }

            return;
        }

        if (manifest is null)
        {
            options.RequiredChannels = [.. unitChannels];
            return;
        }

        // The unit's spelling of each model channel (the manifest may write CZ for Cz); one the unit lacks stays as it
        // is, and the decoder refuses that model anyway.
        options.RequiredChannels = [.. manifest.Channels.Select(model => unitChannels.FirstOrDefault(unit => string.Equals(unit, model, StringComparison.OrdinalIgnoreCase)) ?? model)];
        notes.Add($"required channels from the model: {string.Join(", ", options.RequiredChannels)}");
    }

    /// <summary>
    /// Logs what each class asks for. A policy under which every decision asks to move (no class means stop) is refused
    /// for a real actuator, and only noted for a simulated one; with no model known at start-up (one may be placed later)
    /// a real actuator's policy must itself map a class to stop.
    /// </summary>
    private static void DescribePolicy(ControlOptions options, ActuatorRegistration? registration, ModelManifest? manifest, List<string> notes, List<string> problems)
    {
        var policy = options.EffectivePolicy;
        var real = registration is { IsSimulated: false };
        if (manifest is null)
        {
            notes.Add("policy: " + string.Join(", ", policy.Select(entry => $"{entry.Key} -> {entry.Value}")));
            if (real && !policy.Values.Any(MeansStop))
            {
                problems.Add($"{ControlOptions.Section}:Policy ({string.Join(", ", policy.Select(entry => $"{entry.Key} -> {entry.Value}"))}) maps no class to stop, and no model's classes are known at start-up: "
                    + $"a {registration!.Platform} ({options.Actuator}) is not driven by a policy under which a model may ask to move on every decision; map the rest class to stop.");
            }

            return;
        }

        var mapped = manifest.Classes.Select(name => policy.TryGetValue(name, out var command) ? $"{name} -> {command}" : $"{name} -> stop (no policy entry)").ToList();
        notes.Add($"policy for the model's classes: {string.Join(", ", mapped)}");
        var unused = policy.Keys.Where(name => !manifest.Classes.Contains(name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unused.Count > 0)
        {
            notes.Add($"policy entries for classes the model does not have: {string.Join(", ", unused)}");
        }

        var stops = manifest.Classes.Any(name => !policy.TryGetValue(name, out var command) || MeansStop(command));
        if (stops)
        {
            return;
        }

        if (real)
        {
            problems.Add($"{ControlOptions.Section}:Policy maps every class of the model ({string.Join(", ", mapped)}) to a movement: a {registration!.Platform} ({options.Actuator}) is not driven when every decision asks to move; "
                + "map a rest class to stop (or leave it without a policy entry), or use a model with a rest class.");
        }
        else
        {
            notes.Add("the model has no rest class: every decision asks to move, so the platform stops when the evidence or the window's confidence drops, or the decoded class changes");
        }
    }

    /// <summary>A policy command that leaves the platform neutral (an unparsable one is refused by Validate).</summary>
    private static bool MeansStop(string command) => IntentCommands.TryParse(command, out var intent) && intent == IntentCommand.Stop;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
