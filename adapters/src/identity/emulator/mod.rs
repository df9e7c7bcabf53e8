//! The identity emulator (`oauth.emulator = true`; refused in production),
//! like Firebase's Auth Emulator: Google, Facebook and Apple served by the
//! server itself, so a tester signs in with made-up accounts through the real
//! client code. The emulator plays the provider's side only: its authorize
//! page, its codes, its token endpoint, its keys, Facebook's Graph `/me`
//! and `debug_token`, Apple's form post back to the callback, and the
//! tokens a native SDK would give the app. The real provider adapters are
//! pointed at it ([`IdentityEmulator::google_config`],
//! [`IdentityEmulator::facebook_config`], [`IdentityEmulator::apple_config`])
//! and run unchanged, exchange and id_token checks included, as does
//! everything after them.
//!
//! Its signing key is committed (`emulator_key.pem`): it is no secret,
//! since tokens it signs are trusted only by a server whose providers point
//! at this emulator, which production refuses. Codes and made-up accounts
//! live in this process's memory (the emulator serves one developer's
//! machine).

mod page;
mod tokens;

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use nextarget_ports::Provider;
use rand::{rngs::SysRng, TryRng};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

pub use page::AuthorizeQuery;

use super::{AppleConfig, AppleSigningKey, AppleWebConfig, FacebookConfig, GoogleConfig};

/// How long a code the emulator issued may be exchanged.
const CODE_TTL: Duration = Duration::from_secs(300);

/// Why the emulator refuses a request (each becomes a 400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmulatorError {
    #[error("unknown, used or expired code")]
    InvalidCode,
    #[error("the code_verifier does not match the code_challenge")]
    InvalidVerifier,
    #[error("unknown access token")]
    InvalidAccessToken,
    #[error("{0}")]
    BadRequest(String),
}

/// A made-up account, as the tester typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub email: String,
    pub sub: String,
    pub name: Option<String>,
}

/// What a code proves, until it is exchanged.
struct Grant {
    provider: Provider,
    account: Account,
    nonce: Option<String>,
    code_challenge: Option<String>,
    expires: Instant,
}

pub struct IdentityEmulator {
    /// Where the server (and so the emulator) answers, e.g.
    /// `http://127.0.0.1:8000`.
    base: String,
    keys: tokens::Keys,
    codes: Mutex<HashMap<String, Grant>>,
    /// Facebook access tokens it issued, and whose they are.
    facebook_tokens: Mutex<HashMap<String, Account>>,
    /// Accounts used so far, per provider, for the page's quick picks.
    accounts: Mutex<Vec<(Provider, Account)>>,
    /// The authorize requests whose page was served, by `state`: a form
    /// posted with only `state` (and the account) finds the rest here.
    pending: Mutex<HashMap<String, AuthorizeQuery>>,
}

/// The most pending authorize requests kept (the oldest go first).
const MAX_PENDING: usize = 1024;

/// 256 random bits, URL-safe.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Like `OsRng`: a failing OS source is fatal.
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the OS random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The emulator's stable subject for an email the tester gave none for.
fn subject_for(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn provider_path(provider: Provider) -> &'static str {
    match provider {
        Provider::Facebook => "facebook",
        Provider::Apple => "apple",
        _ => "google",
    }
}

/// How the browser goes back to the callback: a redirect with the code in
/// the query (Google, Facebook), or a page posting a form (Apple's
/// `form_post`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Return {
    Redirect(String),
    FormPost(String),
}

impl IdentityEmulator {
    /// An emulator answering at `base` (the server's own address).
    ///
    /// # Errors
    /// When the committed key cannot be read (a broken build).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            keys: tokens::Keys::load()?,
            codes: Mutex::new(HashMap::new()),
            facebook_tokens: Mutex::new(HashMap::new()),
            accounts: Mutex::new(Vec::new()),
            pending: Mutex::new(HashMap::new()),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// The issuer of its Google id_tokens.
    pub fn google_issuer(&self) -> String {
        self.url("emulator/google")
    }

    /// The issuer of its Facebook Limited Login id_tokens.
    pub fn facebook_issuer(&self) -> String {
        self.url("emulator/facebook")
    }

