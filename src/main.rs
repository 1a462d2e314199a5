//! The `segprep` command: parse, run, map the outcome to an exit status.

mod clean;
mod cli;
mod diag;
mod diff_cmd;
mod reconcile_cmd;
mod request_cmd;

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use segprep::{Error, Input, MmapChoice};

use crate::cli::{CheckArgs, Cli, Command, CommonArgs, Format};
use crate::diag::{CheckReport, CheckSink, Target};

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
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Clean(args) => clean::run(args),
        Command::Diff(args) => diff_cmd::run(args),
        Command::Request(args) => request_cmd::run(args),
        Command::Reconcile(args) => reconcile_cmd::run(args),
    };
    match result {
        Ok(status) => status.into(),
        // A closed standard output (`segprep check | head`) is not an
        // error: whoever closed it has read all they wanted.
        Err(err) if err.is_broken_pipe() => ExitCode::from(0),
        Err(err) => {
            eprintln!("segprep: {err}");
            ExitStatus::Error.into()
        }
    }
}

/// Whether a path argument means standard input or output.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads the input named on the command line.
pub fn open_input(path: &Path, common: &CommonArgs) -> Result<Input, Error> {
    let input = open_path(path, common)?;
    if let Some(encoding) = segprep::detect_utf16(input.as_bytes()) {
        return Err(Error::from(segprep::ErrorKind::Utf16 {
            input: display_name(path),
            encoding,
        }));
    }
    Ok(input)
}

fn open_path(path: &Path, common: &CommonArgs) -> Result<Input, Error> {
    if is_dash(path) {
        return Input::read(io::stdin().lock(), "-");
    }
    let mmap = if common.no_mmap {
        MmapChoice::never()
    } else {
        // SAFETY: the map is read-only and lives only for this run. If
        // another process truncates the file meanwhile, reading it may
        // raise SIGBUS; the README states this and offers --no-mmap.
        unsafe { MmapChoice::auto() }
    };
    Input::open(path, mmap)
}

/// The input's name in human output.
pub fn display_name(path: &Path) -> String {
    if is_dash(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

fn check(args: CheckArgs) -> Result<ExitStatus, Error> {
    let pipeline = args.common.builder().build()?;
    let input = open_input(&args.file, &args.common)?;
    let run = pipeline.process_input(&input);
    let stats = run.stats();
    let stdout = io::stdout().lock();
    let write_err =
        |e: io::Error| Error::io(None, "writing standard output", e);
    match args.format {
        Format::Human => {
            let file = display_name(&args.file);
            let out = io::BufWriter::with_capacity(1 << 16, stdout);
            let target = Target::Human { out, file: file.clone() };
            let mut sink = CheckSink::new(target, args.max_diagnostics);
            run.emit(&mut sink).map_err(write_err)?;
            let hidden = sink.hidden;
            let Target::Human { mut out, .. } = sink.into_target() else {
                unreachable!("the target stays human")
            };
            diag::write_summary(&mut out, &file, stats, hidden)
                .and_then(|()| out.flush())
                .map_err(write_err)?;
        }
        Format::Json => {
            let target = Target::Json(Vec::new());
            let mut sink =
                CheckSink::<io::Sink>::new(target, args.max_diagnostics);
            run.emit(&mut sink).map_err(write_err)?;
            let Target::Json(diagnostics) = sink.into_target() else {
                unreachable!("the target stays JSON")
            };
            let report = CheckReport {
                stats,
                conforms: stats.conforms(),
                file_findings: stats
                    .file_findings
                    .iter()
                    .map(|f| f.name())
                    .collect(),
                diagnostics,
            };
            let mut out = io::BufWriter::new(stdout);
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
                .map_err(write_err)?;
        }
    }
    Ok(if stats.conforms() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Whether a human is watching standard error.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}
