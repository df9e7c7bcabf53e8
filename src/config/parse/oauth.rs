//! `oauth.*`: each provider on when its credentials are all set, its URLs
//! parsed, Apple's signing key read; the app links a web flow may end in.

use nextarget_adapters::identity::AppleSigningKey;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{absolute_url, endpoint, given, given_secret, list, Problems};
use crate::config::{
    raw::{RawApple, RawFacebook, RawGoogle},
    AppleSettings, AppleWebSettings, FacebookSettings, GoogleSettings,
};

/// A provider's client id, client secret and redirect URI.
struct Credentials {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Url,
}

/// `Some` when all three are set and not blank; `None` when any is not:
/// the provider is then off (one or two of them leave it off, as before the
/// typed settings, not refused). A malformed redirect URI is refused.
fn credentials(
    provider: &str,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
) -> Result<Option<Credentials>, String> {
    let redirect_uri = given(redirect_uri)
        .map(|uri| absolute_url(&format!("{provider}.redirect_uri"), &uri))
        .transpose()?;
    Ok(
        match (given(client_id), given_secret(client_secret), redirect_uri) {
            (Some(client_id), Some(client_secret), Some(redirect_uri)) => Some(Credentials {
                client_id,
                client_secret,
                redirect_uri,
            }),
            _ => None,
        },
    )
}

/// An `oauth.app_redirect_urls` entry, kept as written: an absolute URL
/// (a custom scheme like `nextarget://auth`, or an `https` link) with no
/// fragment, since the callback appends its query to it.
pub(super) fn app_link(entry: String) -> Result<String, String> {
    let url = absolute_url("oauth.app_redirect_urls", &entry)?;
    if url.fragment().is_some() {
        return Err(format!(
            "oauth.app_redirect_urls: {entry:?} has a fragment (#...); an app link takes none"
        ));
    }
    Ok(entry)
}

pub(super) fn google(raw: RawGoogle, p: &mut Problems) -> Option<Option<GoogleSettings>> {
    let credentials = p.ok(credentials(
        "oauth.google",
        raw.client_id,
        raw.client_secret,
        raw.redirect_uri,
    ));
    let auth_url = p.ok(endpoint("oauth.google.auth_url", &raw.auth_url));
    let token_url = p.ok(endpoint("oauth.google.token_url", &raw.token_url));
    let jwks_url = p.ok(endpoint("oauth.google.jwks_url", &raw.jwks_url));
    let (credentials, auth_url, token_url, jwks_url) =
        (credentials?, auth_url?, token_url?, jwks_url?);
    Some(credentials.map(|c| GoogleSettings {
        client_id: c.client_id,
        client_secret: c.client_secret,
        redirect_uri: c.redirect_uri,
        auth_url,
        token_url,
        jwks_url,
        issuers: list(raw.issuers),
        native_client_ids: list(raw.native_client_ids),
    }))
}

/// As [`google`].
pub(super) fn facebook(raw: RawFacebook, p: &mut Problems) -> Option<Option<FacebookSettings>> {
    let credentials = p.ok(credentials(
        "oauth.facebook",
        raw.client_id,
        raw.client_secret,
        raw.redirect_uri,
    ));
    let auth_url = p.ok(endpoint("oauth.facebook.auth_url", &raw.auth_url));
    let graph_url = p.ok(endpoint("oauth.facebook.graph_url", &raw.graph_url));
    let jwks_url = p.ok(endpoint("oauth.facebook.jwks_url", &raw.jwks_url));
    let (credentials, auth_url, graph_url, jwks_url) =
        (credentials?, auth_url?, graph_url?, jwks_url?);
    Some(credentials.map(|c| FacebookSettings {
        client_id: c.client_id,
        client_secret: c.client_secret,
        redirect_uri: c.redirect_uri,
        auth_url,
        graph_url,
        jwks_url,
    }))
}

/// Sign in with Apple. `Some(None)`: off (neither `client_id` nor
/// `native_client_ids` set). The web flow is on only when `client_id`,
/// `team_id`, `key_id`, `private_key` and `redirect_uri` are all set (some
/// of them leave it off, as for Google). `None`: a malformed value (a URL,
/// or a private key that is not a P-256 PEM key), recorded in `p`.
pub(super) fn apple(raw: RawApple, p: &mut Problems) -> Option<Option<AppleSettings>> {
    let redirect_uri = p.ok(given(raw.redirect_uri)
        .map(|uri| absolute_url("oauth.apple.redirect_uri", &uri))
        .transpose());
    let private_key = p.ok(given_secret(raw.private_key)
        .map(|pem| {
            AppleSigningKey::from_pem(pem.expose_secret())
                .map_err(|why| format!("oauth.apple.private_key: {why}"))
        })
        .transpose());
    let auth_url = p.ok(endpoint("oauth.apple.auth_url", &raw.auth_url));
    let token_url = p.ok(endpoint("oauth.apple.token_url", &raw.token_url));
    let jwks_url = p.ok(endpoint("oauth.apple.jwks_url", &raw.jwks_url));
    let (redirect_uri, private_key, auth_url, token_url, jwks_url) = (
        redirect_uri?,
        private_key?,
        auth_url?,
        token_url?,
        jwks_url?,
    );
    let client_id = given(raw.client_id);
    let native_client_ids = list(raw.native_client_ids);
    if client_id.is_none() && native_client_ids.is_empty() {
        return Some(None);
    }
    let web = match (
        client_id.clone(),
        given(raw.team_id),
        given(raw.key_id),
        private_key,
        redirect_uri,
    ) {
        (Some(client_id), Some(team_id), Some(key_id), Some(private_key), Some(redirect_uri)) => {
            Some(AppleWebSettings {
                client_id,
                team_id,
                key_id,
                private_key,
                redirect_uri,
                auth_url,
                token_url,
            })
        }
        _ => None,
    };
    Some(Some(AppleSettings {
        client_id,
        native_client_ids,
        jwks_url,
        web,
    }))
}
