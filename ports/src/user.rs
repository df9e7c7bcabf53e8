//! Users and the providers they sign in with.

use chrono::{DateTime, Utc};
use std::{fmt, str::FromStr};
use uuid::Uuid;

use crate::{email::Email, password::PasswordHash};

pub type UserId = Uuid;

/// How a user signs in. Each provider has its own namespace of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Local,
    Google,
    Facebook,
    Apple,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Google => "google",
            Provider::Facebook => "facebook",
            Provider::Apple => "apple",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "local" => Ok(Provider::Local),
            "google" => Ok(Provider::Google),
            "facebook" => Ok(Provider::Facebook),
            "apple" => Ok(Provider::Apple),
            other => Err(format!("unknown provider {other:?}")),
        }
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub provider: Provider,
    /// The provider's own id for this account (`sub` for Google and
    /// Apple, the Facebook user id); `None` for local accounts.
    pub provider_subject: Option<String>,
    /// Present for local accounts only.
    pub password_hash: Option<PasswordHash>,
    pub created_at: DateTime<Utc>,
}

/// A user about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub provider: Provider,
    pub provider_subject: Option<String>,
    pub password_hash: Option<PasswordHash>,
    pub created_at: DateTime<Utc>,
}

impl From<NewUser> for User {
    fn from(new: NewUser) -> Self {
        User {
            id: new.id,
            email: new.email,
            provider: new.provider,
            provider_subject: new.provider_subject,
            password_hash: new.password_hash,
            created_at: new.created_at,
        }
    }
}
