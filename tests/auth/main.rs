//! Accounts and sessions: sign-up, sign-in, refresh and logout, brute-force
//! lockout, and the signed-in user (`/users/me`).

#[path = "../common/mod.rs"]
mod common;

mod lockout;
mod login;
mod password_reset;
mod register;
mod session_control;
mod sessions;
mod users;
