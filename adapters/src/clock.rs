//! `Clock` on the system's wall clock.

use chrono::{DateTime, Utc};
use nextarget_ports::Clock;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
