//! Canned coaching advice for [`super::fake::FakeLlm`].
//!
//! Each topic has six items per language, one per line as
//! `title|detail|category|impact|effort`; `{goal}` in a detail is replaced by
//! the user's goal. `category` is a stable English key, `impact` and `effort`
//! are `high`, `medium` or `low` in both languages.

use serde_json::{json, Value};

const RUNNING_EN: &str = "\
Build an aerobic base|For \"{goal}\", run 3 times a week at an easy pace (you can still talk) for 30-40 minutes, for the first 4 weeks.|training|high|medium
Add one weekly interval session|Once a week, after a 10-minute warm-up, run 6 x 400 m at a hard pace with 90 s of walking between reps, to get closer to \"{goal}\".|training|high|high
Increase volume by at most 10% a week|Log every km and keep the weekly increase under 10%; every 4th week cut volume by 30% to absorb the load of \"{goal}\".|planning|medium|low
Do one long run on weekends|Make Sunday's run 20-30% of the weekly km, at an easy pace, adding 1 km each week toward \"{goal}\".|training|high|medium
Strengthen legs and core twice a week|Twice a week, 20 minutes: 3 x 12 squats, 3 x 10 lunges per leg, 3 x 30 s plank; it lowers injury risk on the way to \"{goal}\".|strength|medium|medium
Protect recovery|Sleep 7-9 hours, keep at least 1 rest day a week and eat within 60 minutes after hard sessions.|recovery|medium|low";

const RUNNING_FR: &str = "\
Construire une base d'endurance|Pour « {goal} », courez 3 fois par semaine à allure facile (vous pouvez parler) pendant 30 à 40 minutes, durant les 4 premières semaines.|training|high|medium
Ajouter une séance de fractionné|Une fois par semaine, après 10 minutes d'échauffement, courez 6 x 400 m à allure soutenue avec 90 s de marche entre chaque, pour progresser vers « {goal} ».|training|high|high
Augmenter le volume de 10 % maximum par semaine|Notez chaque km et gardez une hausse hebdomadaire sous 10 % ; toutes les 4 semaines, réduisez le volume de 30 % pour assimiler « {goal} ».|planning|medium|low
Faire une sortie longue le week-end|La sortie du dimanche représente 20 à 30 % des km de la semaine, à allure facile, en ajoutant 1 km par semaine vers « {goal} ».|training|high|medium
Renforcer jambes et gainage deux fois par semaine|Deux fois par semaine, 20 minutes : 3 x 12 squats, 3 x 10 fentes par jambe, 3 x 30 s de gainage ; cela limite les blessures sur la route de « {goal} ».|strength|medium|medium
Soigner la récupération|Dormez 7 à 9 heures, gardez au moins 1 jour de repos par semaine et mangez dans les 60 minutes après les séances dures.|recovery|medium|low";

const SLEEP_EN: &str = "\
Fix your wake-up time|For \"{goal}\", get up at the same time every day, weekends included (within 30 minutes), for at least 3 weeks.|habit|high|medium
Stop screens 60 minutes before bed|Put phones and laptops away 1 hour before bed; read or stretch for 15-20 minutes instead.|habit|high|medium
Cut caffeine after 2 pm|No coffee, tea or energy drinks after 14:00; caffeine's half-life of 5-6 hours works against \"{goal}\".|nutrition|medium|low
Keep the bedroom cool and dark|Aim for 17-19 °C, blackout curtains and no light sources; test it for 2 weeks.|environment|medium|low
Get 20 minutes of daylight each morning|Walk outside for 20 minutes within 1 hour of waking to anchor your body clock toward \"{goal}\".|habit|medium|low
Track sleep for 14 nights|Note bedtime, wake time and a 1-5 quality score every morning for 14 nights, then adjust one habit at a time.|tracking|low|low";