    /// Google's adapter configuration, pointed at the emulator.
    pub fn google_config(&self) -> GoogleConfig {
        GoogleConfig {
            client_id: tokens::GOOGLE_CLIENT_ID.into(),
            client_secret: SecretString::from("emulator-google-secret".to_owned()),
            redirect_uri: self.url("auth/google/callback"),
            auth_url: self.url("emulator/google/authorize"),
            token_url: self.url("emulator/google/token"),
            jwks_url: self.url("emulator/google/jwks"),
            issuers: vec![self.google_issuer()],
            native_client_ids: Vec::new(),
        }
    }

    /// Apple's adapter configuration, pointed at the emulator: its client
    /// secret is signed with a committed emulator key, like the rest no
    /// secret.
    ///
    /// # Errors
    /// When the committed key cannot be read (a broken build).
    pub fn apple_config(&self) -> anyhow::Result<AppleConfig> {
        let key = AppleSigningKey::from_pem(include_str!("emulator_apple_client_key.p8"))
            .map_err(|e| anyhow::anyhow!("the emulator's Apple key: {e}"))?;
        Ok(AppleConfig {
            client_id: Some(tokens::APPLE_CLIENT_ID.into()),
            native_client_ids: Vec::new(),
            jwks_url: self.url("emulator/apple/jwks"),
            web: Some(AppleWebConfig {
                client_id: tokens::APPLE_CLIENT_ID.into(),
                team_id: "EMULATOR01".into(),
                key_id: "EMULATORK1".into(),
                private_key: key,
                redirect_uri: self.url("auth/apple/callback"),
                auth_url: self.url("emulator/apple/authorize"),
                token_url: self.url("emulator/apple/token"),
            }),
        })
    }

    /// Facebook's adapter configuration, pointed at the emulator.
    pub fn facebook_config(&self) -> FacebookConfig {
        FacebookConfig {
            client_id: tokens::FACEBOOK_APP_ID.into(),
            client_secret: SecretString::from("emulator-facebook-secret".to_owned()),
            redirect_uri: self.url("auth/facebook/callback"),
            auth_url: self.url("emulator/facebook/authorize"),
            graph_url: self.url("emulator/facebook"),
            jwks_url: self.url("emulator/facebook/jwks"),
            issuer: self.facebook_issuer(),
        }
    }

