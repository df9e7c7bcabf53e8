//! The authorize page: a small server-rendered form (no JavaScript), with
//! the accounts already used as one-click picks.

use nextarget_ports::Provider;
use serde::Deserialize;

use super::{provider_path, Account};

/// What the provider's adapter put in the authorize URL (and the form
/// carries back as hidden fields).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeQuery {
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

/// `text` escaped for an HTML attribute value or text (`&`, `<`, `>`,
/// `"`, `'`).
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

fn hidden(query: &AuthorizeQuery) -> String {
    [
        ("redirect_uri", &query.redirect_uri),
        ("state", &query.state),
        ("nonce", &query.nonce),
        ("code_challenge", &query.code_challenge),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.as_deref().map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(v)
            )
        })
    })
    .collect()
}

pub(crate) fn render(provider: Provider, query: &AuthorizeQuery, used: &[Account]) -> String {
    let path = provider_path(provider);
    let action = format!("/emulator/{path}/authorize");
    let picks: String = used
        .iter()
        .map(|a| {
            format!(
                "<form method=\"post\" action=\"{action}\">{}<input type=\"hidden\" name=\"email\" value=\"{}\"><input type=\"hidden\" name=\"sub\" value=\"{}\"><button>{} ({})</button></form>",
                hidden(query),
                escape(&a.email),
                escape(&a.sub),
                escape(&a.email),
                escape(&a.sub),
            )
        })
        .collect();
    let picks = if picks.is_empty() {
        String::new()
    } else {
        format!("<h2>Accounts used before</h2>{picks}")
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in with {provider} (emulator)</title></head>\
         <body><h1>Sign in with {provider}: NexTarget identity emulator</h1>\
         <p>No real {provider} account is used: type any email.</p>\
         <form method=\"post\" action=\"{action}\">{}\
         <label>Email <input name=\"email\" type=\"email\" required></label> \
         <label>Name <input name=\"name\"></label> \
         <label>Subject (optional) <input name=\"sub\"></label> \
         <button>Sign in</button></form>{picks}</body></html>",
        hidden(query),
    )
}

/// Apple's answer to the authorize form: a page whose form posts `code`
/// and `state` to the callback (`response_mode=form_post`); one button, no
/// JavaScript.
pub(crate) fn form_post(redirect_uri: &str, code: &str, state: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Back to the app</title></head>\
         <body><form method=\"post\" action=\"{}\">\
         <input type=\"hidden\" name=\"code\" value=\"{}\">\
         <input type=\"hidden\" name=\"state\" value=\"{}\">\
         <button>Continue</button></form></body></html>",
        escape(redirect_uri),
        escape(code),
        escape(state),
    )
}
