//! segprep's errors as Python exceptions, with segprep's message.

use std::io;

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyOSError,
    PyPermissionError, PyValueError,
};
use pyo3::prelude::*;
use segprep::{Error, ErrorKind};

/// An I/O error is an `OSError` of the class Python gives its kind
/// (`FileNotFoundError`, ...) with `errno` set; anything else is a bad
/// argument or input: `ValueError`. The message is the command line's:
/// the error and its causes, joined by `: `.
pub fn to_py(err: Error) -> PyErr {
    let message = chain(&err);
    let (ErrorKind::Io { err: cause, .. }
    | ErrorKind::WritePart { err: cause, .. }) = err.kind()
    else {
        return PyValueError::new_err(message);
    };
    let py_err = match cause.kind() {
        io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
        io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
        io::ErrorKind::AlreadyExists => PyFileExistsError::new_err(message),
        io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(message),
        _ => PyOSError::new_err(message),
    };
    if let Some(errno) = cause.raw_os_error() {
        // Only `errno`: with `strerror` too, `str()` would drop the
        // message for "[Errno N] strerror".
        Python::attach(|py| {
            let _ = py_err.value(py).setattr("errno", errno);
        });
    }
    py_err
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
