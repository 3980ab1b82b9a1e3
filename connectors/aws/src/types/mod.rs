//! What AWS sends: the `GetAccountAuthorizationDetails` response and the credential report,
//! read as they are, every field optional. Normalization is elsewhere ([`crate::normalize`]).

pub mod credential_report;
pub mod gaad;
pub mod organization;
