//! While the instance drains (SIGTERM received, `server.drain_delay_secs`
//! not yet over), every response carries `Connection: close`: a balancer's
//! kept-alive connection ends cleanly after its answer instead of being cut
//! under a request when the listener closes, and its next request opens a
//! connection to an instance that stays.

use std::sync::Arc;

use poem::{
    http::{header, HeaderValue},
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
};

use nextarget_core::health::Readiness;

pub struct CloseWhenDraining(pub Arc<Readiness>);

impl<E: Endpoint> Middleware<E> for CloseWhenDraining {
    type Output = CloseWhenDrainingEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CloseWhenDrainingEndpoint {
            inner,
            readiness: self.0.clone(),
        }
    }
}

pub struct CloseWhenDrainingEndpoint<E> {
    inner: E,
    readiness: Arc<Readiness>,
}

impl<E: Endpoint> Endpoint for CloseWhenDrainingEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let mut response = match self.inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(err) => err.into_response(),
        };
        if self.readiness.is_draining() {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Ok(response)
    }
}
