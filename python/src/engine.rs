//! Every call into segprep's run API, in one place: the library is
//! renaming `Processed` to `Run` and giving `write_clean` an order enum
//! instead of a bool, and only this file follows such changes.

use std::fs::File;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use segprep::{Error, ErrorKind, Input, MmapChoice, Pipeline, Processed};

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

/// The input's bytes: read whole (a map could raise SIGBUS in the
/// interpreter if another process truncated the file), or borrowed,
/// decompressed when they are gzip. UTF-16 is refused as the command
/// line refuses it.
pub fn open<'a>(source: &Source<'a>) -> Result<Loaded<'a>, Error> {
    let loaded = match source {
        Source::Path(path) => {
            Loaded::Owned(Input::open(path, MmapChoice::never())?)
        }
        Source::Bytes(bytes) if bytes.starts_with(b"\x1f\x8b") => {
            Loaded::Owned(Input::read(*bytes, BYTES_NAME)?)
        }
        Source::Bytes(bytes) => Loaded::Borrowed(bytes),
    };
    if let Some(encoding) = segprep::detect_utf16(loaded.bytes()) {
        return Err(Error::from(ErrorKind::Utf16 {
            input: loaded.name().to_string(),
            encoding,
        }));
    }
    Ok(loaded)
}

/// An input ready for a run.
pub enum Loaded<'a> {
    Owned(Input),
    Borrowed(&'a [u8]),
}

impl Loaded<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Loaded::Owned(input) => input.as_bytes(),
            Loaded::Borrowed(bytes) => bytes,
        }
    }

    fn name(&self) -> &str {
        match self {
            Loaded::Owned(input) => input.name(),
            Loaded::Borrowed(_) => BYTES_NAME,
        }
    }
}

/// The result of a run.
pub type Run<'a> = Processed<'a>;

/// Runs the pipeline on the input.
pub fn process<'a>(pipeline: &'a Pipeline, input: &'a Loaded<'_>) -> Run<'a> {
    match input {
        Loaded::Owned(input) => pipeline.process_input(input),
        Loaded::Borrowed(bytes) => pipeline.process(bytes, BYTES_NAME),
    }
}

/// Writes the clean file into a new, empty file.
pub fn write_clean(
    run: &Run<'_>,
    file: &File,
    sort: bool,
) -> std::io::Result<()> {
    run.write_clean_file(file, sort)
}