const SLEEP_FR: &str = "\
Fixer l'heure du réveil|Pour « {goal} », levez-vous à la même heure tous les jours, week-end compris (à 30 minutes près), pendant au moins 3 semaines.|habit|high|medium
Couper les écrans 60 minutes avant le coucher|Rangez téléphone et ordinateur 1 heure avant de dormir ; lisez ou étirez-vous 15 à 20 minutes à la place.|habit|high|medium
Pas de caféine après 14 h|Ni café, ni thé, ni boisson énergisante après 14 h : la demi-vie de 5 à 6 heures de la caféine nuit à « {goal} ».|nutrition|medium|low
Une chambre fraîche et sombre|Visez 17 à 19 °C, des rideaux occultants et aucune source lumineuse ; testez pendant 2 semaines.|environment|medium|low
20 minutes de lumière du jour le matin|Marchez dehors 20 minutes dans l'heure qui suit le réveil pour caler votre horloge interne sur « {goal} ».|habit|medium|low
Suivre son sommeil 14 nuits|Notez coucher, réveil et une note de qualité de 1 à 5 chaque matin pendant 14 nuits, puis changez une habitude à la fois.|tracking|low|low";

const WEIGHT_EN: &str = "\
Set a moderate calorie deficit|For \"{goal}\", eat about 300-500 kcal below maintenance; aim to lose 0.5 kg a week at most.|nutrition|high|medium
Put protein in every meal|Eat 1.6 g of protein per kg of body weight a day, spread over 3-4 meals, to keep muscle while working on \"{goal}\".|nutrition|high|medium
Walk 8,000 steps a day|Add a 30-minute walk daily and raise your average by 1,000 steps a week until you reach 8,000-10,000.|activity|medium|low
Strength train twice a week|Two 40-minute full-body sessions a week (squats, push-ups, rows) preserve muscle during \"{goal}\".|training|medium|medium
Weigh in weekly, same conditions|Weigh yourself once a week, in the morning before breakfast, and judge the 4-week trend, not single days.|tracking|medium|low
Swap sugary drinks for water|Replace sodas and juices with 1.5-2 L of water a day; that alone can save 200+ kcal daily.|nutrition|medium|low";

const WEIGHT_FR: &str = "\
Viser un déficit calorique modéré|Pour « {goal} », mangez environ 300 à 500 kcal sous vos besoins ; visez au plus 0,5 kg perdu par semaine.|nutrition|high|medium
Des protéines à chaque repas|Consommez 1,6 g de protéines par kg de poids et par jour, répartis sur 3 à 4 repas, pour garder le muscle pendant « {goal} ».|nutrition|high|medium
Marcher 8 000 pas par jour|Ajoutez 30 minutes de marche par jour et augmentez votre moyenne de 1 000 pas par semaine jusqu'à 8 000 à 10 000.|activity|medium|low
Renforcement musculaire deux fois par semaine|Deux séances de 40 minutes par semaine (squats, pompes, tirages) préservent le muscle pendant « {goal} ».|training|medium|medium
Se peser chaque semaine, mêmes conditions|Pesez-vous une fois par semaine, le matin à jeun, et jugez la tendance sur 4 semaines, pas au jour le jour.|tracking|medium|low
Remplacer les boissons sucrées par de l'eau|Remplacez sodas et jus par 1,5 à 2 L d'eau par jour ; cela seul peut économiser plus de 200 kcal par jour.|nutrition|medium|low";

const STRENGTH_EN: &str = "\
Train each muscle group twice a week|For \"{goal}\", follow a 3-day full-body plan (e.g. Mon/Wed/Fri), 45-60 minutes per session.|training|high|medium
Use progressive overload|Add 2.5 kg or 1 rep to your main lifts every week; when you stall 2 weeks in a row, deload by 10%.|training|high|medium
Focus on compound lifts|Build sessions around squat, deadlift, bench press and rows: 3-4 sets of 6-10 reps each.|training|high|medium
Eat enough protein|Eat 1.6-2 g of protein per kg of body weight daily and a small calorie surplus (+200 kcal) to fuel \"{goal}\".|nutrition|high|medium
Rest 48 hours between sessions for the same muscles|Keep at least 48 h between sessions that hit the same muscles and sleep 7-9 hours.|recovery|medium|low
Log every workout|Write down exercises, sets, reps and loads; review the log every 4 weeks to check progress toward \"{goal}\".|tracking|medium|low";

