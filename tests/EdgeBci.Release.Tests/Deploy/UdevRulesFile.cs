using System.Text.RegularExpressions;

namespace EdgeBci.Release.Tests.Deploy;

/// <summary>One udev rule: its line and its comma-separated <c>KEY op "value"</c> pairs as written.</summary>
internal sealed record UdevRule(int Line, IReadOnlyList<(string Key, string Operator, string Value)> Pairs)
{
    public string? Match(string key) => Pairs.FirstOrDefault(p => p.Key == key && p.Operator == "==").Value;

    public string? Assigned(string key) => Pairs.FirstOrDefault(p => p.Key == key && p.Operator is "=" or ":=").Value;

    public IEnumerable<string> Runs => Pairs.Where(p => p.Key == "RUN" && p.Operator == "+=").Select(p => p.Value);
}

/// <summary>The rules of a udev .rules file, one per non-comment line (our rules use no continuation lines).</summary>
internal sealed partial class UdevRulesFile
{
    private UdevRulesFile(IReadOnlyList<UdevRule> rules) => Rules = rules;

    public IReadOnlyList<UdevRule> Rules { get; }

    public static UdevRulesFile Load(string path)
    {
        var rules = new List<UdevRule>();
        var lines = File.ReadAllLines(path);
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var pairs = new List<(string, string, string)>();
            var rest = line;
            while (rest.Length > 0)
            {
                var match = Pair().Match(rest);
                if (!match.Success)
                {
                    throw new FormatException($"{path} line {index + 1}: expected KEY==\"value\", KEY=\"value\" or KEY+=\"value\" at: {rest}");
                }

                pairs.Add((match.Groups["key"].Value, match.Groups["op"].Value, match.Groups["value"].Value));
                rest = rest[match.Length..];
            }

            rules.Add(new UdevRule(index + 1, pairs));
        }

        return new UdevRulesFile(rules);
    }

    /// <summary>Every group the rules give something to: GROUP= of device nodes and <c>chgrp</c> of sysfs files.</summary>
    public IReadOnlySet<string> Groups()
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Rules)
        {
            if (rule.Assigned("GROUP") is { } group)
            {
                groups.Add(group);
            }

            foreach (var run in rule.Runs)
            {
                var chgrp = Chgrp().Match(run);
                if (chgrp.Success)
                {
                    groups.Add(chgrp.Groups["group"].Value);
                }
            }
        }

        return groups;
    }

    [GeneratedRegex("""^\s*(?<key>[A-Z]+(\{[^}]*\})?)\s*(?<op>==|!=|\+=|:=|=)\s*"(?<value>[^"]*)"\s*(,|$)""")]
    private static partial Regex Pair();

    [GeneratedRegex(@"^/bin/chgrp (?<group>\S+) ")]
    private static partial Regex Chgrp();
}
