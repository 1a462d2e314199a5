//! Outputs that appear whole or not at all, and the checks that keep an
//! output off the input and off the other outputs.
//!
//! Each output path is resolved once, before anything is read: links are
//! followed and its folder made canonical, so that two spellings of one
//! file are seen as one, whether it exists yet or not. A regular file (or
//! a missing one) is written to a temporary file in its folder and renamed
//! into place on commit, so a reader sees either the old file or the
//! complete new one; a temporary file dropped without a commit is removed.
//! A path that names a stream of this process (`/dev/stderr`, `/dev/fd/3`,
//! or the file standard output or error is) is written through that
//! stream, and a device or a FIFO is written in place: renaming over them
//! would cut off the stream's other writers or cannot be done.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use segprep::{Error, ErrorKind};

use crate::is_dash;

/// A file's identity: its device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId(u64, u64);

impl FileId {
    /// The identity of the file `meta` describes; none for a character
    /// device, which many outputs may share (`/dev/null`, a terminal).
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        if meta.file_type().is_char_device() {
            return None;
        }
        Some(FileId(meta.dev(), meta.ino()))
    }

    /// Without inode numbers, files are told apart by their paths only.
    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<FileId> {
        None
    }
}

/// The identity of the input: the file named, or the file standard input
/// was redirected from.
pub fn input_id(path: &Path) -> Option<FileId> {
    if is_dash(path) {
        #[cfg(unix)]
        return dup(0).ok()?.metadata().ok().as_ref().and_then(FileId::of);
        #[cfg(not(unix))]
        return None;
    }
    fs::metadata(path).ok().as_ref().and_then(FileId::of)
}

/// Where an output path leads, found before anything is written.
#[derive(Debug)]
pub struct Target {
    /// The path as given, for messages.
    given: PathBuf,
    place: Place,
    /// The descriptor written through, for a stream.
    fd: Option<i32>,
    id: Option<FileId>,
    /// Where the path and each link on its way lie, the last one the
    /// destination: canonical folder and file name.
    locations: Vec<PathBuf>,
}

#[derive(Debug)]
enum Place {
    /// `-`.
    Stdout,
    /// A stream of this process, named by a path: written through a
    /// duplicate of its descriptor, at its position or appending as it
    /// does.
    Stream(File),
    /// A device, a FIFO or a socket: opened and written in place.
    Device(PathBuf),
    /// A folder: refused when the output is opened.
    Folder,
    /// A regular file, or nothing yet: replaced by a rename.
    File(PathBuf),
}

