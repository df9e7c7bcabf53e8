//! Unit tests of `parse.rs`.

use super::*;

#[test]
fn ratings_normalise() {
    let n = |s: &str, scale| parse_rating(s).and_then(|r| normalize_rating(r, scale));
    assert_eq!(n("5", 5.0), Some(1.0));
    assert_eq!(n("1", 5.0), Some(0.0));
    assert_eq!(n("3", 5.0), Some(0.5));
    assert_eq!(n("10", 10.0), Some(1.0));
    assert_eq!(n("Élevé", 5.0), Some(1.0));
    assert_eq!(n("moyen", 5.0), Some(0.5));
    assert_eq!(n("low", 5.0), Some(0.0));
    assert_eq!(n("4/5", 5.0), Some(0.75));
    assert_eq!(n("banana", 5.0), None);
    assert_eq!(n("NaN", 5.0), None);
    assert_eq!(n("-3", 5.0), None);
}

#[test]
fn splits_title_and_detail() {
    let (t, d) = split_title_detail("Hydratez-vous. Buvez 2 litres d'eau par jour.");
    assert_eq!(
        (t.as_str(), d.as_str()),
        ("Hydratez-vous", "Buvez 2 litres d'eau par jour.")
    );
    let long =
        "Courez lentement trois fois par semaine, en gardant une allure où vous pouvez parler";
    assert_eq!(
        split_title_detail(long).0,
        "Courez lentement trois fois par semaine"
    );
    assert_eq!(split_title_detail("Dormez 8 heures").0, "Dormez 8 heures");
}

#[test]
fn dedupes_and_caps() {
    let item = |t: &str| RawItem {
        title: t.into(),
        detail: format!("{t} detail text"),
        ..Default::default()
    };
    let raw = vec![
        item("**Sleep 8h**"),
        item("sleep 8h"),
        RawItem::default(),
        item("Walk daily"),
    ];
    let out = finalize(raw);
    assert_eq!(
        out.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
        ["Sleep 8h", "Walk daily"]
    );
    let many: Vec<RawItem> = (0..50)
        .map(|i| item(&format!("tip number {i} about topic{i}")))
        .collect();
    assert_eq!(finalize(many).len(), MAX_ITEMS_CAP);
}

#[test]
fn empty_and_garbage_yield_nothing() {
    assert!(parse_advice("").is_empty());
    assert!(parse_advice("   \n\t ").is_empty());
    assert!(parse_advice("Désolé, je ne peux pas répondre.").is_empty());
    assert!(parse_advice("{{{[[[").is_empty());
}
