using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>The training camp on the unit (section "Camp"): where wearers live, what calibration runs and what it installs.</summary>
internal sealed class CampOptions
{
    public const string Section = "Camp";

    /// <summary>Folder holding wearers/; empty: /var/lib/edgebci when writable, else the temp folder's edgebci (WearerFolder.ResolveRoot).</summary>
    public string WearersFolder { get; set; } = string.Empty;

    /// <summary>The calibration protocol file, relative to the firmware's folder unless absolute.</summary>
    public string Protocol { get; set; } = "protocols/rest-left-right.json";

    /// <summary>The base model a wearer's model is adapted from, relative to the firmware's folder unless absolute.</summary>
    public string BaseModel { get; set; } = "models/base-rest-left-right";

    /// <summary>Emulator only: annotated recordings that stand in for the wearer, one per block, in order; empty: the protocol's schedule.</summary>
    public string[] ReplayedWearer { get; set; } = [];

    /// <summary>How the replayed recordings play: RealTime (as a wearer would take) or FreeRunning (as fast as the machine allows).</summary>
    public string ReplayPacing { get; set; } = nameof(EmulatorPacing.RealTime);

    /// <summary>Whether a model the gate passed is written into Decoding:ModelPath (the decoder swaps it in only while disarmed).</summary>
    public bool InstallPassedModel { get; set; } = true;

    /// <exception cref="ArgumentException">A Camp key is invalid (named, with what is allowed).</exception>
    public static CampOptions Bind(IConfiguration configuration, string board, string contentRoot)
    {
        var options = AcquisitionSettings.BindSection<CampOptions>(configuration, Section);
        var problems = options.Validate(board, contentRoot);
        return problems.Count == 0 ? options : throw new ArgumentException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>The protocol file's full path.</summary>
    public string ProtocolPath(string contentRoot) => Path.GetFullPath(Protocol, contentRoot);

    /// <summary>The base model's full path.</summary>
    public string BaseModelPath(string contentRoot) => Path.GetFullPath(BaseModel, contentRoot);

    /// <summary>The replayed recordings' full paths.</summary>
    public string[] ReplayedPaths(string contentRoot) => Array.ConvertAll(ReplayedWearer, path => Path.GetFullPath(path, contentRoot));

    /// <summary>Every value out of range, by key.</summary>
    public IReadOnlyList<string> Validate(string board, string contentRoot)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Protocol))
        {
            problems.Add($"{Section}:Protocol is empty; give the calibration protocol file (default protocols/rest-left-right.json)");
        }

        if (string.IsNullOrWhiteSpace(BaseModel))
        {
            problems.Add($"{Section}:BaseModel is empty; give the base model's folder (default models/base-rest-left-right)");
        }

        if (!Enum.TryParse<EmulatorPacing>(ReplayPacing, ignoreCase: true, out _))
        {
            problems.Add($"{Section}:ReplayPacing = '{ReplayPacing}' is not allowed; allowed: RealTime | FreeRunning");
        }

        if (ReplayedWearer.Length > 0 && board != "emulator")
        {
            problems.Add($"{Section}:ReplayedWearer: recordings stand in for the wearer on the emulator only (Board = {board}); leave it empty on a real board");
        }
        else if (ReplayedWearer.Length == 1)
        {
            problems.Add($"{Section}:ReplayedWearer has 1 recording; the gate tests on the last block, which training never sees, so give at least 2 (one per block)");
        }

        for (var i = 0; i < ReplayedWearer.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(ReplayedWearer[i]) || !File.Exists(Path.GetFullPath(ReplayedWearer[i], contentRoot)))
            {
                problems.Add($"{Section}:ReplayedWearer:{i} = '{ReplayedWearer[i]}': no such recording (relative paths are from {contentRoot})");
            }
        }

        return problems;
    }
}
