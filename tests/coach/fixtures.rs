//! Replays every `NAME.txt` model reply in the fixtures folder through
//! `parse_advice` and compares the parsed titles with `NAME.expected.json`
//! (a JSON array of the expected titles, in parse order). The parsed items
//! are then scored to check bounds and determinism on realistic input.

use nextarget_core::coach::{parse_advice, score_advice};
use std::fs;
use std::path::{Path, PathBuf};

const FIXTURES_DIR: &str = "tests/fixtures/coach";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES_DIR)
}

fn fixture_pairs() -> Vec<(String, PathBuf, PathBuf)> {
    let mut pairs = Vec::new();
    let entries = fs::read_dir(fixtures_dir()).expect("fixtures folder is readable");
    for entry in entries {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if let Some(stem) = name.strip_suffix(".txt") {
            let expected = path.with_file_name(format!("{stem}.expected.json"));
            assert!(expected.exists(), "missing {}", expected.display());
            pairs.push((stem.to_string(), path, expected));
        }
    }
    pairs.sort();
    pairs
}

#[test]
fn every_fixture_parses_to_expected_titles() {
    let pairs = fixture_pairs();
    assert!(
        pairs.len() >= 10,
        "expected at least 10 fixtures, found {}",
        pairs.len()
    );
    let mut failures = Vec::new();
    for (name, reply, expected) in &pairs {
        let reply = fs::read_to_string(reply).expect("fixture reply is UTF-8");
        let expected: Vec<String> =
            serde_json::from_str(&fs::read_to_string(expected).expect("expected file"))
                .expect("expected file is a JSON array of strings");
        let got: Vec<String> = parse_advice(&reply).into_iter().map(|a| a.title).collect();
        if got != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixture mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn fixture_items_are_clean_and_scores_bounded() {
    for (name, reply, _) in fixture_pairs() {
        let items = parse_advice(&fs::read_to_string(reply).expect("fixture reply"));
        for a in &items {
            assert!(
                !a.title.trim().is_empty() && !a.detail.trim().is_empty(),
                "{name}: {a:?}"
            );
            assert!(a.title.chars().count() <= 120 && a.detail.chars().count() <= 600);
            assert!(!a.title.contains("**"), "{name}: markdown left in {a:?}");
            assert!(a.impact.is_none_or(|v| (0.0..=1.0).contains(&v)));
            assert!(a.effort.is_none_or(|v| (0.0..=1.0).contains(&v)));
        }
        let goal = "courir un 10 km en moins de 50 minutes / sleep better / lose 5 kg";
        let scored = score_advice(goal, items.clone());
        assert_eq!(
            scored,
            score_advice(goal, items),
            "{name}: not deterministic"
        );
        assert!(scored.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(scored.iter().all(|s| (0.0..=1.0).contains(&s.score)));
    }
}
