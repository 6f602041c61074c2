using EdgeBci.Web.Seams;

namespace EdgeBci.Web.Hosting;

/// <summary>What the firmware gives the page's server: its view of the unit, the live traces, STOP and the camp's runs.</summary>
public sealed record WearerPageSeams(IUnitView Unit, ILiveTraceSource Traces, IStopRequester Stop, ICampJobs Camp);
