mod util;

mod check;
mod clean;
mod errors;
mod options;
mod reconcile;
mod request;
mod terminal;
mod workflow;
