//! Adds the `Allow` header RFC 9110 requires on a 405: the methods the
//! spec declares for that path (and HEAD beside GET, which poem answers).

use std::{collections::HashMap, sync::Arc};

use poem::{
    http::{header, HeaderValue, StatusCode},
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
};

pub struct AllowHeader {
    allowed: Arc<Allowed>,
}

/// The methods of each spec path: exact paths by lookup, templated ones
/// (`/auth/sessions/{id}`) by matching segment by segment, where a
/// `{param}` stands for any one non-empty segment.
#[derive(Default)]
struct Allowed {
    exact: HashMap<String, HeaderValue>,
    templated: Vec<(Vec<String>, HeaderValue)>,
}

impl Allowed {
    fn insert(&mut self, path: &str, value: HeaderValue) {
        if path.contains('{') {
            let segments = path.split('/').map(str::to_owned).collect();
            self.templated.push((segments, value));
        } else {
            self.exact.insert(path.to_owned(), value);
        }
    }

    fn get(&self, path: &str) -> Option<&HeaderValue> {
        if let Some(value) = self.exact.get(path) {
            return Some(value);
        }
        let segments: Vec<&str> = path.split('/').collect();
        self.templated.iter().find_map(|(pattern, value)| {
            let fits = pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(want, got)| {
                    (want.starts_with('{') && want.ends_with('}') && !got.is_empty()) || want == got
                });
            fits.then_some(value)
        })
    }
}

impl AllowHeader {
    /// The methods of every path of the OpenAPI document `spec`.
    pub fn from_spec(spec: &str) -> Self {
        let doc: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let mut allowed = Allowed::default();
        if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                let mut methods: Vec<String> = item
                    .keys()
                    .map(|m| m.to_ascii_uppercase())
                    .filter(|m| {
                        ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&m.as_str())
                    })
                    .collect();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                if let Ok(value) = HeaderValue::from_str(&methods.join(", ")) {
                    allowed.insert(path, value);
                }
            }
        }
        Self {
            allowed: Arc::new(allowed),
        }
    }
}

impl<E: Endpoint> Middleware<E> for AllowHeader {
    type Output = AllowHeaderEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AllowHeaderEndpoint {
            inner: ep,
            allowed: self.allowed.clone(),
        }
    }
}

pub struct AllowHeaderEndpoint<E> {
    inner: E,
    allowed: Arc<Allowed>,
}

impl<E: Endpoint> Endpoint for AllowHeaderEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let allow = self.allowed.get(req.uri().path()).cloned();
        let mut resp = self.inner.call(req).await?.into_response();
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            if let Some(allow) = allow {
                resp.headers_mut().insert(header::ALLOW, allow);
            }
        }
        Ok(resp)
    }
}