impl Target {
    /// Resolves `given`: `-` for standard output, or a path.
    ///
    /// # Errors
    ///
    /// Standard output was closed when segprep started; the path is not a
    /// file name; its folder is missing; a stream it names is not open.
    pub fn resolve(given: &Path) -> Result<Target, Error> {
        let fail = |err| Error::io(Some(given), "cannot write", err);
        if is_dash(given) {
            let id = stream_id(1).map_err(stdout_error)?;
            return Ok(Target {
                given: given.to_path_buf(),
                place: Place::Stdout,
                fd: Some(1),
                id,
                locations: Vec::new(),
            });
        }
        if !names_a_file(given) {
            return Err(fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            )));
        }
        let mut locations = Vec::new();
        let mut path = given.to_path_buf();
        // The same bound as Linux's ELOOP.
        for _ in 0..40 {
            let name = path.file_name().ok_or_else(|| {
                fail(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a link leads to a folder name",
                ))
            })?;
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let dir = fs::canonicalize(dir).map_err(fail)?;
            #[cfg(unix)]
            if let Some(fd) = stream_number(&dir, name) {
                return Target::stream(given, fd, locations);
            }
            let here = dir.join(name);
            let meta = match fs::symlink_metadata(&here) {
                Ok(meta) => Some(meta),
                Err(err) if err.kind() == io::ErrorKind::NotFound => None,
                // Too long a name, a file used as a folder: said now, not
                // when the rename fails at the end.
                Err(err) => return Err(fail(err)),
            };
            locations.push(here.clone());
            match meta {
                Some(meta) if meta.file_type().is_symlink() => {
                    path = dir.join(fs::read_link(&here).map_err(fail)?);
                }
                _ => return Target::at(given, here, meta, locations),
            }
        }
        Err(fail(io::Error::other("too many levels of symbolic links")))
    }

    /// The target at `here`, which is not a link.
    fn at(
        given: &Path,
        here: PathBuf,
        meta: Option<fs::Metadata>,
        locations: Vec<PathBuf>,
    ) -> Result<Target, Error> {
        let Some(meta) = meta else {
            let place = Place::File(here);
            return Ok(Target::new(given, place, None, locations));
        };
        let id = FileId::of(&meta);
        let place = if meta.is_dir() {
            Place::Folder
        } else if meta.is_file() {
            #[cfg(unix)]
            for fd in [1, 2] {
                if id.is_some() && stream_id(fd).ok().flatten() == id {
                    return Target::stream(given, fd, locations);
                }
            }
            Place::File(here)
        } else {
            Place::Device(here)
        };
        Ok(Target::new(given, place, id, locations))
    }

    fn new(
        given: &Path,
        place: Place,
        id: Option<FileId>,
        locations: Vec<PathBuf>,
    ) -> Target {
        Target { given: given.to_path_buf(), place, fd: None, id, locations }
    }

    /// The stream on descriptor `fd`, named by `given`.
    #[cfg(unix)]
    fn stream(
        given: &Path,
        fd: i32,
        locations: Vec<PathBuf>,
    ) -> Result<Target, Error> {
        let fail = |err| Error::io(Some(given), "cannot write", err);
        let file = dup(fd).map_err(fail)?;
        let id = FileId::of(&file.metadata().map_err(fail)?);
        Ok(Target {
            given: given.to_path_buf(),
            place: Place::Stream(file),
            fd: Some(fd),
            id,
            locations,
        })
    }

    /// The path as given.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// Whether this is a regular file (or none yet), replaced by a rename.
    pub fn is_file(&self) -> bool {
        matches!(self.place, Place::File(_))
    }

    /// Whether this is standard output, by `-` or by another name.
    pub fn is_stdout(&self) -> bool {
        self.fd == Some(1)
    }

    /// Whether this output is the file `input` is.
    pub fn is(&self, input: Option<FileId>) -> bool {
        input.is_some() && self.id == input
    }

    /// Whether writing both would land in one file or one stream. A
    /// character device is shared by any number of outputs.
    pub fn aliases(&self, other: &Target) -> bool {
        let destination = |t: &Target| match &t.place {
            Place::File(path) => Some(path.clone()),
            _ => None,
        };
        (self.fd.is_some() && self.fd == other.fd)
            || (self.id.is_some() && self.id == other.id)
            || destination(self)
                .is_some_and(|path| Some(path) == destination(other))
    }

    /// Refuses this output when it is the input.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutputIsInput`].
    pub fn refuse_input(&self, input: Option<FileId>) -> Result<(), Error> {
        if self.is(input) {
            return Err(Error::from(ErrorKind::OutputIsInput {
                path: self.given.clone(),
            }));
        }
        Ok(())
    }
}

/// Whether `path` can name a file: not a folder's name (`x/`, `x/.`,
/// `..`), which the OS would not create as a file either.
fn names_a_file(path: &Path) -> bool {
    let is_sep = |b: &u8| std::path::is_separator(char::from(*b));
    let folder_end = match path.as_os_str().as_encoded_bytes() {
        [.., last] if is_sep(last) => true,
        [b'.'] => true,
        [.., sep, b'.'] => is_sep(sep),
        _ => false,
    };
    path.file_name().is_some() && !folder_end
}

/// The descriptor that `name` in the canonical folder `dir` stands for:
/// `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`.
#[cfg(unix)]
fn stream_number(dir: &Path, name: &std::ffi::OsStr) -> Option<i32> {
    let name = name.to_str()?;
    if dir == Path::new("/dev") {
        return match name {
            "stdin" => Some(0),
            "stdout" => Some(1),
            "stderr" => Some(2),
            _ => None,
        };
    }
    let own = format!("/proc/{}/fd", std::process::id());
    let fd_dir = dir == Path::new("/dev/fd")
        || dir == Path::new("/proc/self/fd")
        || dir == Path::new(&own);
    if !fd_dir || name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    name.parse().ok()
}

