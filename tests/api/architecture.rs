//! The dependency rule of DESIGN.md: `src/core` knows only the ports.

use std::path::Path;

const FORBIDDEN: [&str; 6] = [
    "poem",
    "poem_openapi",
    "sqlx",
    "reqwest",
    "redis",
    "nextarget_adapters",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The offending lines of one file's text.
fn violations(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let code = line.split("//").next().unwrap_or_default();
            FORBIDDEN.iter().any(|krate| {
                code.contains(&format!("{krate}::"))
                    || code.trim_start().starts_with(&format!("use {krate}"))
                    || code.contains(&format!("extern crate {krate}"))
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_core_imports_nothing_but_ports_and_plain_libraries() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"),
        &mut files,
    );
    assert!(!files.is_empty(), "src/core has Rust files");
    let offences: Vec<String> = files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("readable");
            violations(&text)
                .into_iter()
                .map(move |line| format!("{}: {}", path.display(), line.trim()))
        })
        .collect();
    assert!(
        offences.is_empty(),
        "src/core reaches past its ports:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_rule_catches_each_forbidden_crate() {
    for krate in FORBIDDEN {
        assert_eq!(
            violations(&format!("use {krate}::Something;")).len(),
            1,
            "{krate}"
        );
        assert_eq!(
            violations(&format!("let x = {krate}::thing();")).len(),
            1,
            "{krate}"
        );
    }
    assert!(violations("use nextarget_ports::User; // not sqlx:: here").is_empty());
}
