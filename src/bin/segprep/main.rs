//! The `segprep` command: parse, run, map the outcome to an exit status.

mod check;
mod clean;
mod cli;
mod diag;
mod diff;
mod outputs;
mod parts;
mod reconcile;
mod request;
mod signals;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
#[cfg(unix)]
use std::os::fd::AsFd;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};
use segprep::{Error, Input, MmapChoice, Phase};

use crate::cli::{Cli, Color, Command, CommonArgs};

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Conforms, or written.
    Success,
    /// Does not conform, or rejects with `--fail-on-reject`.
    Failure,
    /// Nothing could be done.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Public, as the Python package compiles this file as a library.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs the command line on `args`, the program's name first. Also the
/// Python package's `segprep` command, in the interpreter's process: so
/// it returns its status rather than exiting.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // A usage error: clap's message and status, on standard error.
        Err(err) if err.use_stderr() => {
            let _ = err.print();
            return ExitCode::from(err.exit_code() as u8);
        }
        // --help and --version: standard output, where a write can fail.
        Err(err) => {
            let printed = check_stdout().and_then(|()| {
                err.print().and_then(|()| io::stdout().flush())
            });
            return match printed {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    report(&outputs::stdout_error(e))
                }
                _ => ExitCode::from(err.exit_code() as u8),
            };
        }
    };
    let choice = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let quiet = cli.quiet;
    QUIET.store(quiet, Ordering::Relaxed);
    if let Err(err) = signals::install() {
        let err = Error::io(None, "installing the signal handlers", err);
        return report(&err);
    }
    let result = match cli.command {
        Command::Check(args) => check::run(args, quiet),
        Command::Completions { shell } => completions(shell),
        Command::Clean(args) => {
            outputs::set_fsync(args.fsync);
            clean::run(args, quiet)
        }
        Command::Diff(args) => {
            outputs::set_fsync(args.fsync);
            diff::run(args, quiet)
        }
        Command::Request(args) => request::run(args),
        Command::Reconcile(args) => reconcile::run(args, quiet),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => report(&err),
    }
}

/// Prints the error line and gives the error status. A standard error
/// that cannot be written leaves only the status to tell.
pub fn report(err: &Error) -> ExitCode {
    let _ = writeln!(io::stderr(), "segprep: {}{}", chain(err), hint(err));
    ExitStatus::Error.into()
}

/// Writes the completion script for `shell` to standard output.
fn completions(shell: clap_complete::Shell) -> Result<ExitStatus, Error> {
    let mut command = <Cli as clap::CommandFactory>::command();
    // Generated into memory: clap_complete panics on a write error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "segprep", &mut script);
    let mut out = io::stdout().lock();
    let written = check_stdout()
        .and_then(|()| out.write_all(&script))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(outputs::stdout_error(e))
        }
        _ => Ok(ExitStatus::Success),
    }
}

/// Fails when standard output was closed when segprep started, as a write
/// there would have failed.
fn check_stdout() -> io::Result<()> {
    match stdout_closed_at_start() {
        true => Err(io::Error::from_raw_os_error(9)), // EBADF
        false => Ok(()),
    }
}

/// Whether standard output was closed when segprep started. The Rust
/// runtime opens /dev/null on a closed standard stream before `main`, so
/// writes there would succeed and the output would be lost; a constructor
/// looks before the runtime does.
pub fn stdout_closed_at_start() -> bool {
    #[cfg(target_os = "linux")]
    return closed_at_start::STDOUT.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(target_os = "linux"))]
    return false;
}

#[cfg(target_os = "linux")]
mod closed_at_start {
    use std::sync::atomic::{AtomicBool, Ordering};

    pub static STDOUT: AtomicBool = AtomicBool::new(false);

    extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }

    const F_GETFD: i32 = 1;

    extern "C" fn look() {
        // SAFETY: F_GETFD only reads the descriptor's flags; it fails
        // (EBADF) when the descriptor is closed.
        if unsafe { fcntl(1, F_GETFD) } < 0 {
            STDOUT.store(true, Ordering::Relaxed);
        }
    }

    /// ELF constructors run before the C `main`, which starts the Rust
    /// runtime.
    #[used]
    #[link_section = ".init_array"]
    static LOOK: extern "C" fn() = look;
}

/// What the command line offers for an error of the library, in its own
/// flags' words.
fn hint(err: &Error) -> String {
    match err.kind() {
        segprep::ErrorKind::CleanTooLarge { limit, .. } => format!(
            " (--max-bytes {limit}; --split-bytes cuts the clean file into \
             parts)"
        ),
        segprep::ErrorKind::ValueTooLarge { limit, .. } => {
            format!(" (--split-bytes {limit})")
        }
        segprep::ErrorKind::InputTooLarge { .. } => {
            " (--max-input-bytes; 0 means no cap)".to_string()
        }
        segprep::ErrorKind::BadEncoding { .. } => {
            " (--encoding; auto reads UTF-8 and UTF-16 with a byte order mark)"
                .to_string()
        }
        _ => String::new(),
    }
}

