//! The dependency rule of DESIGN.md. Cargo enforces it once `src/core` and
//! `ports/` are packages whose manifests list no framework or driver; what
//! Cargo cannot see is someone adding one to those manifests. This test
//! reads them.

use std::path::Path;

const FORBIDDEN: [&str; 8] = [
    "poem",
    "poem-openapi",
    "sqlx",
    "reqwest",
    "redis",
    "metrics-exporter-prometheus",
    "nextarget-adapters",
    "nextarget",
];

/// The dependency names a manifest lists, in any of its dependency tables.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.contains("dependencies");
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            if let Some(name) = line.split(['=', '.', ' ']).next() {
                names.push(name.trim().to_owned());
            }
        }
    }
    names
}

fn offences(package_dir: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(package_dir)
        .join("Cargo.toml");
    let manifest = std::fs::read_to_string(&path).expect("readable manifest");
    let deps = dependencies(&manifest);
    assert!(!deps.is_empty(), "{} lists dependencies", path.display());
    deps.into_iter()
        .filter(|dep| FORBIDDEN.contains(&dep.as_str()))
        .collect()
}

#[test]
fn the_core_package_lists_nothing_but_ports_and_plain_libraries() {
    assert_eq!(offences("src/core"), Vec::<String>::new());
}

#[test]
fn the_ports_package_lists_no_framework_or_driver() {
    assert_eq!(offences("ports"), Vec::<String>::new());
}

#[test]
fn the_manifest_reader_sees_each_forbidden_crate() {
    for krate in FORBIDDEN {
        let manifest = format!("[dependencies]\n{krate}.workspace = true\n");
        assert_eq!(dependencies(&manifest), vec![krate.to_owned()]);
        let manifest = format!("[dev-dependencies]\n{krate} = {{ version = \"1\" }}\n");
        assert_eq!(dependencies(&manifest), vec![krate.to_owned()]);
    }
    assert!(dependencies("[package]\nname = \"poem\"\n").is_empty());
}
