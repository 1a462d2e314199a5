mod util;

mod check;
mod clean;
mod errors;
mod options;
mod terminal;
mod workflow;
