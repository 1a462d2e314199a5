//! The upload workflow after `clean`: splitting into parts within the
//! platform's limits, the delta between two uploads, the API request
//! bodies, and the reconciliation of the platform's callback.
//!
//! These take the engine's results (values, [`Stats`](crate::Stats)) and
//! know nothing of rows, chunks or paths.

pub mod delta;
pub mod reconcile;
pub mod request;
pub mod split;
