//! `segprep check`: every finding, as text or JSON; changes nothing.

use std::io::{self, Write};

use segprep::{Error, Run};

use crate::cli::{CheckArgs, Format};
use segprep::JsonReport;

use crate::diag::{self, CheckSink, Styles, Target};
use crate::{
    build_pipeline, display_name, open_input, progress_bar, stdout_has_color,
    ExitStatus,
};

pub fn run(args: CheckArgs, quiet: bool) -> Result<ExitStatus, Error> {
    let input = open_input(&args.file, &args.common)?;
    let bar = progress_bar(input.as_bytes().len() as u64, quiet, "checking");
    let pipeline = build_pipeline(&args.common, &bar)?;
    let run = pipeline.try_process(input)?;
    bar.finish_and_clear();
    let stats = run.stats();
    let status = if stats.conforms() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    if quiet {
        return Ok(status);
    }
    match report(&args, &run) {
        // A reader that closed standard output (`segprep check | head`)
        // has read all it wanted; the verdict stands.
        Err(err) if err.is_broken_pipe() => Ok(status),
        result => result.map(|()| status),
    }
}

/// Writes the findings and the summary, or the JSON report.
fn report(args: &CheckArgs, run: &Run) -> Result<(), Error> {
    let stats = run.stats();
    let stdout = io::stdout().lock();
    let write_err =
        |e: io::Error| Error::io(None, "writing standard output", e);
    match args.format {
        Format::Human => {
            let file = display_name(&args.file);
            let styles = Styles::new(stdout_has_color());
            let out = io::BufWriter::with_capacity(1 << 16, stdout);
            let target = Target::Human { out, file: file.clone(), styles };
            let mut sink = CheckSink::new(target, args.max_diagnostics, stats);
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
            let report = JsonReport::start(out, stats).map_err(write_err)?;
            let mut sink = CheckSink::new(
                Target::Json(report),
                args.max_diagnostics,
                stats,
            );
            run.emit(&mut sink).map_err(write_err)?;
            let Target::Json(report) = sink.into_target() else {
                unreachable!("the target stays JSON")
            };
            report.finish().map_err(write_err)?;
        }
    }
    Ok(())
}