const STRENGTH_FR: &str = "\
Travailler chaque groupe musculaire deux fois par semaine|Pour « {goal} », suivez un programme full-body sur 3 jours (ex. lun/mer/ven), 45 à 60 minutes par séance.|training|high|medium
Appliquer la surcharge progressive|Ajoutez 2,5 kg ou 1 répétition sur vos exercices principaux chaque semaine ; après 2 semaines de stagnation, allégez de 10 %.|training|high|medium
Privilégier les mouvements polyarticulaires|Construisez vos séances autour du squat, soulevé de terre, développé couché et rowing : 3 à 4 séries de 6 à 10 répétitions.|training|high|medium
Manger assez de protéines|Consommez 1,6 à 2 g de protéines par kg de poids par jour et un léger surplus (+200 kcal) pour nourrir « {goal} ».|nutrition|high|medium
48 heures de repos entre deux séances des mêmes muscles|Gardez au moins 48 h entre deux séances sollicitant les mêmes muscles et dormez 7 à 9 heures.|recovery|medium|low
Noter chaque séance|Notez exercices, séries, répétitions et charges ; relisez votre carnet toutes les 4 semaines pour mesurer « {goal} ».|tracking|medium|low";

const GENERIC_EN: &str = "\
Make the goal measurable|Rewrite \"{goal}\" as a number and a date (what, how much, by when) and write it down today.|planning|high|low
Break it into weekly steps|Split \"{goal}\" into 4-week milestones and plan 3 concrete actions for each week.|planning|high|medium
Schedule fixed time slots|Block 3 sessions of 30 minutes a week in your calendar, at the same times, for \"{goal}\".|habit|high|medium
Start small to build the habit|For the first 2 weeks, do only 10 minutes a day; consistency beats intensity at the start.|habit|medium|low
Track progress weekly|Every Sunday, spend 10 minutes noting what you did and rating your progress from 1 to 10.|tracking|medium|low
Find accountability|Tell one person about \"{goal}\" and send them a short update every 2 weeks.|motivation|medium|low";

const GENERIC_FR: &str = "\
Rendre l'objectif mesurable|Reformulez « {goal} » avec un chiffre et une date (quoi, combien, pour quand) et écrivez-le dès aujourd'hui.|planning|high|low
Découper en étapes hebdomadaires|Divisez « {goal} » en jalons de 4 semaines et prévoyez 3 actions concrètes pour chaque semaine.|planning|high|medium
Bloquer des créneaux fixes|Réservez 3 créneaux de 30 minutes par semaine dans votre agenda, aux mêmes heures, pour « {goal} ».|habit|high|medium
Commencer petit pour installer l'habitude|Les 2 premières semaines, contentez-vous de 10 minutes par jour : la régularité prime sur l'intensité au début.|habit|medium|low
Suivre ses progrès chaque semaine|Chaque dimanche, prenez 10 minutes pour noter ce que vous avez fait et évaluer vos progrès de 1 à 10.|tracking|medium|low
Trouver un soutien|Parlez de « {goal} » à une personne et envoyez-lui un court point d'étape toutes les 2 semaines.|motivation|medium|low";

const GOAL_MAX_CHARS: usize = 120;

/// FNV-1a: a hash that is stable across runs, platforms and Rust versions.
pub(super) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// French when the text asks for French, or reads French (common words).
pub(super) fn is_french(text: &str) -> bool {
    let lower = text.to_lowercase();
    if ["in french", "en français", "language: fr", "\"fr\""]
        .iter()
        .any(|m| lower.contains(m))
    {
        return true;
    }
    if ["in english", "language: en", "\"en\""]
        .iter()
        .any(|m| lower.contains(m))
    {
        return false;
    }
    const FRENCH: [&str; 20] = [
        "le", "la", "les", "de", "des", "du", "je", "j", "veux", "pour", "et", "un", "une", "mon",
        "ma", "mes", "est", "avec", "objectif", "conseils",
    ];
    words(text)
        .iter()
        .filter(|w| FRENCH.contains(&w.as_str()))
        .count()
        >= 2
}

