//! `segprep check`: every finding, as text or JSON; changes nothing.

use std::io::{self, Write};
use std::path::Path;

use segprep::{Error, ErrorKind, JsonReport, Run, RunOptions, Stats};

use crate::cli::{CheckArgs, CommonArgs, FailOn, Format};
use crate::diag::{self, counted, CheckSink, Styles, Target};
use crate::{
    build_pipeline, display_name, is_dash, open_input, progress_bar,
    stdout_has_color, ExitStatus,
};

/// The options of `common` as the JSON documents echo them for `run`,
/// defaults resolved: the delimiter the run used (the one `auto` picked
/// for its input).
pub fn run_options(common: &CommonArgs, run: &Run) -> RunOptions {
    RunOptions {
        id_type: common.id_type,
        attribute_type: common.attribute_type,
        case: common.case.unwrap_or(common.id_type.default_case()),
        header: common.header,
        attribute_name: common.attribute_name.clone(),
        column: common.column.clone(),
        delimiter: run.delimiter(),
        default_region: common.default_region.clone(),
        allow_chars: common.allow_chars.clone(),
        deny_chars: common.deny_chars.clone(),
        ascii_only: common.ascii_only,
        max_value_len: common.max_value_len as u64,
        max_bytes: common.max_bytes,
        max_input_bytes: common.max_input_bytes,
        encoding: common.encoding,
    }
}

pub fn run(args: CheckArgs, quiet: bool) -> Result<ExitStatus, Error> {
    if args.files.iter().filter(|f| is_dash(f)).count() > 1 {
        return Err(Error::from(ErrorKind::Config(
            "standard input (-) can be checked once".to_string(),
        )));
    }
    // One file: its errors are the command's. Several: each file's error
    // is reported and the others are still checked.
    if let [file] = &args.files[..] {
        return check_file(&args, file, quiet, Layout::Single)
            .map(|outcome| outcome.status);
    }
    let mut totals = Totals::default();
    for file in &args.files {
        match check_file(&args, file, quiet, Layout::Several) {
            Ok(outcome) => totals.add(outcome),
            Err(err) => {
                crate::report(&err);
                totals.errors += 1;
            }
        }
    }
    if !quiet && args.format == Format::Human {
        let mut out = io::stdout().lock();
        let written =
            writeln!(out, "\n{}", totals.line()).and_then(|()| out.flush());
        if let Err(err) = written {
            if err.kind() != io::ErrorKind::BrokenPipe {
                return Err(Error::io(None, "writing standard output", err));
            }
        }
    }
    Ok(totals.status())
}

/// One file alone, or one of several (JSON Lines, errors reported and
/// passed over).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Single,
    Several,
}

/// What checking one file found.
struct Outcome {
    status: ExitStatus,
    conforms: bool,
    rows: u64,
    values: u64,
}

/// The line of totals after several files.
#[derive(Default)]
struct Totals {
    files: u64,
    conform: u64,
    errors: u64,
    failed: bool,
    rows: u64,
    values: u64,
}

impl Totals {
    fn add(&mut self, outcome: Outcome) {
        self.files += 1;
        self.conform += u64::from(outcome.conforms);
        self.failed |= outcome.status == ExitStatus::Failure;
        self.rows += outcome.rows;
        self.values += outcome.values;
    }

    fn status(&self) -> ExitStatus {
        match (self.errors, self.failed) {
            (1.., _) => ExitStatus::Error,
            (0, true) => ExitStatus::Failure,
            (0, false) => ExitStatus::Success,
        }
    }

    fn line(&self) -> String {
        let all = self.files + self.errors;
        let not = self.files - self.conform;
        let mut line = format!(
            "{}: {} {}, {} {}",
            counted(all, "file", "files"),
            diag::count(self.conform),
            if self.conform == 1 { "conforms" } else { "conform" },
            diag::count(not),
            if not == 1 { "does not" } else { "do not" },
        );
        if self.errors > 0 {
            line.push_str(&format!(
                ", {} could not be read",
                diag::count(self.errors)
            ));
        }
        line.push_str(&format!(
            "; {} (values_found), {} to upload (values_processed)",
            counted(self.rows, "row", "rows"),
            counted(self.values, "value", "values")
        ));
        line
    }
}

fn check_file(
    args: &CheckArgs,
    file: &Path,
    quiet: bool,
    layout: Layout,
) -> Result<Outcome, Error> {
    let input = open_input(file, &args.common)?;
    let bar = progress_bar(input.as_bytes().len() as u64, quiet, "checking");
    let pipeline = build_pipeline(&args.common, &bar)?;
    let run = pipeline.try_process(input)?;
    bar.finish_and_clear();
    let options = run_options(&args.common, &run);
    let mut stats = run.stats().clone();
    stats.options = Some(options);
    let stats = &stats;
    let failed = match args.fail_on {
        FailOn::Any => !stats.conforms(),
        FailOn::Reject => {
            stats.rejected_total() > 0 || !stats.file_findings.is_empty()
        }
        FailOn::Never => false,
    };
    let outcome = Outcome {
        status: if failed { ExitStatus::Failure } else { ExitStatus::Success },
        conforms: stats.conforms(),
        rows: stats.values_found,
        values: stats.values_processed,
    };
    // Quiet silences the words for people, not the JSON a script asked
    // for.
    if quiet && args.format == Format::Human {
        return Ok(outcome);
    }
    match report(args, file, &run, stats, layout) {
        // A reader that closed standard output (`segprep check | head`)
        // has read all it wanted; the verdict stands.
        Err(err) if err.is_broken_pipe() => Ok(outcome),
        result => result.map(|()| outcome),
    }
}

/// Writes the findings and the summary, or the JSON report.
fn report(
    args: &CheckArgs,
    file: &Path,
    run: &Run,
    stats: &Stats,
    layout: Layout,
) -> Result<(), Error> {
    let stdout = io::stdout().lock();
    let write_err =
        |e: io::Error| Error::io(None, "writing standard output", e);
    match args.format {
        Format::Human => {
            let file = display_name(file);
            let styles = Styles::new(stdout_has_color());
            let out = io::BufWriter::with_capacity(1 << 16, stdout);
            let target = Target::Human { out, file: file.clone(), styles };
            let mut sink = CheckSink::new(target, args.max_diagnostics, stats);
            sink.options(stats.options.as_ref().expect("set above"));
            if stats.clean_bytes > args.common.max_bytes {
                let longest = run.values().map(|v| v.len() as u64 + 1).max();
                sink.longest_value(longest.unwrap_or(0));
            }
            run.emit(&mut sink).map_err(write_err)?;
            let Target::Human { mut out, .. } = sink.take_target() else {
                unreachable!("the target stays human")
            };
            diag::write_summary(&mut out, &file, stats, &sink, &styles)
                .and_then(|()| out.flush())
                .map_err(write_err)?;
        }
        Format::Json => {
            let out = io::BufWriter::new(stdout);
            // Several files: JSON Lines, one compact object per file.
            let report = if layout == Layout::Several {
                JsonReport::line(out, stats)
            } else {
                JsonReport::start(out, stats)
            };
            let report = report.map_err(write_err)?;
            let mut sink = CheckSink::new(
                Target::Json(report),
                args.max_diagnostics,
                stats,
            );
            sink.options(stats.options.as_ref().expect("set above"));
            run.emit(&mut sink).map_err(write_err)?;
            let Target::Json(report) = sink.into_target() else {
                unreachable!("the target stays JSON")
            };
            report.finish().map_err(write_err)?;
        }
    }
    Ok(())
}
