//! Rebuilds this crate when a migration is added: `sqlx::migrate!` embeds
//! `migrations/` at compile time, and Cargo only reruns a macro when a file
//! it already knows changes. Without this, a new migration file leaves the
//! server (and the tests) migrating to the schema of the previous build.
//! This is the build script sqlx recommends.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