/// A new handle on descriptor `fd`, sharing its position and flags.
#[cfg(unix)]
fn dup(fd: i32) -> io::Result<File> {
    use std::os::fd::{AsFd, BorrowedFd};

    let closed = || io::Error::from_raw_os_error(9); // EBADF
    let owned = match fd {
        0 => io::stdin().as_fd().try_clone_to_owned()?,
        1 if crate::stdout_closed_at_start() => return Err(closed()),
        1 => io::stdout().as_fd().try_clone_to_owned()?,
        2 => io::stderr().as_fd().try_clone_to_owned()?,
        _ => {
            let dir = match cfg!(target_os = "linux") {
                true => "/proc/self/fd",
                false => "/dev/fd",
            };
            if fs::symlink_metadata(Path::new(dir).join(fd.to_string()))
                .is_err()
            {
                return Err(closed());
            }
            // SAFETY: the descriptor is open (its entry exists), and
            // segprep closes no descriptor it does not own, so it stays
            // open while borrowed.
            unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()?
        }
    };
    Ok(File::from(owned))
}

/// The identity of what descriptor `fd` (1 or 2) is, if it is not a
/// character device.
#[cfg(unix)]
fn stream_id(fd: i32) -> io::Result<Option<FileId>> {
    Ok(FileId::of(&dup(fd)?.metadata()?))
}

#[cfg(not(unix))]
fn stream_id(_: i32) -> io::Result<Option<FileId>> {
    Ok(None)
}

/// An error writing standard output.
pub fn stdout_error(err: io::Error) -> Error {
    Error::io(None, "writing standard output", err)
}

/// Files that were named on the command line, so that no clean-up ever
/// removes one.
#[derive(Debug, Default)]
pub struct Named {
    ids: Vec<FileId>,
    locations: Vec<PathBuf>,
}

impl Named {
    /// Adds a file by identity.
    pub fn add_id(&mut self, id: Option<FileId>) {
        self.ids.extend(id);
    }

    /// Adds an output: what it is and every path on its way.
    pub fn add(&mut self, target: &Target) {
        self.ids.extend(target.id);
        self.locations.extend(target.locations.iter().cloned());
    }

    /// Whether `path` (not followed if a link) or the file it leads to
    /// was named.
    pub fn holds(&self, path: &Path) -> bool {
        let ids = [fs::symlink_metadata(path), fs::metadata(path)];
        let named_id = ids.iter().flatten().any(|meta| {
            FileId::of(meta).is_some_and(|id| self.ids.contains(&id))
        });
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let location = fs::canonicalize(dir)
            .ok()
            .zip(path.file_name())
            .map(|(dir, name)| dir.join(name));
        named_id || location.is_some_and(|l| self.locations.contains(&l))
    }
}

/// Where an output's bytes go.
#[derive(Debug)]
pub enum Out {
    File(File),
    Stdout(io::Stdout),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::File(file) => file.write(buf),
            Out::Stdout(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::File(file) => file.flush(),
            Out::Stdout(out) => out.flush(),
        }
    }
}

#[derive(Debug)]
enum State {
    /// Written straight to its target: nothing to rename.
    Direct {
        stdout: bool,
    },
    /// A temporary file, renamed to `destination` on commit.
    Temp {
        temp: PathBuf,
        destination: PathBuf,
    },
    Committed,
}

/// An output being written: a temporary file beside its destination, or
/// a stream written in place.
#[derive(Debug)]
pub struct AtomicFile {
    /// The path as given, for messages.
    given: PathBuf,
    state: State,
    /// Until finished.
    writer: Option<BufWriter<Out>>,
}

