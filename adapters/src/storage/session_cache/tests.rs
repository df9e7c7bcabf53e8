use chrono::{Duration, TimeZone, Utc};
use nextarget_ports::{Email, Provider, User};

use super::*;

fn live(user: UserId, hours: i64) -> LiveSession {
    let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("time");
    LiveSession {
        user: User {
            id: user,
            email: Email::parse("c@example.com").expect("email"),
            provider: Provider::Local,
            provider_subject: None,
            password_hash: None,
            created_at: now,
        },
        expires_at: now + Duration::hours(hours),
    }
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().expect("time")
}

#[test]
fn nothing_is_cached_or_served_while_the_channel_is_down() {
    let cache = SessionCache::new();
    let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
    cache.put(session, &live(user, 1), cache.generation());
    assert!(cache.is_empty());
    cache.set_live(true);
    cache.put(session, &live(user, 1), cache.generation());
    assert!(cache.get(user, session, now()).is_some());
    cache.set_live(false);
    assert!(cache.get(user, session, now()).is_none());
    cache.set_live(true);
    assert!(
        cache.get(user, session, now()).is_none(),
        "starts empty again"
    );
}

#[test]
fn an_entry_serves_its_own_user_until_its_session_ends() {
    let cache = SessionCache::new();
    cache.set_live(true);
    let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
    cache.put(session, &live(user, 1), cache.generation());
    assert!(
        cache.get(Uuid::now_v7(), session, now()).is_none(),
        "another user"
    );
    assert!(
        cache
            .get(user, session, now() + Duration::hours(1))
            .is_none(),
        "expired"
    );
}

#[test]
fn invalidations_drop_one_session_or_all_of_a_user() {
    let cache = SessionCache::new();
    cache.set_live(true);
    let user = Uuid::now_v7();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let other = Uuid::now_v7();
    let theirs = Uuid::now_v7();
    for (s, u) in [(a, user), (b, user), (theirs, other)] {
        cache.put(s, &live(u, 1), cache.generation());
    }
    cache.invalidate(user, Some(a));
    assert!(cache.get(user, a, now()).is_none());
    assert!(cache.get(user, b, now()).is_some());
    cache.invalidate(user, None);
    assert!(cache.get(user, b, now()).is_none());
    assert!(cache.get(other, theirs, now()).is_some());
}

#[test]
fn a_lookup_that_raced_an_invalidation_is_not_cached() {
    let cache = SessionCache::new();
    cache.set_live(true);
    let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
    let before = cache.generation();
    // The session ended while the lookup ran.
    cache.invalidate(user, Some(session));
    cache.put(session, &live(user, 1), before);
    assert!(cache.get(user, session, now()).is_none());
}

#[test]
fn payloads_round_trip_and_garbage_is_none() {
    let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(
        parse_payload(&payload(user, Some(session))),
        Some((user, Some(session)))
    );
    assert_eq!(parse_payload(&payload(user, None)), Some((user, None)));
    assert_eq!(parse_payload("nope"), None);
    assert_eq!(parse_payload(&format!("{user}:x")), None);
}
