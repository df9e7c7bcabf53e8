//! Unit tests of `parse_json.rs`.

use super::*;

fn titles(s: &str) -> Vec<String> {
    parse_json_items(s).into_iter().map(|i| i.title).collect()
}

#[test]
fn finds_object_array_fence_and_preamble() {
    assert_eq!(titles(r#"{"advice":[{"title":"A","detail":"x"}]}"#), ["A"]);
    assert_eq!(titles(r#"[{"titre":"B","texte":"y"}]"#), ["B"]);
    assert_eq!(
        titles("Voici :\n```json\n{\"conseils\":[{\"conseil\":\"C\"}]}\n```"),
        ["C"]
    );
    assert_eq!(
        titles("Sure! Here you go: {\"tips\": [{\"name\": \"D\"}]} Enjoy."),
        ["D"]
    );
    assert_eq!(
        titles(r#"{"data":{"recommendations":[{"title":"E"}]}}"#),
        ["E"]
    );
}

#[test]
fn repairs_and_salvages() {
    assert_eq!(
        titles("[{\"title\": \"A\",}, {\"title\": \"B\"},]"),
        ["A", "B"]
    );
    let truncated =
        r#"{"advice": [{"title": "A", "detail": "x"}, {"title": "B"}, {"title": "C", "det"#;
    assert_eq!(titles(truncated), ["A", "B"]);
    assert!(titles("no json {here} [1, 2]").is_empty());
}

#[test]
fn reads_ratings_and_categories() {
    let items =
        parse_json_items(r#"[{"title":"A","impact":"élevé","effort":2,"categorie":"sommeil"}]"#);
    assert_eq!(items[0].impact, Some(Rating::Norm(1.0)));
    assert_eq!(items[0].effort, Some(Rating::Raw(2.0)));
    assert_eq!(items[0].category.as_deref(), Some("sommeil"));
}
