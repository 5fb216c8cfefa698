// The console's files are embedded from `web-ui/dist` (read from disk in
// debug builds, but the folder is resolved when this crate compiles): rebuild
// when the console is built or rebuilt, so the binary never serves a stale
// console or the "not built" page after a build.
fn main() {
    println!("cargo:rerun-if-changed=../../web-ui/dist");
}