impl AtomicFile {
    /// Opens `target` for writing: creates its temporary file, or opens
    /// the stream or device.
    ///
    /// # Errors
    ///
    /// The target is a folder, its folder is not writable, a device does
    /// not open.
    pub fn open(target: Target) -> Result<AtomicFile, Error> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let given = target.given;
        let fail = |err| Error::io(Some(&given), "cannot write", err);
        let (state, out) = match target.place {
            Place::Stdout => {
                (State::Direct { stdout: true }, Out::Stdout(io::stdout()))
            }
            Place::Stream(file) => {
                (State::Direct { stdout: false }, Out::File(file))
            }
            Place::Device(path) => {
                let file = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(path)
                    .map_err(fail)?;
                (State::Direct { stdout: false }, Out::File(file))
            }
            // Refused now: the rename at the end would fail after other
            // outputs were already in place.
            Place::Folder => {
                return Err(fail(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )));
            }
            Place::File(destination) => {
                let dir = destination.parent().unwrap_or(Path::new("."));
                // Short, whatever the destination's name: a name near
                // the file system's limit still fits.
                let temp = dir.join(format!(
                    ".segprep-{}-{}.tmp",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                ));
                remove_stale(dir);
                let file = crate::signals::create_temp(&temp, |temp| {
                    OpenOptions::new().write(true).create_new(true).open(temp)
                })
                .map_err(fail)?;
                let state = State::Temp { temp, destination };
                let file = AtomicFile {
                    given: given.clone(),
                    state,
                    writer: Some(BufWriter::with_capacity(
                        1 << 20,
                        Out::File(file),
                    )),
                };
                file.keep_permissions()?;
                return Ok(file);
            }
        };
        crate::signals::note_in_place(match out {
            Out::Stdout(_) => "standard output".to_string(),
            Out::File(_) => given.display().to_string(),
        });
        Ok(AtomicFile {
            given,
            state,
            writer: Some(BufWriter::with_capacity(1 << 20, out)),
        })
    }

    /// Gives the temporary file the permission bits of the file it will
    /// replace, as writing that file in place would keep them.
    fn keep_permissions(&self) -> Result<(), Error> {
        let State::Temp { temp, destination } = &self.state else {
            return Ok(());
        };
        match fs::metadata(destination) {
            Ok(meta) => fs::set_permissions(temp, meta.permissions())
                .map_err(|e| self.error(e)),
            Err(_) => Ok(()),
        }
    }

    /// Whether the file takes positional writes (a new regular file),
    /// rather than only a stream of bytes.
    pub fn is_positional(&self) -> bool {
        matches!(self.state, State::Temp { .. })
    }

    /// The new regular file, for positional writes.
    pub fn positional(&self) -> Option<&File> {
        match (&self.state, self.writer.as_ref().map(BufWriter::get_ref)) {
            (State::Temp { .. }, Some(Out::File(file))) => Some(file),
            _ => None,
        }
    }

    /// The writer for the contents.
    pub fn writer(&mut self) -> &mut BufWriter<Out> {
        self.writer.as_mut().expect("the writer lives until finished")
    }

    /// Names this output in a library error from writing to it.
    pub fn lib_error(&self, err: Error) -> Error {
        match err.into_kind() {
            ErrorKind::Io { path: None, err, .. } => self.error(err),
            ErrorKind::CleanTooLarge { path: None, bytes, limit } => {
                Error::from(ErrorKind::CleanTooLarge {
                    path: Some(self.given.clone()),
                    bytes,
                    limit,
                })
            }
            kind => Error::from(kind),
        }
    }

    /// Wraps a write error with the target's name.
    pub fn error(&self, err: io::Error) -> Error {
        match self.state {
            State::Direct { stdout: true } => stdout_error(err),
            _ => Error::io(Some(&self.given), "cannot write", err),
        }
    }

    /// Writes out what is buffered and closes the file; a temporary file
    /// keeps its name until the commit.
    ///
    /// # Errors
    ///
    /// The write failed; the temporary file is removed when dropped.
    pub fn finish(&mut self) -> Result<(), Error> {
        let Some(mut writer) = self.writer.take() else {
            return Ok(());
        };
        writer.flush().map_err(|e| self.error(e))?;
        match (&self.state, writer.get_ref()) {
            (State::Temp { .. }, Out::File(file)) if fsync() => {
                file.sync_all().map_err(|e| self.error(e))
            }
            _ => Ok(()),
        }
    }

    /// Finishes the file and renames it into place; returns where it went.
    ///
    /// # Errors
    ///
    /// Finishing or renaming failed; the temporary file is then removed.
    pub fn commit(mut self) -> Result<Option<PathBuf>, Error> {
        self.finish()?;
        let State::Temp { temp, destination } = &self.state else {
            return Ok(None);
        };
        crate::signals::rename_temp(temp, destination)
            .map_err(|e| self.error(e))?;
        let destination = destination.clone();
        self.state = State::Committed;
        if fsync() {
            // The rename is durable once the folder's entry is.
            let dir = destination.parent().unwrap_or(Path::new("."));
            File::open(dir)
                .and_then(|dir| dir.sync_all())
                .map_err(|e| self.error(e))?;
        }
        Ok(Some(destination))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let State::Temp { temp, .. } = &self.state {
            self.writer.take();
            crate::signals::remove_temp(temp);
        }
    }
}

static FSYNC: AtomicBool = AtomicBool::new(false);

/// Makes every commit from now on flush each file to the disk before its
/// rename, and its folder after (`--fsync`).
pub fn set_fsync(on: bool) {
    FSYNC.store(on, Ordering::Relaxed);
}

fn fsync() -> bool {
    FSYNC.load(Ordering::Relaxed)
}

