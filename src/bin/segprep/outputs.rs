//! Outputs that appear whole or not at all.
//!
//! Each output is written to a temporary file beside its target and
//! renamed into place on commit, so a reader of the target sees either
//! the old file or the complete new one. A temporary file that is dropped
//! without a commit is removed. A target that is a symbolic link is
//! replaced through the link (the link stays); a target that exists and is
//! not a regular file (`/dev/stdout`, a FIFO) is written directly, since
//! it cannot be renamed over.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use segprep::{Error, ErrorKind};

/// A file being written beside its target.
#[derive(Debug)]
pub struct AtomicFile {
    /// The path as given, for messages.
    target: PathBuf,
    /// What the temporary file is renamed to: the target with links
    /// resolved.
    destination: PathBuf,
    /// Empty when writing directly or once committed.
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file for `target`.
    ///
    /// # Errors
    ///
    /// The target's folder is missing or not writable.
    pub fn create(target: &Path) -> Result<AtomicFile, Error> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = target.file_name().ok_or_else(|| {
            Error::io(
                Some(target),
                "cannot write",
                io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
            )
        })?;
        let destination = match fs::metadata(target) {
            // Refused now: the rename at the end would fail after other
            // outputs were already in place.
            Ok(meta) if meta.is_dir() => {
                return Err(Error::io(
                    Some(target),
                    "cannot write",
                    io::Error::new(
                        io::ErrorKind::IsADirectory,
                        "is a directory",
                    ),
                ));
            }
            Ok(meta) if !meta.is_file() => {
                // A device or FIFO: no rename can replace it.
                let file = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(target)
                    .map_err(|e| Error::io(Some(target), "cannot write", e))?;
                return Ok(AtomicFile {
                    target: target.to_path_buf(),
                    destination: target.to_path_buf(),
                    temp: PathBuf::new(),
                    writer: Some(BufWriter::with_capacity(1 << 20, file)),
                });
            }
            Ok(_) => fs::canonicalize(target)
                .map_err(|e| Error::io(Some(target), "cannot write", e))?,
            // Missing, or a link to something missing: write where the
            // links lead, so they stay links.
            Err(_) => follow_links(target)
                .map_err(|e| Error::io(Some(target), "cannot write", e))?,
        };
        let name = destination.file_name().unwrap_or(name);
        let dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(
            ".segprep-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = dir.join(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(Some(target), "cannot write", e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            destination,
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// Whether the file takes positional writes (a new regular file),
    /// rather than only a stream of bytes.
    pub fn is_positional(&self) -> bool {
        !self.temp.as_os_str().is_empty()
    }

    /// The writer for the contents.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("the writer lives until commit")
    }

    /// The path as given.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Wraps a write error with the target's name.
    pub fn error(&self, err: io::Error) -> Error {
        Error::io(Some(&self.target), "cannot write", err)
    }

    /// Flushes the contents and renames the file into place.
    ///
    /// # Errors
    ///
    /// Flushing or renaming failed; the temporary file is then removed.
    pub fn commit(mut self) -> Result<(), Error> {
        let writer = self.writer.take().expect("commit happens once");
        let file =
            writer.into_inner().map_err(|e| self.error(e.into_error()))?;
        drop(file);
        if self.temp.as_os_str().is_empty() {
            return Ok(());
        }
        fs::rename(&self.temp, &self.destination)
            .map_err(|e| self.error(e))?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            self.writer.take();
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Follows symbolic links from `path` to the first path that is not one
/// (it may not exist).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // The same bound as Linux's ELOOP.
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(next),
                    None => next,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Whether `a` and `b` name the same file (through links too). A path
/// that does not exist is the same as no other.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => file_id(&a) == file_id(&b),
        _ => false,
    }
}

#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(meta: &fs::Metadata) -> (u64, u64) {
    // Without inode numbers, size and time are the best cheap guess.
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    (meta.len(), modified)
}

/// Refuses an output path that names the input file.
///
/// # Errors
///
/// [`ErrorKind::OutputIsInput`] when they are the same file.
pub fn refuse_input(output: &Path, input: &Path) -> Result<(), Error> {
    if same_file(output, input) {
        return Err(Error::from(ErrorKind::OutputIsInput {
            path: output.to_path_buf(),
        }));
    }
    Ok(())
}
