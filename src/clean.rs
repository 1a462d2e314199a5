//! `segprep clean`: the clean file, the rejects file and the statistics,
//! each complete or not written at all.

use std::io::{self, Write};
use std::path::Path;

use segprep::{
    refuse_input, same_file, AtomicFile, Error, ErrorKind, Finding, Kept,
    Sink, Stats,
};
use serde::Serialize;

use crate::cli::CleanArgs;
use crate::{
    display_name, is_dash, open_input, stderr_is_terminal, ExitStatus,
};

/// The statistics `clean` writes.
#[derive(Serialize)]
struct CleanStats<'a> {
    #[serde(flatten)]
    stats: &'a Stats,
    output: String,
    output_bytes: u64,
}

/// Writes dropped rows as CSV records: line,rule,detail,raw.
struct RejectsSink<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> Sink for RejectsSink<W> {
    type Error = csv::Error;

    fn kept(&mut self, _: &Kept<'_>) -> Result<(), csv::Error> {
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), csv::Error> {
        let line = finding.line.to_string();
        let detail = finding.detail().to_string();
        self.csv.write_record([
            line.as_bytes(),
            finding.rule().as_bytes(),
            detail.as_bytes(),
            finding.raw,
        ])
    }
}

fn csv_error(file: &AtomicFile, err: csv::Error) -> Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => file.error(err),
        other => file.error(io::Error::other(format!("{other:?}"))),
    }
}

fn config_error(message: &str) -> Error {
    Error::from(ErrorKind::Config(message.to_string()))
}

/// Refuses output paths that collide with the input or each other.
fn check_paths(args: &CleanArgs) -> Result<(), Error> {
    if args.rejects.as_deref().is_some_and(is_dash) {
        return Err(config_error("--rejects needs a file, not -"));
    }
    if is_dash(&args.output) && args.stats.as_deref().is_some_and(is_dash) {
        return Err(config_error(
            "-o - and --stats - would both write standard output",
        ));
    }
    let mut outputs: Vec<&Path> = vec![&args.output];
    outputs.extend(args.rejects.as_deref());
    outputs.extend(args.stats.as_deref());
    outputs.retain(|path| !is_dash(path));
    for (i, a) in outputs.iter().enumerate() {
        if !is_dash(&args.file) {
            refuse_input(a, &args.file)?;
        }
        for b in &outputs[i + 1..] {
            if a == b || same_file(a, b) {
                return Err(config_error(&format!(
                    "{} is named as two outputs",
                    a.display()
                )));
            }
        }
    }
    Ok(())
}

pub fn run(args: CleanArgs) -> Result<ExitStatus, Error> {
    let pipeline = args.common.builder().build()?;
    check_paths(&args)?;
    let input = open_input(&args.file, &args.common)?;
    let mut run = pipeline.process(input.as_bytes(), input.name());
    let limit = args.common.max_bytes;
    let clean_bytes = run.stats().clean_bytes;
    if clean_bytes > limit {
        return Err(Error::from(ErrorKind::CleanTooLarge {
            path: args.output.clone(),
            bytes: clean_bytes,
            limit,
        }));
    }
    if run.stats().bytes > limit {
        let bytes = run.stats().bytes;
        run.stats_mut().warnings.push(format!(
            "the input is {bytes} bytes, over --max-bytes {limit}; the clean \
             file fits"
        ));
    }

    // Create every file first, so a bad path fails before anything is
    // written anywhere.
    let mut out_file = match is_dash(&args.output) {
        true => None,
        false => Some(AtomicFile::create(&args.output)?),
    };
    let mut rejects_file =
        args.rejects.as_deref().map(AtomicFile::create).transpose()?;
    let stats_path = args.stats.as_deref();
    let mut stats_file = match stats_path {
        Some(path) if !is_dash(path) => Some(AtomicFile::create(path)?),
        _ => None,
    };

    match &mut out_file {
        Some(file) => {
            let result =
                run.write_clean_file(file.writer().get_ref(), args.sort);
            result.map_err(|e| file.error(e))?;
        }
        None => {
            let stdout = io::stdout().lock();
            let out = io::BufWriter::with_capacity(1 << 20, stdout);
            run.write_clean(out, args.sort)
                .map_err(|e| Error::io(None, "writing standard output", e))?;
        }
    }
    if let Some(file) = &mut rejects_file {
        let mut sink =
            RejectsSink { csv: csv::Writer::from_writer(file.writer()) };
        let result = sink
            .csv
            .write_record(["line", "rule", "detail", "raw"])
            .and_then(|()| run.emit(&mut sink))
            .and_then(|()| sink.csv.flush().map_err(csv::Error::from));
        drop(sink);
        result.map_err(|e| csv_error(file, e))?;
    }
    let stats = run.stats();
    let report = CleanStats {
        stats,
        output: args.output.display().to_string(),
        output_bytes: clean_bytes,
    };
    let write_stats = |out: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        out.flush()
    };
    if let Some(file) = &mut stats_file {
        write_stats(file.writer()).map_err(|e| file.error(e))?;
    }
    for file in [rejects_file, stats_file, out_file].into_iter().flatten() {
        file.commit()?;
    }
    if stats_path.is_some_and(is_dash) {
        write_stats(&mut io::stdout().lock())
            .map_err(|e| Error::io(None, "writing standard output", e))?;
    }
    if stderr_is_terminal() {
        eprintln!(
            "segprep: {}: {} values written to {} ({} rows, {} duplicates, \
             {} rejected)",
            display_name(&args.file),
            stats.values_processed,
            display_name(&args.output),
            stats.values_found,
            stats.duplicates,
            stats.rejected_total(),
        );
    }
    if args.fail_on_reject && stats.rejected_total() > 0 {
        Ok(ExitStatus::Failure)
    } else {
        Ok(ExitStatus::Success)
    }
}