/// An error and its causes, joined by `: `.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether a path argument means standard input or output.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads the input named on the command line.
pub fn open_input(path: &Path, common: &CommonArgs) -> Result<Input, Error> {
    let mmap = if common.no_mmap {
        MmapChoice::never()
    } else {
        // SAFETY: the map is read-only and lives only for this run. If
        // another process truncates the file meanwhile, reading it
        // raises SIGBUS, which `signals` turns into exit 2 with the
        // temporary files removed.
        unsafe { MmapChoice::auto() }
    };
    signals::watch_input(path);
    let mut builder = common.input_builder();
    builder.mmap(mmap);
    // Decoding a large gzip or zstd file takes seconds before any row is
    // read: a bar over the compressed bytes, made once they are known.
    let shown: Arc<OnceLock<ProgressBar>> = Arc::default();
    let quiet = QUIET.load(Ordering::Relaxed);
    if !quiet && stderr_is_terminal() {
        let shown = Arc::clone(&shown);
        builder.progress(move |done, total| {
            shown
                .get_or_init(|| progress_bar(total, false, "decompressing"))
                .set_position(done);
        });
    }
    let input =
        if !is_dash(path) { builder.open(path) } else { open_stdin(&builder) };
    if let Some(bar) = shown.get() {
        bar.finish_and_clear();
    }
    input
}

fn open_stdin(builder: &segprep::InputBuilder) -> Result<Input, Error> {
    // Standard input redirected from a file is mapped like a named one.
    #[cfg(unix)]
    if let Ok(stdin) = io::stdin().as_fd().try_clone_to_owned() {
        return builder.from_file(stdin.into(), "-");
    }
    builder.read(io::stdin().lock(), "-")
}

/// The input's name in human output.
pub fn display_name(path: &Path) -> String {
    if is_dash(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Whether a human is watching standard error.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Whether standard output gets colours: `--color`, `NO_COLOR` and
/// `CLICOLOR_FORCE`, and whether it is a terminal.
pub fn stdout_has_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&io::stdout()),
        anstream::ColorChoice::Never
    )
}

/// Inputs at least this large get a progress display on a terminal:
/// below, the run is over in well under a second.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// The threshold of the progress display: `SEGPREP_PROGRESS_MIN_BYTES`,
/// undocumented, lowers it so that tests need no large inputs.
fn progress_min_bytes() -> u64 {
    std::env::var("SEGPREP_PROGRESS_MIN_BYTES")
        .ok()
        .and_then(|bytes| bytes.parse().ok())
        .unwrap_or(PROGRESS_MIN_BYTES)
}

/// Whether `--quiet` was given, for [`open_input`]'s decoding display.
static QUIET: AtomicBool = AtomicBool::new(false);

/// A phase with a byte count: the bar, the bytes and the rate.
fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{msg:>13} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec}",
    )
    .expect("the template is valid")
    .progress_chars("=> ")
}

/// A phase without one: a spinner and the time it has taken.
fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg:>13} {spinner} {elapsed}")
        .expect("the template is valid")
}

/// A progress display on standard error for a long run, or a hidden
/// one: only when standard error is a terminal and not `--quiet`. It
/// starts with the phase `what`, counting `total` bytes, and clears
/// itself when dropped, so an error line never follows a stale bar.
pub fn progress_bar(total: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || total < progress_min_bytes() || !stderr_is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total).with_finish(ProgressFinish::AndClear);
    bar.set_style(bytes_style());
    bar.set_message(what.to_string());
    bar
}

/// Names the phase `what`, which has no byte count: a spinner turns, so
/// that a long phase does not look like a frozen bar.
pub fn spin(bar: &ProgressBar, what: &str) {
    if bar.is_hidden() {
        return;
    }
    bar.set_style(spinner_style());
    bar.set_message(what.to_string());
    bar.reset_elapsed();
    bar.enable_steady_tick(Duration::from_millis(100));
}

/// Starts the phase of writing the outputs, unless one of them is a
/// terminal, where the spinner would mix with the values.
pub fn writing(bar: &ProgressBar, outputs: &[Option<&Path>]) {
    let to_terminal = outputs.iter().flatten().any(|path| is_dash(path))
        && io::stdout().is_terminal();
    match to_terminal {
        true => bar.finish_and_clear(),
        false => spin(bar, "writing"),
    }
}

/// Builds the pipeline of `common`, reporting its phases and its bytes
/// to `bar`.
pub fn build_pipeline(
    common: &CommonArgs,
    bar: &ProgressBar,
) -> Result<segprep::Pipeline, Error> {
    let mut builder = common.builder();
    if !bar.is_hidden() {
        let (bytes, phases) = (bar.clone(), bar.clone());
        builder.progress(move |done| bytes.set_position(done));
        builder.phases(move |phase| match phase {
            Phase::Duplicates => spin(&phases, "deduping"),
            Phase::Counting => spin(&phases, "counting"),
            // The rows: the bar's own bytes.
            _ => {}
        });
    }
    builder.build()
}
