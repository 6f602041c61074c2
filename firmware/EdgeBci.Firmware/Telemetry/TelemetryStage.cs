using EdgeBci.Acquisition.Configuration;
using EdgeBci.Telemetry;

namespace EdgeBci.Firmware;

/// <summary>
/// The telemetry stage's configuration (sections <c>Mqtt</c> and <c>Recording</c>), bound strictly and checked before
/// any hardware is touched, so a bad key ends start-up with its name and exit code 2, and the folder the event journal
/// keeps undelivered events in.
/// </summary>
internal sealed class TelemetryStage
{
    private TelemetryStage(MqttOptions mqtt, RecordingOptions recording, string eventQueueFolder, string brokerCredentialsFile, string deviceId)
    {
        BrokerCredentialsFile = brokerCredentialsFile;
        Mqtt = mqtt;
        Recording = recording;
        EventQueueFolder = eventQueueFolder;
        DeviceId = deviceId;
    }

    public MqttOptions Mqtt { get; }

    public RecordingOptions Recording { get; }

    /// <summary>Where undelivered events wait: Mqtt:EventQueuePath, else /var/lib/edgebci/events on a unit, else the temp folder's edgebci-events-&lt;device&gt;.</summary>
    public string EventQueueFolder { get; }

    /// <summary>The embedded broker's users and passwords: Mqtt:EmbeddedCredentialsFile, else /var/lib/edgebci/broker/credentials.json on a unit, else the temp folder's edgebci-broker-&lt;device&gt;/credentials.json.</summary>
    public string BrokerCredentialsFile { get; }

    public string DeviceId { get; }

    /// <exception cref="ArgumentException">An Mqtt or Recording key is unknown or invalid; the message names every one.</exception>
    public static TelemetryStage Create(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mqtt = AcquisitionSettings.BindSection<MqttOptions>(configuration, MqttOptions.SectionName);
        var recording = AcquisitionSettings.BindSection<RecordingOptions>(configuration, RecordingOptions.Section);
        var problems = new List<string>(mqtt.Validate());
        problems.AddRange(recording.Validate());
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        var deviceId = mqtt.ResolveDeviceId();
        var credentials = mqtt.EmbeddedCredentialsFile.Length > 0
            ? Path.GetFullPath(mqtt.EmbeddedCredentialsFile)
            : Path.Combine(UnitFolders.Resolve(string.Empty, "broker", "edgebci-broker-" + deviceId), "credentials.json");
        return new TelemetryStage(mqtt, recording, UnitFolders.Resolve(mqtt.EventQueuePath, "events", "edgebci-events-" + deviceId), credentials, deviceId);
    }
}
