//! Middleware around every route, outermost first: request id and access
//! log, `Connection: close` while draining, problem conversion, CORS, body
//! limit.

mod allow;
mod body_limit;
mod catch;
mod cors;
mod drain;
mod request_id;
mod trace;

pub use allow::AllowHeader;
pub use body_limit::BodyLimit;
pub use catch::{problem_for, ProblemErrors};
pub use cors::cors;
pub use drain::CloseWhenDraining;
pub use request_id::RequestIdAndLog;
