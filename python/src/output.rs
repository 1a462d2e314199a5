//! Outputs that appear whole or not at all: each file is written beside
//! its target under a temporary name and renamed into place on commit;
//! one dropped without a commit is removed.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use segprep::{Error, ErrorKind};

/// A file being written beside its target.
pub struct AtomicFile {
    /// The path as given, for messages.
    target: PathBuf,
    /// What the temporary file is renamed to: the target with links
    /// resolved, so that a link stays a link.
    destination: PathBuf,
    /// Empty once committed.
    temp: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Creates the temporary file for `target`.
    ///
    /// # Errors
    ///
    /// The target is a folder, or its folder is missing or not writable.
    pub fn create(target: &Path) -> Result<AtomicFile, Error> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let fail = |err| Error::io(Some(target), "cannot write", err);
        if target.is_dir() {
            return Err(fail(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        let destination = match fs::canonicalize(target) {
            Ok(path) => path,
            Err(_) => target.to_path_buf(),
        };
        let name = destination.file_name().ok_or_else(|| {
            fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ))
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(
            ".segprep-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = destination.with_file_name(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(fail)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            destination,
            temp,
            file: Some(file),
        })
    }

    /// The path as given.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The file to write the contents to.
    pub fn file(&self) -> &File {
        self.file.as_ref().expect("the file lives until commit")
    }

    /// Wraps a write error with the target's name.
    pub fn error(&self, err: io::Error) -> Error {
        Error::io(Some(&self.target), "cannot write", err)
    }

    /// Renames the file into place.
    ///
    /// # Errors
    ///
    /// The rename failed; the temporary file is then removed.
    pub fn commit(mut self) -> Result<(), Error> {
        drop(self.file.take());
        fs::rename(&self.temp, &self.destination)
            .map_err(|e| self.error(e))?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Refuses an output path that names the input file (through links
/// too).
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

/// Whether `a` and `b` name the same file: the same existing file, or,
/// for a file that does not exist yet, the same name in the same folder
/// however spelled (`a.csv`, `./a.csv`, `sub/../a.csv`, a link to it).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => file_id(&a) == file_id(&b),
        _ => match (resolved(a), resolved(b)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
    }
}

/// `path` with links followed and its folder made canonical, whether the
/// file exists or not.
fn resolved(path: &Path) -> Option<PathBuf> {
    resolved_within(path, 40)
}

/// `resolved`, following at most `links` links (Linux's ELOOP bound).
fn resolved_within(path: &Path, links: u32) -> Option<PathBuf> {
    if let Ok(path) = fs::canonicalize(path) {
        return Some(path);
    }
    // A dangling link names the file it would create.
    if let Ok(target) = fs::read_link(path) {
        let dir = path.parent().unwrap_or(Path::new(""));
        return resolved_within(&dir.join(target), links.checked_sub(1)?);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(dir).ok()?.join(name))
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
