//! Interruptions: the temporary files of a run are tracked here, so that
//! SIGINT, SIGTERM and a SIGBUS from a truncated mapped input leave none
//! behind; and the inputs' size and modification time are noted at open,
//! so that a file changed while it was read is not cleaned into junk.
//!
//! SIGINT and SIGTERM are received by a thread (signal-hook's iterator),
//! which removes the temporary files under the lock that creating and
//! renaming one holds, and exits 130 or 143: a rename is either done (the
//! file is in place and counted) or not started (the temporary file is
//! removed), never half seen.
//!
//! SIGBUS is synchronous: the faulting thread cannot go on, so the handler
//! does only async-signal-safe work and never returns: it unlinks the
//! temporary paths kept, as C strings, in a fixed array of atomic slots
//! (the first [`SLOTS`] files of a run; more are best effort), writes a
//! message prepared in advance, and calls `_exit(2)`. It cannot tell a
//! truncated input from another cause of SIGBUS, and a temporary file
//! created or renamed at the very moment of the fault may be missed or
//! left; an unlink after a rename fails harmlessly, as temporary names
//! are never reused.

use std::ffi::CString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use segprep::{Error, ErrorKind};
#[cfg(unix)]
use signal_hook::consts::{SIGBUS, SIGINT, SIGTERM};

/// The temporary files alive now, and how many were renamed into place.
struct Registry {
    live: Vec<(PathBuf, Option<usize>)>,
    committed: usize,
    /// Each input's path and size and modification time at open.
    inputs: Vec<(PathBuf, Option<Stamp>)>,
    /// Outputs written in place (streams, devices): what they got stays.
    in_place: Vec<String>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    live: Vec::new(),
    committed: 0,
    inputs: Vec::new(),
    in_place: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Temporary paths the SIGBUS handler can read without a lock.
const SLOTS: usize = 256;

static BUS_PATHS: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(null_mut()) }; SLOTS];

/// The SIGBUS message, built when an input is opened.
static BUS_MESSAGE: AtomicPtr<Box<[u8]>> = AtomicPtr::new(null_mut());

/// Starts the thread that handles SIGINT and SIGTERM, and the SIGBUS
/// handler.
///
/// # Errors
///
/// The handlers could not be installed.
#[cfg(unix)]
pub fn install() -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            interrupted(signal);
        }
    })?;
    // SAFETY: `on_bus` does only async-signal-safe work (atomic loads,
    // unlink, write, _exit) and allocates nothing.
    unsafe { signal_hook::low_level::register(SIGBUS, on_bus) }?;
    Ok(())
}

/// Elsewhere, an interruption leaves its temporary files, which the
/// next run on Linux would remove.
#[cfg(not(unix))]
pub fn install() -> io::Result<()> {
    Ok(())
}

/// Removes the temporary files and exits as a shell expects of `signal`.
#[cfg(unix)]
fn interrupted(signal: i32) -> ! {
    // Held until the exit: no temporary file is created or renamed after.
    let mut registry = registry();
    let mut removed = 0;
    for (path, slot) in registry.live.drain(..) {
        if let Some(slot) = slot {
            BUS_PATHS[slot].store(null_mut(), Ordering::SeqCst);
        }
        if fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
    let files = |n: usize, what: &str| match n {
        1 => format!("1 {what}file"),
        n => format!("{n} {what}files"),
    };
    let mut written = match registry.committed {
        0 => "nothing written".to_string(),
        n => format!("{} already in place", files(n, "")),
    };
    if !registry.in_place.is_empty() {
        written = format!(
            "{written} except to {}, which may be incomplete",
            registry.in_place.join(" and ")
        );
    }
    let _ = writeln!(
        io::stderr(),
        "segprep: interrupted ({name}); removed {}, {written}",
        files(removed, "temporary ")
    );
    std::process::exit(128 + signal)
}

/// The SIGBUS handler. It must not return: the faulting read would run
/// again.
#[cfg(unix)]
fn on_bus() {
    for slot in &BUS_PATHS {
        let path = slot.load(Ordering::SeqCst);
        if !path.is_null() {
            // SAFETY: a slot holds a leaked, never freed C string.
            unsafe { libc::unlink(path) };
        }
    }
    let message = BUS_MESSAGE.load(Ordering::SeqCst);
    let fallback: &[u8] = b"segprep: an input changed while it was read; \
        run again, or use --no-mmap\n";
    // SAFETY: the message, once stored, is leaked and never changed.
    let bytes = match unsafe { message.as_ref() } {
        Some(message) => &message[..],
        None => fallback,
    };
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(2)
    }
}

