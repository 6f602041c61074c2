namespace EdgeBci.Telemetry.Tests.Broker;

/// <summary>
/// The deployed ACL's verdicts, one table for two brokers: the embedded broker's matcher
/// (<see cref="BrokerAccessListTests"/>) and a real mosquitto with the same file (<see cref="Mosquitto.BrokerAclTests"/>).
/// </summary>
internal static class AclVerdicts
{
    /// <summary>identity, topic, "read" or "write", allowed.</summary>
    public static readonly object[] Cases =
    [
        new object[] { "unit-1", "edgebci/v1/unit-1/status", "write", true },
        new object[] { "unit-1", "edgebci/v1/unit-1/telemetry", "write", true },
        new object[] { "unit-1", "edgebci/v1/unit-1/events", "write", true },
        new object[] { "unit-1", "homeassistant/sensor/edgebci_unit-1/state/config", "write", true },
        new object[] { "unit-1", "edgebci/v1/replies/dashboard/42", "write", true },
        new object[] { "unit-1", "edgebci/v1/unit-2/status", "write", false },
        new object[] { "unit-1", "edgebci/v1/unit-2/cmd/stop", "write", false },
        new object[] { "unit-1", "edgebci/v1/unit-1/cmd/stop", "write", false },
        new object[] { "unit-1", "edgebci/v1/unit-1/cmd/stop", "read", true },
        new object[] { "unit-1", "edgebci/v1/unit-2/cmd/stop", "read", false },
        new object[] { "unit-1", "edgebci/v1/replies/dashboard/42", "read", false },
        new object[] { "dashboard", "edgebci/v1/unit-1/cmd/stop", "write", true },
        new object[] { "dashboard", "edgebci/v1/replies/dashboard/session-1", "write", true },
        new object[] { "dashboard", "edgebci/v1/replies/dashboard/session-1", "read", true },
        new object[] { "dashboard", "edgebci/v1/unit-1/telemetry", "read", true },
        new object[] { "dashboard", "edgebci/v1/unit-1/status", "write", false },
        new object[] { "dashboard", "edgebci/v1/unit-1/telemetry", "write", false },
        new object[] { "dashboard", "edgebci/v1/unit-1/events", "write", false },
        new object[] { "dashboard", "edgebci/v1/ghost-7/status", "write", false },
        new object[] { "dashboard", "edgebci/v1/dashboard/status", "write", false },
        new object[] { "dashboard", "edgebci/v1/dashboard/telemetry", "write", false },
        new object[] { "dashboard", "homeassistant/sensor/edgebci_dashboard/x/config", "write", false },
        new object[] { "observer", "edgebci/v1/unit-1/telemetry", "read", true },
        new object[] { "observer", "edgebci/v1/unit-1/cmd/stop", "write", false },
        new object[] { "observer", "edgebci/v1/unit-1/status", "write", false },
        new object[] { "observer", "edgebci/v1/observer/status", "write", false },
        new object[] { "observer", "edgebci/v1/replies/dashboard/1", "write", false },
        new object[] { "observer", "edgebci/v1/replies/dashboard/1", "read", false },
    ];
}
