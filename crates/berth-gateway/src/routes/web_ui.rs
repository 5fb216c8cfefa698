//! The web console: the files of `web-ui/dist`, embedded in release builds.
//! Unknown paths without a file extension get `index.html`, so the console's
//! client-side routes survive a reload.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web-ui/dist/"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Berth</title></head>
<body>
<h1>Berth</h1>
<p>The registry and its API are running. The web console has not been built
into this binary: run <code>npm --prefix web-ui ci &amp;&amp; npm --prefix web-ui run build</code>,
then rebuild <code>berth</code>.</p>
<p>API: <a href="/api/v2.0/ping">/api/v2.0/ping</a> &middot; health: <a href="/api/v2.0/health">/api/v2.0/health</a></p>
</body></html>
"#;

pub fn serve(path: &str) -> HttpResponse {
    let wanted = path.trim_start_matches('/');
    let (name, file) = match Assets::get(wanted) {
        Some(file) if !wanted.is_empty() => (wanted, file),
        _ => {
            let looks_like_asset = wanted
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains('.'));
            match Assets::get("index.html") {
                Some(index) if !looks_like_asset => ("index.html", index),
                Some(_) => return HttpResponse::NotFound().finish(),
                None => {
                    return HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(NOT_BUILT);
                }
            }
        }
    };
    // Vite fingerprints everything under assets/; index.html must be revalidated.
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.metadata.mimetype()))
        .insert_header((CACHE_CONTROL, cache))
        .body(file.data.into_owned())
}
