//! Unit tests of `parse_list.rs`.

use super::*;

fn pairs(s: &str) -> Vec<(String, String)> {
    parse_list_items(s)
        .into_iter()
        .map(|i| (i.title, i.detail))
        .collect()
}

#[test]
fn numbered_with_bold_titles() {
    let r = "Voici mes conseils :\n\n1. **Hydratation** : buvez 2 L par jour.\n2) **Sommeil** - dormez 8 h.\n\nBon courage !";
    assert_eq!(
        pairs(r),
        [
            ("Hydratation".into(), "buvez 2 L par jour.".into()),
            ("Sommeil".into(), "dormez 8 h.".into())
        ]
    );
}

#[test]
fn bullets_and_title_then_indented_detail() {
    let r = "- Walk: 30 minutes every day\n* Stretch\n    Hold each stretch 30 s.\n    Twice a day.\n• Drink water";
    let p = pairs(r);
    assert_eq!(p.len(), 3);
    assert_eq!(p[0], ("Walk".into(), "30 minutes every day".into()));
    assert_eq!(
        p[1],
        (
            "Stretch".into(),
            "Hold each stretch 30 s. Twice a day.".into()
        )
    );
    assert_eq!(p[2].1, "Drink water");
}

#[test]
fn nested_bullets_belong_to_numbered_item() {
    let r = "1. **Fractionné**\n- 10 min d'échauffement\n- 6 x 400 m\n2. **Footing**\n- 45 min";
    let p = pairs(r);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].1, "10 min d'échauffement; 6 x 400 m");
    assert_eq!(strip_number("Conseil 3 : Marchez"), Some("Marchez"));
    assert_eq!(strip_number("10 km en 50 min"), None);
    assert_eq!(strip_number("1.5 L d'eau"), None);
}

#[test]
fn no_markers_no_items() {
    assert!(parse_list_items("Just some prose.\nNothing listed here.").is_empty());
    assert!(parse_list_items("---\n***\n").is_empty());
}