    fn remember(&self, provider: Provider, account: &Account) {
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.retain(|(p, a)| !(*p == provider && a.email == account.email));
            accounts.push((provider, account.clone()));
        }
    }

    /// The accounts used so far with `provider`, newest first.
    pub fn accounts(&self, provider: Provider) -> Vec<Account> {
        self.accounts
            .lock()
            .map(|accounts| {
                accounts
                    .iter()
                    .rev()
                    .filter(|(p, _)| *p == provider)
                    .map(|(_, a)| a.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The account the form describes (a subject derived from the email
    /// when none is given).
    fn account(
        email: &str,
        sub: Option<&str>,
        name: Option<&str>,
    ) -> Result<Account, EmulatorError> {
        let email = email.trim();
        if email.is_empty() || !email.contains('@') || email.len() > 320 {
            return Err(EmulatorError::BadRequest("an email is required".into()));
        }
        let sub = sub
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(|| subject_for(email), str::to_owned);
        Ok(Account {
            email: email.to_owned(),
            sub,
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        })
    }

    /// The tester submitted the authorize page: a code for the account,
    /// and where to send the browser (the provider's callback, as the real
    /// provider would).
    ///
    /// # Errors
    /// `BadRequest` without an email or a redirect URI of this server.
    pub fn authorize(
        &self,
        provider: Provider,
        query: &AuthorizeQuery,
        email: &str,
        sub: Option<&str>,
        name: Option<&str>,
    ) -> Result<Return, EmulatorError> {
        let query = &self.completed(query);
        let expected = self.url(&format!("auth/{}/callback", provider_path(provider)));
        let redirect = query.redirect_uri.as_deref().unwrap_or(expected.as_str());
        if redirect != expected {
            return Err(EmulatorError::BadRequest(format!(
                "redirect_uri must be {expected}"
            )));
        }
        let account = Self::account(email, sub, name)?;
        self.remember(provider, &account);
        let code = random_token();
        if let Ok(mut codes) = self.codes.lock() {
            let now = Instant::now();
            codes.retain(|_, g| g.expires > now);
            codes.insert(
                code.clone(),
                Grant {
                    provider,
                    account,
                    nonce: query.nonce.clone(),
                    code_challenge: query.code_challenge.clone(),
                    expires: now + CODE_TTL,
                },
            );
        }
        let state = query.state.as_deref().unwrap_or_default();
        if provider == Provider::Apple {
            return Ok(Return::FormPost(page::form_post(redirect, &code, state)));
        }
        let mut location = url::Url::parse(redirect)
            .map_err(|_| EmulatorError::BadRequest("redirect_uri is not a URL".into()))?;
        location
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", state);
        Ok(Return::Redirect(location.into()))
    }

    /// Takes the grant of `code` for `provider` (once).
    fn take(&self, provider: Provider, code: &str) -> Result<Grant, EmulatorError> {
        let grant = self
            .codes
            .lock()
            .ok()
            .and_then(|mut codes| codes.remove(code))
            .ok_or(EmulatorError::InvalidCode)?;
        if grant.provider != provider || grant.expires <= Instant::now() {
            return Err(EmulatorError::InvalidCode);
        }
        Ok(grant)
    }

    /// Google's (or Apple's) token endpoint: the code (with its PKCE
    /// verifier when the flow had one) for an id_token, as `{"id_token",
    /// "access_token", "token_type"}`.
    ///
    /// # Errors
    /// `InvalidCode`, `InvalidVerifier`.
    pub fn google_token(
        &self,
        code: &str,
        code_verifier: Option<&str>,
    ) -> Result<serde_json::Value, EmulatorError> {
        self.token(Provider::Google, code, code_verifier)
    }

    /// The token endpoint of `provider` (Google or Apple).
    ///
    /// # Errors
    /// `InvalidCode`, `InvalidVerifier`.
    pub fn token(
        &self,
        provider: Provider,
        code: &str,
        code_verifier: Option<&str>,
    ) -> Result<serde_json::Value, EmulatorError> {
        let grant = self.take(provider, code)?;
        if let Some(challenge) = &grant.code_challenge {
            let verifier = code_verifier.unwrap_or_default();
            let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if &digest != challenge {
                return Err(EmulatorError::InvalidVerifier);
            }
        }
        let id_token = self.id_token_for(provider, &grant.account, grant.nonce.as_deref())?;
        Ok(serde_json::json!({
            "id_token": id_token,
            "access_token": random_token(),
            "token_type": "Bearer",
            "expires_in": 3599,
        }))
    }

    /// The id_token `provider` would sign for `account`.
    fn id_token_for(
        &self,
        provider: Provider,
        account: &Account,
        nonce: Option<&str>,
    ) -> Result<String, EmulatorError> {
        let (issuer, audience) = match provider {
            Provider::Apple => (
                super::apple::APPLE_ISSUER.to_owned(),
                tokens::APPLE_CLIENT_ID,
            ),
            Provider::Facebook => (self.facebook_issuer(), tokens::FACEBOOK_APP_ID),
            _ => (self.google_issuer(), tokens::GOOGLE_CLIENT_ID),
        };
        self.keys
            .id_token(&issuer, audience, account, nonce)
            .map_err(|e| EmulatorError::BadRequest(e.to_string()))
    }

    /// An id_token for native sign-in (`POST /auth/register` with
    /// `provider: google`, `apple`, or `facebook` as iOS Limited Login
    /// gives it), for a made-up account.
    ///
    /// # Errors
    /// `BadRequest` without an email, or for a provider without native
    /// id_tokens here.
    pub fn native_id_token(
        &self,
        provider: Provider,
        email: &str,
        sub: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, EmulatorError> {
        if !matches!(
            provider,
            Provider::Google | Provider::Apple | Provider::Facebook
        ) {
            return Err(EmulatorError::BadRequest(format!(
                "no native id_token for {provider} in the emulator"
            )));
        }
        let account = Self::account(email, sub, None)?;
        self.remember(provider, &account);
        self.id_token_for(provider, &account, nonce)
    }

    /// A Facebook SDK user access token for a made-up account, as the app
    /// would get from `LoginManager` (for `POST /auth/register` with
    /// `access_token`).
    ///
    /// # Errors
    /// `BadRequest` without an email.
    pub fn facebook_sdk_token(
        &self,
        email: &str,
        sub: Option<&str>,
    ) -> Result<String, EmulatorError> {
        let account = Self::account(email, sub, None)?;
        self.remember(Provider::Facebook, &account);
        Ok(self.facebook_token_for(account))
    }

    fn facebook_token_for(&self, account: Account) -> String {
        let token = random_token();
        if let Ok(mut tokens) = self.facebook_tokens.lock() {
            tokens.insert(token.clone(), account);
        }
        token
    }

    /// Graph's `debug_token`: what it says of `input_token`, one of its own
    /// (valid, issued to its app, an hour left) or not (`is_valid` false),
    /// always with a 200 as Graph answers.
    pub fn facebook_debug_token(&self, input_token: &str) -> serde_json::Value {
        let account = self
            .facebook_tokens
            .lock()
            .ok()
            .and_then(|tokens| tokens.get(input_token).cloned());
        match account {
            Some(account) => {
                let now = chrono::Utc::now().timestamp();
                serde_json::json!({"data": {
                    "app_id": tokens::FACEBOOK_APP_ID, "type": "USER",
                    "application": "NexTarget (emulated)", "is_valid": true,
                    "issued_at": now, "expires_at": now + 3600,
                    "scopes": ["public_profile", "email"], "user_id": account.sub,
                }})
            }
            None => serde_json::json!({"data": {
                "error": {"code": 190, "message": "Invalid OAuth access token."},
                "is_valid": false, "scopes": [],
            }}),
        }
    }

    /// The JWKS its id_tokens verify with.
    pub fn jwks(&self) -> serde_json::Value {
        self.keys.jwks()
    }

    /// Facebook's `oauth/access_token`: the code for an access token.
    ///
    /// # Errors
    /// `InvalidCode`.
    pub fn facebook_access_token(&self, code: &str) -> Result<serde_json::Value, EmulatorError> {
        let grant = self.take(Provider::Facebook, code)?;
        let token = self.facebook_token_for(grant.account);
        Ok(serde_json::json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": 5_183_944,
        }))
    }

    /// Facebook's Graph `/me?fields=id,email`.
    ///
    /// # Errors
    /// `InvalidAccessToken`.
    pub fn facebook_me(&self, access_token: &str) -> Result<serde_json::Value, EmulatorError> {
        let account = self
            .facebook_tokens
            .lock()
            .ok()
            .and_then(|tokens| tokens.get(access_token).cloned())
            .ok_or(EmulatorError::InvalidAccessToken)?;
        Ok(serde_json::json!({ "id": account.sub, "email": account.email }))
    }

    /// The authorize page's HTML for `provider` with the provider's query,
    /// which is kept by its `state` for the form's post.
    pub fn authorize_page(&self, provider: Provider, query: &AuthorizeQuery) -> String {
        if let (Some(state), Ok(mut pending)) = (&query.state, self.pending.lock()) {
            if pending.len() >= MAX_PENDING {
                pending.clear();
            }
            pending.insert(state.clone(), query.clone());
        }
        page::render(provider, query, &self.accounts(provider))
    }

    /// `query` with what it lacks taken from the page served for its state.
    fn completed(&self, query: &AuthorizeQuery) -> AuthorizeQuery {
        let served = query
            .state
            .as_ref()
            .and_then(|state| self.pending.lock().ok()?.remove(state))
            .unwrap_or_default();
        AuthorizeQuery {
            redirect_uri: query.redirect_uri.clone().or(served.redirect_uri),
            state: query.state.clone(),
            nonce: query.nonce.clone().or(served.nonce),
            code_challenge: query.code_challenge.clone().or(served.code_challenge),
        }
    }
}

#[cfg(test)]
mod tests;
