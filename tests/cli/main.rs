mod util;

mod check;
mod clean;
mod decoding;
mod errors;
mod hostile;
mod options;
mod reconcile;
mod request;
mod safety;
mod signals;
mod terminal;
mod workflow;
