//! `Clock` on the system's wall clock.

use chrono::{DateTime, SubsecRound, Utc};
use nextarget_ports::Clock;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Microsecond precision: what both databases store, so a value read
    /// back equals the value written.
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