/// The goal: inside a `<<<GOAL ... GOAL>>>` block (the coaching prompt's
/// shape), else after a `goal:`/`objectif :` label, else the first non-empty
/// line; at most [`GOAL_MAX_CHARS`] characters.
fn extract_goal(user: &str) -> String {
    let fenced = user
        .split_once("<<<GOAL")
        .and_then(|(_, rest)| rest.split_once("GOAL>>>"))
        .map(|(inside, _)| inside.trim())
        .filter(|g| !g.is_empty());
    let labelled = fenced.or_else(|| {
        user.lines().find_map(|line| {
            let lower = line.trim().to_lowercase();
            ["goal", "objectif"]
                .iter()
                .any(|l| lower.starts_with(l))
                .then(|| line.split_once(':').map(|(_, rest)| rest))
                .flatten()
                .filter(|rest| !rest.trim().is_empty())
        })
    });
    let goal = labelled
        .or_else(|| user.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .trim_matches(|c| c == '"' || c == '«' || c == '»')
        .trim();
    let goal: String = goal.chars().take(GOAL_MAX_CHARS).collect();
    if goal.is_empty() {
        "your goal".to_owned()
    } else {
        goal
    }
}

fn templates(goal: &str, french: bool) -> &'static str {
    let w = words(goal);
    let has = |keys: &[&str]| w.iter().any(|t| keys.contains(&t.as_str()));
    let running = has(&[
        "run", "running", "courir", "course", "km", "marathon", "jogging", "5k", "10k",
    ]) || w.iter().any(|t| t.ends_with("km"));
    let pick = |en, fr| if french { fr } else { en };
    if running {
        pick(RUNNING_EN, RUNNING_FR)
    } else if has(&["sleep", "sommeil", "dormir", "insomnia", "insomnie"]) {
        pick(SLEEP_EN, SLEEP_FR)
    } else if has(&["weight", "poids", "kg", "kilos", "maigrir", "mincir", "fat"]) {
        pick(WEIGHT_EN, WEIGHT_FR)
    } else if has(&[
        "strength",
        "muscle",
        "muscles",
        "musculation",
        "force",
        "stronger",
    ]) {
        pick(STRENGTH_EN, STRENGTH_FR)
    } else {
        pick(GENERIC_EN, GENERIC_FR)
    }
}

/// The JSON advice object for the goal found in `user`.
pub(super) fn advice_json(user: &str, french: bool) -> String {
    let goal = extract_goal(user);
    let items: Vec<Value> = templates(&goal, french)
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            let [title, detail, category, impact, effort] = f.as_slice() else {
                return None;
            };
            Some(json!({
                "title": title,
                "detail": detail.replace("{goal}", &goal),
                "category": category,
                "impact": impact,
                "effort": effort,
            }))
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "advice": items })).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_topic_language_and_goal() {
        let out = advice_json("Objectif : courir 10 km en 50 minutes", true);
        let v: Value = serde_json::from_str(&out).unwrap_or_default();
        let items = v["advice"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 6);
        assert!(items[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("courir 10 km en 50 minutes"));
        assert!(items[0]["title"]
            .as_str()
            .unwrap_or("")
            .contains("endurance"));
        assert!(advice_json("Goal: sleep better", false).contains("Fix your wake-up time"));
        assert!(advice_json("I want to lose weight", false).contains("calorie deficit"));
        assert!(advice_json("build muscle", false).contains("progressive overload"));
        assert!(advice_json("learn Spanish", false).contains("measurable"));
    }

    #[test]
    fn detects_french() {
        assert!(is_french("Je veux perdre du poids pour l'été"));
        assert!(!is_french("I want to run a marathon"));
        assert!(is_french("Answer in French."));
    }
}
