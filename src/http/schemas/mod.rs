//! Request and response bodies of the REST API.

mod ai;
mod auth;
mod coach;
mod session;
mod text;
mod usage;
mod user;

pub use ai::{CompletionBody, CompletionRequestBody, HistoryBody, InteractionBody, StreamDoneBody};
pub use auth::{
    AppleCallbackForm, ExchangeRequest, LoginRequest, RefreshRequest, RegisterProvider,
    RegisterRequest, TokenResponse,
};
pub use coach::{AdviceRequestBody, AdviceResponseBody};
pub use session::{
    ForgotPasswordAccepted, ForgotPasswordRequest, LogoutRequest, PasswordChangeRequest,
    ResetPasswordRequest, SessionBody, SessionsBody,
};
pub use text::Text;
pub use usage::DailyUsageBody;
pub use user::UserBody;