/// The process id in a temporary file name of segprep's
/// (`.segprep-PID-N.tmp`).
fn temp_owner(name: &std::ffi::OsStr) -> Option<u32> {
    let name = name.to_str()?.strip_prefix(".segprep-")?;
    let (pid, n) = name.strip_suffix(".tmp")?.split_once('-')?;
    let digits =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok()).flatten()
}

/// Removes, once per folder and run, the temporary files that a segprep
/// process that is gone (killed, or its machine stopped) left in `dir`.
/// A process is looked up in /proc, so only on Linux; a folder shared
/// with another machine or PID namespace could hold a live run's file
/// whose process is not seen here, and that run would fail its rename.
fn remove_stale(dir: &Path) {
    #[cfg(target_os = "linux")]
    {
        static SEEN: std::sync::Mutex<Vec<PathBuf>> =
            std::sync::Mutex::new(Vec::new());
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen.iter().any(|d| d == dir) {
            return;
        }
        seen.push(dir.to_path_buf());
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = temp_owner(&entry.file_name()) else {
                continue;
            };
            let gone = !Path::new("/proc").join(pid.to_string()).exists();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if pid != std::process::id() && gone && is_file {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

/// Refuses outputs that are the input or that land on one another;
/// `flags` names each output in messages.
///
/// # Errors
///
/// [`ErrorKind::OutputIsInput`], or a configuration error naming the
/// outputs.
pub fn refuse_aliases(
    outputs: &[(&str, &Target)],
    inputs: &[Option<FileId>],
) -> Result<(), Error> {
    for (i, &(flag, a)) in outputs.iter().enumerate() {
        for &input in inputs {
            a.refuse_input(input)?;
        }
        for &(other_flag, b) in &outputs[i + 1..] {
            if !a.aliases(b) {
                continue;
            }
            let message = if a.is_stdout() && b.is_stdout() {
                format!(
                    "{flag} {} and {other_flag} {} would both write \
                     standard output",
                    a.given().display(),
                    b.given().display()
                )
            } else {
                format!("{} is named as two outputs", a.given().display())
            };
            return Err(Error::from(ErrorKind::Config(message)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_not_file_names() {
        for path in ["x/", "x/.", ".", "..", "a/..", "/"] {
            assert!(!names_a_file(Path::new(path)), "{path}");
        }
        for path in ["x", "a/x.csv", ".x", "x.", "a/.b"] {
            assert!(names_a_file(Path::new(path)), "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_name_a_stream() {
        let own = format!("/proc/{}/fd", std::process::id());
        let cases = [
            ("/dev", "stdin", Some(0)),
            ("/dev", "stdout", Some(1)),
            ("/dev", "stderr", Some(2)),
            ("/dev", "null", None),
            ("/dev/fd", "3", Some(3)),
            ("/proc/self/fd", "12", Some(12)),
            (own.as_str(), "1", Some(1)),
            ("/proc/self/fd", "1x", None),
            ("/proc/self/fd", "", None),
            ("/var", "1", None),
        ];
        for (dir, name, fd) in cases {
            let got = stream_number(Path::new(dir), name.as_ref());
            assert_eq!(got, fd, "{dir}/{name}");
        }
    }

    #[test]
    fn temporary_names_and_their_owner() {
        let owner = |name: &str| temp_owner(name.as_ref());
        assert_eq!(owner(".segprep-123-0.tmp"), Some(123));
        assert_eq!(owner(".segprep-9-41.tmp"), Some(9));
        for name in [
            ".segprep--1.tmp",
            ".segprep-1-.tmp",
            ".segprep-1-2.tmpx",
            "segprep-1-2.tmp",
            ".segprep-a-2.tmp",
            ".segprep-1-2-3.tmp",
        ] {
            assert_eq!(owner(name), None, "{name}");
        }
    }

    #[test]
    fn two_spellings_of_a_missing_file_alias() {
        let dir = std::env::temp_dir()
            .join(format!("segprep-outputs-{}", std::process::id()));
        fs::create_dir_all(dir.join("sub")).unwrap();
        let resolve = |p: &str| Target::resolve(&dir.join(p)).unwrap();
        let a = resolve("a.csv");
        let named = {
            let mut named = Named::default();
            named.add(&a);
            named
        };
        let aliases = a.aliases(&resolve("sub/../a.csv"))
            && a.aliases(&resolve("./a.csv"))
            && !a.aliases(&resolve("b.csv"))
            && named.holds(&dir.join("sub/../a.csv"))
            && !named.holds(&dir.join("sub/a.csv"));
        fs::remove_dir_all(&dir).unwrap();
        assert!(aliases);
    }
}
