//! The library's error type.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// An error that stops a run: I/O, a bad configuration, or an output
/// that cannot be written. Rejected rows are never errors: they are
/// findings.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// The kinds of [`Error`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing `path` failed.
    Io {
        /// The file, or `None` for standard input or output.
        path: Option<PathBuf>,
        /// What was being done (`"reading"`, `"writing"`, ...).
        action: &'static str,
        /// The cause.
        err: io::Error,
    },
    /// The options contradict each other.
    Config(String),
    /// The output path names the input file.
    OutputIsInput {
        /// The output path as given.
        path: PathBuf,
    },
    /// The clean file (or one part of it) would be larger than the
    /// pipeline's `max_bytes`: the platform would refuse it.
    CleanTooLarge {
        /// The clean file's path, when the caller named one.
        path: Option<PathBuf>,
        /// The clean file's (or the part's) size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A value (with its LF) is larger than a part of a split clean file
    /// may be: no split can hold it.
    ValueTooLarge {
        /// The value's index in the clean file.
        index: usize,
        /// Its size with its LF.
        bytes: u64,
        /// The part size limit.
        limit: u64,
    },
    /// Writing one of several files of a split clean file failed.
    WritePart {
        /// The file's index in the list given.
        part: usize,
        /// The cause.
        err: io::Error,
    },
    /// The input is UTF-16, not UTF-8.
    Utf16 {
        /// The input's name.
        input: String,
        /// `UTF-16LE` or `UTF-16BE`.
        encoding: &'static str,
    },
    /// A message from a caller's sink.
    Sink(String),
    /// A JSON input (statistics, a callback) is not what it should be:
    /// not JSON, a missing field, a field of the wrong type.
    Malformed {
        /// The input's name.
        input: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The kind of error, by value.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// Names the file an error without a path was about: a writer's
    /// error from [`Run::write_clean`](crate::Run::write_clean), say.
    #[must_use]
    pub fn with_path(mut self, file: &Path) -> Error {
        match &mut *self.0 {
            ErrorKind::Io { path: path @ None, .. }
            | ErrorKind::CleanTooLarge { path: path @ None, .. } => {
                *path = Some(file.to_path_buf());
            }
            _ => {}
        }
        self
    }

    /// An I/O error while doing `action` to `path` (`None`: a standard
    /// stream).
    pub fn io(
        path: Option<&Path>,
        action: &'static str,
        err: io::Error,
    ) -> Error {
        Error::from(ErrorKind::Io {
            path: path.map(Path::to_path_buf),
            action,
            err,
        })
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::from(ErrorKind::Config(message.into()))
    }

    /// Whether this is a write to a closed pipe.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&*self.0, ErrorKind::Io { err, .. }
            if err.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error(Box::new(kind))
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::io(None, "I/O", err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            // The cause is the source, not part of the message.
            ErrorKind::Io { path: Some(path), action, .. } => {
                write!(f, "{}: {action}", path.display())
            }
            ErrorKind::Io { path: None, action, .. } => f.write_str(action),
            ErrorKind::Config(message) => f.write_str(message),
            ErrorKind::OutputIsInput { path } => write!(
                f,
                "{}: the output is the input file; write elsewhere",
                path.display()
            ),
            ErrorKind::CleanTooLarge { path, bytes, limit } => {
                if let Some(path) = path {
                    write!(f, "{}: ", path.display())?;
                }
                write!(
                    f,
                    "the clean file would be {bytes} bytes, over the \
                     limit of {limit}; nothing written"
                )
            }
            ErrorKind::ValueTooLarge { bytes, limit, .. } => write!(
                f,
                "a value of {bytes} bytes (with its LF) does not fit in a \
                 part of {limit} bytes; nothing written"
            ),
            ErrorKind::WritePart { part, .. } => {
                write!(f, "cannot write part {}", part + 1)
            }
            ErrorKind::Utf16 { input, encoding } => write!(
                f,
                "{input}: the input is {encoding}, not UTF-8; convert it \
                 first, for example: iconv -f {encoding} -t UTF-8"
            ),
            ErrorKind::Sink(message) => f.write_str(message),
            ErrorKind::Malformed { input, message } => {
                write!(f, "{input}: {message}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io { err, .. } | ErrorKind::WritePart { err, .. } => {
                Some(err)
            }
            _ => None,
        }
    }
}
