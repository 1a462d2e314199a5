//! `segprep request` (being written).

use clap::Args;
use segprep::{Error, ErrorKind};

use crate::ExitStatus;

#[derive(Debug, Args)]
pub struct RequestArgs {}

pub fn run(_args: RequestArgs) -> Result<ExitStatus, Error> {
    Err(Error::from(ErrorKind::Config("not implemented yet".into())))
}
