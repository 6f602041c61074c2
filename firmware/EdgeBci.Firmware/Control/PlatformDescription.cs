using System.Globalization;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;

namespace EdgeBci.Firmware;

/// <summary>What the platform behind the actuator is doing, in words, for the STOP and once-a-second logs.</summary>
internal static class PlatformDescription
{
    /// <summary>The driven platform: the actuator inside an emulation link, or the actuator itself.</summary>
    public static IActuator Platform(IActuator actuator) => actuator is BoardWatchdogLink link ? link.Inner : actuator;

    /// <summary>What the simulated platform was doing when its command went neutral (it then brakes at its fastest).</summary>
    public static string AtStop(IActuator actuator) => Platform(actuator) switch
    {
        SimulatedWheelchair chair when chair.State is var state && state.IsMoving =>
            string.Create(CultureInfo.InvariantCulture, $"the simulated wheelchair was moving at speed {state.Speed:0.00} m/s turn {state.TurnRate:0.00} rad/s and brakes"),
        SimulatedWheelchair => "the simulated wheelchair was standing still",
        SimulatedHand hand => $"the simulated hand holds ({(hand.AtTarget ? "at its grip" : "mid-way")})",
        var other => $"{other.Kind} output {other.Output}",
    };
}
