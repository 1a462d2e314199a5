//! `segprep reconcile` (being written).

use clap::Args;
use segprep::{Error, ErrorKind};

use crate::ExitStatus;

#[derive(Debug, Args)]
pub struct ReconcileArgs {}

pub fn run(_args: ReconcileArgs) -> Result<ExitStatus, Error> {
    Err(Error::from(ErrorKind::Config("not implemented yet".into())))
}
