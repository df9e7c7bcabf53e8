//! What the tests that run the real `nextarget` binary share
//! (`tests/ops/shutdown.rs`, `tests/traces/collector_down.rs`, the cluster
//! test): SIGTERM to it, and the history id a completion's answer names.

use serde_json::Value;
use tokio::process::Child;
use uuid::Uuid;

/// Sends SIGTERM to `child` (still running: not yet waited for).
pub fn sigterm(child: &Child) {
    let pid = i32::try_from(child.id().expect("a running child")).expect("pid fits");
    // SAFETY: kill takes plain integers, no memory; the pid is our own
    // child's, not yet waited for, so it cannot name another process.
    #[allow(unsafe_code)]
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM to pid {pid}");
}

/// The history id of a completion answered 200 with body `text`: the JSON
/// `id`, or the `done` event's when `streamed` (`None` for a stream cut
/// before its end).
pub fn answered_id(text: &str, streamed: bool) -> Option<Uuid> {
    let body: Value = if streamed {
        let done = text.split("event: done").nth(1)?;
        let data = done.lines().find_map(|l| l.strip_prefix("data: "))?;
        serde_json::from_str(data).ok()?
    } else {
        serde_json::from_str(text).ok()?
    };
    body["id"].as_str()?.parse().ok()
}
