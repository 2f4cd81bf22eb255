//! Rebuilds the crate when the embedded demo tenant changes: `include_dir!` (src/demo.rs) cannot
//! tell cargo which files it read, so a fixture added or edited would otherwise leave a binary
//! serving the old seed.

fn main() {
    println!("cargo:rerun-if-changed=fixtures/tenants/demo");
    println!("cargo:rerun-if-changed=build.rs");
}
