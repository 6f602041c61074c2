using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// The page's files from wwwroot: index.html for /, ETag and Last-Modified so a tablet revalidates instead of
/// downloading again, explicit types for the few kinds the page has. No directory listing; the file provider refuses
/// paths leaving the web root and hidden files.
/// </summary>
internal static class StaticAssets
{
    public static void Use(WebApplication app, string webRoot)
    {
        var files = new PhysicalFileProvider(webRoot);
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".mjs"] = "text/javascript; charset=utf-8";
        types.Mappings[".css"] = "text/css; charset=utf-8";
        types.Mappings[".html"] = "text/html; charset=utf-8";
        types.Mappings[".svg"] = "image/svg+xml";
        types.Mappings[".json"] = "application/json; charset=utf-8";
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = types,
            ServeUnknownFileTypes = false,

            // no-cache = use the copy only after the unit confirmed its ETag: an updated page shows on the next load.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
    }
}
