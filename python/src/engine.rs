//! Every call into segprep's run API, in one place.

use std::fs::File;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use segprep::{Error, Input, InputBuilder, Order, Pipeline, Run};

/// The name of an input given as bytes, in the statistics.
pub const BYTES_NAME: &str = "<bytes>";

/// What to read: a file, or bytes that Python holds.
pub enum Source<'a> {
    Path(PathBuf),
    Bytes(&'a [u8]),
}

impl<'a> Source<'a> {
    /// `bytes`, or a path as `str` or `os.PathLike`.
    pub fn extract(source: &'a Bound<'_, PyAny>) -> PyResult<Source<'a>> {
        if let Ok(bytes) = source.cast::<PyBytes>() {
            return Ok(Source::Bytes(bytes.as_bytes()));
        }
        Ok(Source::Path(source.extract()?))
    }

    /// The input file, if the source is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Path(path) => Some(path),
            Source::Bytes(_) => None,
        }
    }
}

/// Reads the input as the command line does (decompressed, transcoded,
/// capped), but whole, never mapped: another process truncating a
/// mapped file would kill the interpreter with SIGBUS. (`InputBuilder`
/// maps only when told to.)
pub fn open(
    source: &Source<'_>,
    input: &InputBuilder,
) -> Result<Input, Error> {
    match source {
        Source::Path(path) => input.open(path),
        Source::Bytes(bytes) => input.decode(bytes.to_vec(), BYTES_NAME),
    }
}

/// Runs the pipeline on the input: an error, as on the command line,
/// when the header lacks the column named.
pub fn process(pipeline: &Pipeline, input: Input) -> Result<Run, Error> {
    pipeline.try_process(input)
}

/// Writes the clean file into a new, empty file.
pub fn write_clean(run: &Run, file: &File, sort: bool) -> Result<(), Error> {
    let order = if sort { Order::Sorted } else { Order::FirstSeen };
    run.write_clean_file(file, order)
}
