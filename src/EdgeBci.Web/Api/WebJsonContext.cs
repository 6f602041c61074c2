using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Api;

/// <summary>
/// Source-generated JSON for every type the API reads or writes (camelCase, no reflection, trimming-safe). Request
/// bodies are strict: an unknown property or a number in quotes is an error naming it.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PairRequest))]
[JsonSerializable(typeof(WearerCreateRequest))]
[JsonSerializable(typeof(CalibrationStartRequest))]
[JsonSerializable(typeof(NeurofeedbackStartRequest))]
[JsonSerializable(typeof(ErrorAnswer))]
[JsonSerializable(typeof(RateLimitedAnswer))]
[JsonSerializable(typeof(PairedAnswer))]
[JsonSerializable(typeof(UnitAnswer))]
[JsonSerializable(typeof(HistoryAnswer))]
[JsonSerializable(typeof(StatusEvent))]
[JsonSerializable(typeof(ElectrodeSnapshot))]
[JsonSerializable(typeof(StopAnswer))]
[JsonSerializable(typeof(CampRun))]
[JsonSerializable(typeof(WearerRecord))]
[JsonSerializable(typeof(IReadOnlyList<WearerRecord>))]
internal sealed partial class WebJsonContext : JsonSerializerContext
{
    /// <summary>
    /// For camp events: their data is a record the firmware's jobs define (the seam types it as object), so what this
    /// context does not know is described by reflection, once per type.
    /// </summary>
    public static JsonSerializerOptions CampEventOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()),
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
