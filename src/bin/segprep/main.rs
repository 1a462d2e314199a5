//! The `segprep` command: parse, run, map the outcome to an exit status.

mod check;
mod clean;
mod cli;
mod diag;
mod diff;
mod outputs;
mod reconcile;
mod request;

use std::io::{self, IsTerminal};
#[cfg(unix)]
use std::os::fd::AsFd;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use segprep::{Error, Input, MmapChoice};

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Check(args) => check::run(args, quiet),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(
                shell,
                &mut command,
                "segprep",
                &mut io::stdout(),
            );
            Ok(ExitStatus::Success)
        }
        Command::Clean(args) => clean::run(args, quiet),
        Command::Diff(args) => diff::run(args),
        Command::Request(args) => request::run(args),
        Command::Reconcile(args) => reconcile::run(args, quiet),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("segprep: {}{}", chain(&err), hint(&err));
            ExitStatus::Error.into()
        }
    }
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

/// Names standard output in a library error from writing to it.
pub fn stdout_error(err: Error) -> Error {
    match err.into_kind() {
        segprep::ErrorKind::Io { path: None, err, .. } => {
            Error::io(None, "writing standard output", err)
        }
        kind => Error::from(kind),
    }
}

/// Reads the input named on the command line.
pub fn open_input(path: &Path, common: &CommonArgs) -> Result<Input, Error> {
    let mmap = if common.no_mmap {
        MmapChoice::never()
    } else {
        // SAFETY: the map is read-only and lives only for this run. If
        // another process truncates the file meanwhile, reading it may
        // raise SIGBUS; the README states this and offers --no-mmap.
        unsafe { MmapChoice::auto() }
    };
    if !is_dash(path) {
        return Input::open(path, mmap);
    }
    // Standard input redirected from a file is mapped like a named one.
    #[cfg(unix)]
    if let Ok(stdin) = io::stdin().as_fd().try_clone_to_owned() {
        return Input::from_file(stdin.into(), "-", mmap);
    }
    Input::read(io::stdin().lock(), "-")
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

/// Inputs at least this large get a progress bar on a terminal: below,
/// the run is over in well under a second.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// A progress bar on standard error for a long run, or a hidden one:
/// only when standard error is a terminal and not `--quiet`.
pub fn progress_bar(
    total: u64,
    quiet: bool,
    what: &str,
) -> indicatif::ProgressBar {
    if quiet || total < PROGRESS_MIN_BYTES || !stderr_is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
    )
    .expect("the template is valid")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// Builds the pipeline of `common`, reporting progress to `bar`.
pub fn build_pipeline(
    common: &CommonArgs,
    bar: &indicatif::ProgressBar,
) -> Result<segprep::Pipeline, Error> {
    let mut builder = common.builder();
    if !bar.is_hidden() {
        let bar = bar.clone();
        builder.progress(move |done| bar.set_position(done));
    }
    builder.build()
}
