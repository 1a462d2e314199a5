mod util;

mod check;
mod clean;
mod decoding;
mod errors;
mod exports;
mod help;
mod hostile;
mod options;
mod pipelines;
mod readme;
mod reconcile;
mod request;
mod safety;
mod signals;
mod terminal;
mod workflow;
