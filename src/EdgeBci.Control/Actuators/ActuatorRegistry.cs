using EdgeBci.Control.Actuators.DifferentialDrive;
using EdgeBci.Control.Actuators.Mcp4922;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Actuators.Simulated;

namespace EdgeBci.Control.Actuators;

/// <summary>The one list of actuator kinds: one line per driver, in the order the documentation lists them.</summary>
public static class ActuatorRegistry
{
    public static IReadOnlyList<ActuatorRegistration> All { get; } =
    [
        new SimulatedWheelchairRegistration(),
        new JoystickDacRegistration(),
        new DifferentialDriveRegistration(),
        new ProstheticHandRegistration(),
        new SimulatedHandRegistration(),
    ];

    /// <summary>The registration <paramref name="name"/> spells (exactly, as <c>Control:Actuator</c> is matched), or null.</summary>
    public static ActuatorRegistration? Find(string? name)
    {
        foreach (var registration in All)
        {
            if (string.Equals(registration.Name, name, StringComparison.Ordinal))
            {
                return registration;
            }
        }

        return null;
    }
}
