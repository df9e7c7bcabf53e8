//! Native sign-in (`POST /auth/register` with a provider): what the
//! provider's SDK gave the app, an id_token (Google, Apple, Facebook's iOS
//! Limited Login) or a user access token (the Facebook SDK's).

use nextarget_ports::{ClientInfo, OAuthError, Provider};

use super::{OAuthFlowError, OAuthService};
use crate::auth::{
    FieldError, Session, MAX_ACCESS_TOKEN_CHARS, MAX_ID_TOKEN_CHARS, MAX_NONCE_CHARS,
};
use crate::validation::too_long;

/// What a native SDK gave the app, as the request carries it. A blank
/// value counts as absent.
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeToken<'a> {
    pub id_token: Option<&'a str>,
    /// The Facebook SDK's user access token.
    pub access_token: Option<&'a str>,
    /// With an id_token: the raw nonce the app gave the SDK, if any.
    pub nonce: Option<&'a str>,
}

impl<'a> NativeToken<'a> {
    pub fn id_token(id_token: &'a str, nonce: Option<&'a str>) -> Self {
        Self {
            id_token: Some(id_token),
            access_token: None,
            nonce,
        }
    }
}

/// Which token to check, once the request is well formed.
enum Presented<'a> {
    IdToken(&'a str),
    AccessToken(&'a str),
}

fn given(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

/// The one token to check, or every reason the request is not well formed.
fn presented<'a>(
    provider: Provider,
    token: &NativeToken<'a>,
) -> Result<Presented<'a>, Vec<FieldError>> {
    let bounds: Vec<FieldError> = [
        token
            .id_token
            .and_then(|t| too_long("id_token", t, MAX_ID_TOKEN_CHARS)),
        token
            .access_token
            .and_then(|t| too_long("access_token", t, MAX_ACCESS_TOKEN_CHARS)),
        token
            .nonce
            .and_then(|n| too_long("nonce", n, MAX_NONCE_CHARS)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !bounds.is_empty() {
        return Err(bounds);
    }
    let wrong = |field: &str, message: String| Err(vec![FieldError::new(field, message)]);
    match (given(token.id_token), given(token.access_token)) {
        (Some(_), Some(_)) => wrong(
            "access_token",
            "give either id_token or access_token, not both".into(),
        ),
        (Some(id_token), None) => Ok(Presented::IdToken(id_token)),
        (None, Some(_)) if provider != Provider::Facebook => wrong(
            "access_token",
            format!("{provider} signs in with an id_token, not an access_token"),
        ),
        (None, Some(access_token)) => Ok(Presented::AccessToken(access_token)),
        (None, None) if provider == Provider::Facebook => wrong(
            "access_token",
            "an access_token (the Facebook SDK's) or an id_token (Limited Login) is required \
             for provider facebook"
                .into(),
        ),
        (None, None) => wrong("id_token", format!("is required for provider {provider}")),
    }
}

impl OAuthService {
    /// Signs in with what `provider`'s native SDK gave the app: an
    /// id_token (with the nonce the app gave the SDK, if any) or, for
    /// Facebook, a user access token. The flag is `true` when the account
    /// was created by this call.
    ///
    /// # Errors
    /// `Validation` without a token, with both kinds, with a value past its
    /// bound, or with a kind the provider does not take (nothing is sent to
    /// the provider then); `NotConfigured`; `InvalidIdToken` for a refused
    /// id_token, `InvalidToken` for a refused access token; `Provider`;
    /// `EmailTaken`; storage errors.
    #[tracing::instrument(name = "sign_in_native", skip_all)]
    pub async fn sign_in_native(
        &self,
        provider: Provider,
        token: NativeToken<'_>,
        client: &ClientInfo,
    ) -> Result<(Session, bool), OAuthFlowError> {
        let presented = presented(provider, &token).map_err(OAuthFlowError::Validation)?;
        let oauth = self.provider(provider)?;
        let identity = match presented {
            Presented::IdToken(id_token) => oauth
                .verify_native_token(id_token, token.nonce.map(str::to_owned))
                .await
                .map_err(|e| match e {
                    OAuthError::Unsupported => OAuthFlowError::Validation(vec![FieldError::new(
                        "id_token",
                        format!("{provider} does not sign in with an id_token"),
                    )]),
                    other => OAuthFlowError::from_id_token(provider, other),
                })?,
            Presented::AccessToken(access_token) => {
                oauth
                    .verify_access_token(access_token)
                    .await
                    .map_err(|e| OAuthFlowError::from_provider(provider, e))?
            }
        };
        let (user, created) = self.upsert(provider, identity).await?;
        Ok((self.open_audited(user, created, client).await?, created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<Presented<'_>, Vec<FieldError>>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn facebook_takes_one_of_an_access_token_and_an_id_token() {
        let access = NativeToken {
            access_token: Some("EAAB"),
            ..NativeToken::default()
        };
        assert!(matches!(
            presented(Provider::Facebook, &access),
            Ok(Presented::AccessToken("EAAB"))
        ));
        assert!(matches!(
            presented(Provider::Facebook, &NativeToken::id_token("eyJ", None)),
            Ok(Presented::IdToken("eyJ"))
        ));
        let both = NativeToken {
            access_token: Some("EAAB"),
            ..NativeToken::id_token("eyJ", None)
        };
        assert_eq!(
            fields(presented(Provider::Facebook, &both)),
            ["access_token"]
        );
        let blank = NativeToken {
            access_token: Some("  "),
            ..NativeToken::default()
        };
        assert_eq!(
            fields(presented(Provider::Facebook, &blank)),
            ["access_token"]
        );
    }

    #[test]
    fn google_and_apple_take_an_id_token_only() {
        let access = NativeToken {
            access_token: Some("ya29"),
            ..NativeToken::default()
        };
        for provider in [Provider::Google, Provider::Apple] {
            assert_eq!(fields(presented(provider, &access)), ["access_token"]);
            assert_eq!(
                fields(presented(provider, &NativeToken::default())),
                ["id_token"]
            );
        }
    }

    #[test]
    fn values_past_their_bounds_are_refused_each() {
        let long = "t".repeat(MAX_ID_TOKEN_CHARS + 1);
        let token = NativeToken {
            id_token: Some(&long),
            access_token: Some(&long),
            nonce: Some(&long),
        };
        assert_eq!(
            fields(presented(Provider::Facebook, &token)),
            ["id_token", "access_token", "nonce"]
        );
    }
}
