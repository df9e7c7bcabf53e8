//! The audit trail: one structured log line (target `nextarget::audit`, at
//! `info`) and one `Metrics::auth_event` per auth event, with the user,
//! the session (a refresh-token family) and the client IP when known; the
//! request id comes with the request's span. Never a secret.

use std::{fmt, net::IpAddr};

use nextarget_ports::{AuthEvent, UserId};
use uuid::Uuid;

use super::AuthService;

/// Whom an event concerns; what is unknown stays empty.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Subject {
    pub user_id: Option<UserId>,
    pub session_id: Option<Uuid>,
    pub client_ip: Option<IpAddr>,
}

/// An optional field, `-` when absent (one shape for log readers).
struct Field<T>(Option<T>);

impl<T: fmt::Display> fmt::Display for Field<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("-"),
        }
    }
}

impl AuthService {
    pub(crate) fn audit(&self, event: AuthEvent, who: Subject) {
        tracing::info!(
            target: "nextarget::audit",
            event = event.as_str(),
            user_id = %Field(who.user_id),
            session_id = %Field(who.session_id),
            client_ip = %Field(who.client_ip),
            "auth event"
        );
        self.ports.metrics.auth_event(event);
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn an_absent_field_reads_as_a_dash() {
        assert_eq!(Field::<u8>(None).to_string(), "-");
        assert_eq!(Field(Some(7)).to_string(), "7");
    }
}