/// Creates a temporary file with `create` and tracks it until it is
/// renamed or removed.
///
/// # Errors
///
/// `create` failed.
pub fn create_temp(
    temp: &Path,
    create: impl FnOnce(&Path) -> io::Result<File>,
) -> io::Result<File> {
    let mut registry = registry();
    let file = create(temp)?;
    // Leaked: the handler may read it at any time, even after the slot
    // is cleared.
    let slot = c_path(temp).and_then(|c| {
        let c = c.into_raw();
        let free = BUS_PATHS.iter().position(|slot| {
            slot.compare_exchange(
                null_mut(),
                c,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        });
        if free.is_none() {
            // SAFETY: from `into_raw` above, and never shared.
            drop(unsafe { CString::from_raw(c) });
        }
        free
    });
    registry.live.push((temp.to_path_buf(), slot));
    Ok(file)
}

#[cfg(unix)]
fn c_path(path: &Path) -> Option<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).ok()
}

#[cfg(not(unix))]
fn c_path(_: &Path) -> Option<CString> {
    None
}

/// Forgets `temp`; the caller holds the lock.
fn forget(registry: &mut Registry, temp: &Path) {
    if let Some(i) = registry.live.iter().position(|(p, _)| p == temp) {
        let (_, slot) = registry.live.swap_remove(i);
        if let Some(slot) = slot {
            BUS_PATHS[slot].store(null_mut(), Ordering::SeqCst);
        }
    }
}

/// Renames `temp` to `destination` and stops tracking it, under the lock
/// a signal takes: the file is either in place or removed.
///
/// # Errors
///
/// The rename failed; `temp` is still tracked.
pub fn rename_temp(temp: &Path, destination: &Path) -> io::Result<()> {
    let mut registry = registry();
    fs::rename(temp, destination)?;
    forget(&mut registry, temp);
    registry.committed += 1;
    Ok(())
}

/// Notes an output written in place, named `name` in the message of an
/// interruption.
pub fn note_in_place(name: String) {
    registry().in_place.push(name);
}

/// Removes `temp` and stops tracking it.
pub fn remove_temp(temp: &Path) {
    let mut registry = registry();
    let _ = fs::remove_file(temp);
    forget(&mut registry, temp);
}

/// A file's size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp(u64, Option<SystemTime>);

impl Stamp {
    /// The stamp of a regular file; none for a pipe or a terminal, whose
    /// time moves as it is written.
    fn of(meta: &fs::Metadata) -> Option<Stamp> {
        meta.is_file().then(|| Stamp(meta.len(), meta.modified().ok()))
    }

    fn take(path: &Path) -> Option<Stamp> {
        #[cfg(unix)]
        if crate::is_dash(path) {
            use std::os::fd::AsFd;
            let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
            return Stamp::of(&File::from(fd).metadata().ok()?);
        }
        Stamp::of(&fs::metadata(path).ok()?)
    }
}

/// Notes an input about to be read: its stamp, and its name in the
/// SIGBUS message.
pub fn watch_input(path: &Path) {
    let mut registry = registry();
    registry.inputs.push((path.to_path_buf(), Stamp::take(path)));
    let names: Vec<String> = registry
        .inputs
        .iter()
        .map(|(path, _)| crate::display_name(path))
        .collect();
    let message = format!(
        "segprep: {} changed while it was read; run again, or use \
         --no-mmap\n",
        names.join(" or ")
    );
    let message = Box::into_raw(Box::new(message.into_bytes().into()));
    // The old message is leaked: the handler may be reading it.
    BUS_MESSAGE.store(message, Ordering::SeqCst);
}

/// Refuses a run whose input changed while it was read: a rewrite in
/// place can give junk without any signal.
///
/// # Errors
///
/// An input's size or modification time differs from when it was opened.
pub fn check_inputs() -> Result<(), Error> {
    let registry = registry();
    for (path, stamp) in &registry.inputs {
        if stamp.is_some() && Stamp::take(path) != *stamp {
            return Err(Error::from(ErrorKind::Config(format!(
                "{}: changed while it was read (its size or modification \
                 time differs from the start); nothing written, run again",
                crate::display_name(path)
            ))));
        }
    }
    Ok(())
}
