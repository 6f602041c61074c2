using System.Text.RegularExpressions;

namespace EdgeBci.Benchmarks.Web;

/// <summary>
/// What a browser downloads on its first visit to the page: index.html and, transitively, every same-origin asset it
/// references (script and link tags, ES module imports, CSS url() and @import), each counted as the bytes served.
/// </summary>
internal static partial class FirstLoad
{
    public static async Task<IReadOnlyList<(string Path, long Bytes)>> MeasureAsync(HttpClient client, Uri page)
    {
        var found = new List<(string Path, long Bytes)>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { page.AbsolutePath };
        var pending = new Queue<Uri>([page]);
        while (pending.Count > 0)
        {
            var url = pending.Dequeue();
            using var answer = await client.GetAsync(url);
            if (!answer.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"first load: GET {url.AbsolutePath} answered {(int)answer.StatusCode}; the page references it.");
            }

            var body = await answer.Content.ReadAsByteArrayAsync();
            found.Add((url.AbsolutePath, body.LongLength));
            foreach (var reference in References(url.AbsolutePath, System.Text.Encoding.UTF8.GetString(body)))
            {
                if (!Uri.TryCreate(url, reference, out var next) || next.Authority != page.Authority || next.Scheme != page.Scheme)
                {
                    continue; // another site (there should be none: no CDN) or not a URL
                }

                if (seen.Add(next.AbsolutePath))
                {
                    pending.Enqueue(new Uri(next.GetLeftPart(UriPartial.Path)));
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> References(string path, string text)
    {
        var patterns = path.EndsWith(".css", StringComparison.OrdinalIgnoreCase) ? [CssUrl(), CssImport()]
            : path.EndsWith(".js", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase) ? [ModuleImport()]
            : new[] { HtmlAttribute(), ModuleImport(), CssUrl() };
        foreach (var pattern in patterns)
        {
            foreach (Match match in pattern.Matches(text))
            {
                var reference = match.Groups["url"].Value.Trim();
                if (reference.Length > 0 && !reference.StartsWith('#') && !reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                    && !reference.StartsWith("/api/", StringComparison.Ordinal))
                {
                    yield return reference;
                }
            }
        }
    }

    [GeneratedRegex("""<(?:script|link|img|source|audio)\b[^>]*?\b(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAttribute();

    [GeneratedRegex("""(?:\b(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bimport\s*\(\s*)["'](?<url>[^"']+)["']""")]
    private static partial Regex ModuleImport();

    [GeneratedRegex("""url\(\s*["']?(?<url>[^"')]+)["']?\s*\)""")]
    private static partial Regex CssUrl();

    [GeneratedRegex("""@import\s+["'](?<url>[^"']+)["']""")]
    private static partial Regex CssImport();
}
