use chrono::{DateTime, Utc};
use nextarget_ports::{Provider, User};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "Provider", rename_all = "lowercase")]
pub enum ProviderName {
    Local,
    Google,
    Facebook,
    Apple,
}

impl From<Provider> for ProviderName {
    fn from(p: Provider) -> Self {
        match p {
            Provider::Local => ProviderName::Local,
            Provider::Google => ProviderName::Google,
            Provider::Facebook => ProviderName::Facebook,
            Provider::Apple => ProviderName::Apple,
        }
    }
}

/// A user account.
#[derive(Debug, Clone, Object)]
#[oai(rename = "User")]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub provider: ProviderName,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.as_str().to_owned(),
            provider: u.provider.into(),
            created_at: u.created_at,
        }
    }
}
