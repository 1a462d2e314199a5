mod util;

mod check;
mod clean;
mod errors;
mod exports;
mod hostile;
mod options;
mod reconcile;
mod request;
mod terminal;
mod workflow;
