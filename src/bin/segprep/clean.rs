//! `segprep clean`: the clean file, the rejects file and the statistics,
//! each complete or not written at all.

use std::io::{self, Write};
use std::path::Path;

use segprep::workflow::split::{self, Part};
use segprep::{Error, ErrorKind, Order, Run, Stats};
use serde::Serialize;

use crate::cli::CleanArgs;
use crate::outputs::{refuse_input, same_file, AtomicFile};
use crate::{
    build_pipeline, display_name, is_dash, open_input, progress_bar,
    stderr_is_terminal, stdout_error, ExitStatus,
};

/// The statistics `clean` writes.
#[derive(Serialize)]
struct CleanStats<'a> {
    #[serde(flatten)]
    stats: &'a Stats,
    output: String,
    output_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    parts: Option<Vec<PartStats>>,
}

/// One part of a split clean file, in the statistics.
#[derive(Serialize)]
struct PartStats {
    path: String,
    values: usize,
    bytes: u64,
}

/// The clean file as numbered parts.
struct Split<'a> {
    /// The values in byte order, with `--sort`; without it the parts are
    /// cut from the clean file as it is written.
    sorted: Option<Vec<&'a [u8]>>,
    parts: Vec<Part>,
    files: Vec<AtomicFile>,
}

impl<'a> Split<'a> {
    /// Plans the parts and creates their temporary files.
    fn new(args: &CleanArgs, run: &'a Run) -> Result<Self, Error> {
        if is_dash(&args.output) {
            return Err(config_error(
                "--split-bytes and --split-values need a file for -o, not -",
            ));
        }
        let max_bytes = args.split_bytes.unwrap_or(u64::MAX);
        let max_values = args.split_values.unwrap_or(u64::MAX);
        let sorted = args.sort.then(|| run.ordered_values(Order::Sorted));
        let lengths: Box<dyn Iterator<Item = usize>> = match &sorted {
            Some(values) => Box::new(values.iter().map(|v| v.len())),
            None => Box::new(run.values().map(<[u8]>::len)),
        };
        let parts = split::plan(lengths, max_bytes, max_values)?;
        let limit = args.common.max_bytes;
        let mut files = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let path = split::part_path(&args.output, i + 1);
            if !is_dash(&args.file) {
                refuse_input(&path, &args.file)?;
            }
            if part.bytes > limit {
                return Err(Error::from(ErrorKind::CleanTooLarge {
                    path: Some(path),
                    bytes: part.bytes,
                    limit,
                }));
            }
            files.push(AtomicFile::create(&path)?);
        }
        Ok(Split { sorted, parts, files })
    }

    /// Writes the parts: cut from the clean file as its chunks are
    /// written in parallel, or, sorted or to a FIFO, value by value.
    fn write(&mut self, run: &Run) -> Result<(), Error> {
        #[cfg(unix)]
        if self.sorted.is_none()
            && self.files.iter().all(AtomicFile::is_positional)
        {
            let files: Vec<(&std::fs::File, u64)> = self
                .files
                .iter_mut()
                .zip(&self.parts)
                .map(|(file, part)| (file.writer().get_ref(), part.bytes))
                .collect();
            let result = run.write_clean_files(&files);
            drop(files);
            return result.map_err(|err| match err.into_kind() {
                ErrorKind::WritePart { part, err } => {
                    match self.files.get(part) {
                        Some(file) => file.error(err),
                        None => Error::io(None, "cannot write the parts", err),
                    }
                }
                kind => Error::from(kind),
            });
        }
        let values = match self.sorted.take() {
            Some(values) => values,
            None => run.values().collect(),
        };
        for (part, file) in self.parts.iter().zip(&mut self.files) {
            let values = &values[part.first..][..part.values];
            let out = file.writer();
            let result = values.iter().try_for_each(|v| {
                out.write_all(v)?;
                out.write_all(b"\n")
            });
            result.map_err(|e| file.error(e))?;
        }
        Ok(())
    }

    fn stats(&self, output: &Path) -> Vec<PartStats> {
        let paths = (1..).map(|n| split::part_path(output, n));
        self.parts
            .iter()
            .zip(paths)
            .map(|(part, path)| PartStats {
                path: path.display().to_string(),
                values: part.values,
                bytes: part.bytes,
            })
            .collect()
    }

    /// Renames every part into place, or none: parts already renamed are
    /// removed when a later one fails. Then removes parts of an earlier,
    /// longer split that would otherwise look like members of this one.
    fn commit(self, output: &Path) -> Result<(), Error> {
        let count = self.files.len();
        for (i, file) in self.files.into_iter().enumerate() {
            if let Err(err) = file.commit() {
                for n in 1..=i {
                    let _ = std::fs::remove_file(split::part_path(output, n));
                }
                return Err(err);
            }
        }
        for stale in split::stale_parts(output, count) {
            let _ = std::fs::remove_file(stale);
        }
        Ok(())
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

pub fn run(args: CleanArgs, quiet: bool) -> Result<ExitStatus, Error> {
    check_paths(&args)?;
    let input = open_input(&args.file, &args.common)?;
    let bar = progress_bar(input.as_bytes().len() as u64, quiet, "cleaning");
    let pipeline = build_pipeline(&args.common, &bar)?;
    let run = pipeline.try_process(input)?;
    bar.finish_and_clear();
    let limit = args.common.max_bytes;
    let clean_bytes = run.stats().clean_bytes;
    let splitting = args.split_bytes.is_some() || args.split_values.is_some();
    let order = if args.sort { Order::Sorted } else { Order::FirstSeen };
    if !splitting {
        run.check_clean_size().map_err(|e| e.with_path(&args.output))?;
    }
    let mut stats = run.stats().clone();
    if stats.content_bytes() > limit {
        let bytes = stats.content_bytes();
        stats.warnings.push(format!(
            "the input is {bytes} bytes, over --max-bytes {limit}; the clean \
             file fits"
        ));
    }

    // Create every file first, so a bad path fails before anything is
    // written anywhere.
    let mut split =
        if splitting { Some(Split::new(&args, &run)?) } else { None };
    let mut out_file = match is_dash(&args.output) || splitting {
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
        _ if splitting => {}
        // A new regular file takes each thread's writes at their offsets;
        // a device or a FIFO only a stream.
        Some(file) if file.is_positional() => {
            let result = run.write_clean_file(file.writer().get_ref(), order);
            result.map_err(|e| e.with_path(file.target()))?;
        }
        Some(file) => {
            let result = run.write_clean(file.writer(), order);
            result.map_err(|e| e.with_path(file.target()))?;
        }
        None => {
            let stdout = io::stdout().lock();
            let out = io::BufWriter::with_capacity(1 << 20, stdout);
            run.write_clean(out, order).map_err(stdout_error)?;
        }
    }
    if let Some(split) = &mut split {
        split.write(&run)?;
    }
    if let Some(file) = &mut rejects_file {
        let result = run.write_rejects(file.writer());
        result.map_err(|e| e.with_path(file.target()))?;
    }
    let report = CleanStats {
        stats: &stats,
        output: args.output.display().to_string(),
        output_bytes: clean_bytes,
        parts: split.as_ref().map(|split| split.stats(&args.output)),
    };
    let write_stats = |out: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        out.flush()
    };
    if let Some(file) = &mut stats_file {
        write_stats(file.writer()).map_err(|e| file.error(e))?;
    }
    // Standard output first: if it fails, no file has been renamed yet.
    if stats_path.is_some_and(is_dash) {
        write_stats(&mut io::stdout().lock())
            .map_err(|e| Error::io(None, "writing standard output", e))?;
    }
    for file in [rejects_file, stats_file, out_file].into_iter().flatten() {
        file.commit()?;
    }
    if let Some(split) = split {
        split.commit(&args.output)?;
    }
    if !quiet {
        for warning in &stats.warnings {
            eprintln!("segprep: warning: {warning}");
        }
    }
    if stderr_is_terminal() && !quiet {
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
