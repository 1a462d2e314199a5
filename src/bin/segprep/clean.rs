//! `segprep clean`: the clean file, the rejects file and the statistics,
//! each complete or not written at all.

use std::io::{self, Write};
use std::path::Path;

use segprep::workflow::split::{self, Part};
use segprep::{
    Error, ErrorKind, Order, PartStats, Rule, Run, StatsFile, WarningCode,
    DAILY_VALUE_LIMIT,
};

use crate::cli::CleanArgs;
use crate::diag::{count, counted};
use crate::outputs::{
    input_id, refuse_aliases, AtomicFile, FileId, Named, Target,
};
use crate::parts;
use crate::{
    build_pipeline, display_name, is_dash, open_input, progress_bar,
    ExitStatus,
};

/// The clean file as numbered parts.
struct Split<'a> {
    /// The values in byte order, with `--sort`; without it the parts are
    /// cut from the clean file as it is written.
    sorted: Option<Vec<&'a [u8]>>,
    parts: Vec<Part>,
    /// Each part's path, until its file is opened.
    targets: Vec<Target>,
    files: Vec<AtomicFile>,
}

/// At most this many parts are open at once, written in parallel; more
/// are written one after the other, each closed before the next opens,
/// so that no number of parts runs into the limit on open files.
const OPEN_PARTS: usize = 64;

impl<'a> Split<'a> {
    /// Plans the parts and checks their paths.
    fn new(
        args: &CleanArgs,
        run: &'a Run,
        outputs: &Outputs,
    ) -> Result<Self, Error> {
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
        let others =
            [("--rejects", &outputs.rejects), ("--stats", &outputs.stats)];
        let mut targets = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let path = parts::part_path(&args.output, i + 1);
            let target = Target::resolve(&path)?;
            target.refuse_input(outputs.input)?;
            for (flag, other) in others {
                if let Some(other) =
                    other.as_ref().filter(|o| o.aliases(&target))
                {
                    return Err(config_error(&format!(
                        "{flag} {} is also part {} of the clean file",
                        other.given().display(),
                        i + 1
                    )));
                }
            }
            if part.bytes > limit {
                return Err(Error::from(ErrorKind::CleanTooLarge {
                    path: Some(path),
                    bytes: part.bytes,
                    limit,
                }));
            }
            targets.push(target);
        }
        Ok(Split { sorted, parts, targets, files: Vec::new() })
    }

    /// Whether a part is written in place (a device, a FIFO, a stream).
    fn in_place(&self) -> bool {
        !self.targets.iter().all(Target::is_file)
    }

    /// Opens and writes the parts: a few cut from the clean file as its
    /// chunks are written in parallel, or else part by part.
    fn write(&mut self, run: &'a Run) -> Result<(), Error> {
        let targets = std::mem::take(&mut self.targets);
        #[cfg(unix)]
        if self.sorted.is_none()
            && targets.len() <= OPEN_PARTS
            && targets.iter().all(Target::is_file)
        {
            for target in targets {
                self.files.push(AtomicFile::open(target)?);
            }
            let files: Vec<(&std::fs::File, u64)> = self
                .files
                .iter()
                .zip(&self.parts)
                .map(|(file, part)| {
                    (file.positional().expect("a new file"), part.bytes)
                })
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
        let mut values: Box<dyn Iterator<Item = &[u8]>> =
            match self.sorted.take() {
                Some(values) => Box::new(values.into_iter()),
                None => Box::new(run.values()),
            };
        for (part, target) in self.parts.iter().zip(targets) {
            let mut file = AtomicFile::open(target)?;
            let out = file.writer();
            let result = values.by_ref().take(part.values).try_for_each(|v| {
                out.write_all(v)?;
                out.write_all(b"\n")
            });
            result.map_err(|e| file.error(e))?;
            file.finish()?;
            self.files.push(file);
        }
        Ok(())
    }

    fn stats(&self, output: &Path) -> Vec<PartStats> {
        let paths = (1..).map(|n| parts::part_path(output, n));
        self.parts
            .iter()
            .zip(paths)
            .map(|(part, path)| PartStats {
                path: path.display().to_string(),
                values: part.values as u64,
                bytes: part.bytes,
            })
            .collect()
    }

    /// Writes out what the parts still buffer.
    fn finish(&mut self) -> Result<(), Error> {
        self.files.iter_mut().try_for_each(AtomicFile::finish)
    }

    /// Renames every part into place, or none: parts already renamed are
    /// removed when a later one fails. Then removes parts of an earlier,
    /// longer split that would otherwise look like members of this one,
    /// but never a file named on the command line.
    fn commit(self, output: &Path, named: &Named) -> Result<(), Error> {
        let count = self.files.len();
        let mut placed = Vec::with_capacity(count);
        for file in self.files {
            match file.commit() {
                Ok(destination) => placed.extend(destination),
                Err(err) => {
                    for path in placed {
                        let _ = std::fs::remove_file(path);
                    }
                    return Err(err);
                }
            }
        }
        for stale in parts::stale_parts(output, count) {
            if !named.holds(&stale) {
                let _ = std::fs::remove_file(stale);
            }
        }
        Ok(())
    }
}

/// After a split, removes the file the `-o` name held from an earlier
/// run without one: beside the parts, it would be a second copy of the
/// values, easy to upload by mistake. Only a regular file; `-o` naming
/// the input or another output was refused before. Returns its path.
fn remove_unsplit(output: &Path) -> Option<std::path::PathBuf> {
    let meta = std::fs::symlink_metadata(output).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    std::fs::remove_file(output).ok()?;
    Some(output.to_path_buf())
}

fn config_error(message: &str) -> Error {
    Error::from(ErrorKind::Config(message.to_string()))
}

/// The outputs named on the command line, resolved, and the input's
/// identity.
struct Outputs {
    input: Option<FileId>,
    output: Target,
    rejects: Option<Target>,
    stats: Option<Target>,
}

/// Resolves the outputs and refuses paths that collide with the input or
/// each other.
fn check_paths(args: &CleanArgs) -> Result<Outputs, Error> {
    if args.rejects.as_deref().is_some_and(is_dash) {
        return Err(config_error("--rejects needs a file, not -"));
    }
    if is_dash(&args.output) && args.stats.as_deref().is_some_and(is_dash) {
        return Err(config_error(
            "-o - and --stats - would both write standard output",
        ));
    }
    let outputs = Outputs {
        input: input_id(&args.file),
        output: Target::resolve(&args.output)?,
        rejects: args.rejects.as_deref().map(Target::resolve).transpose()?,
        stats: args.stats.as_deref().map(Target::resolve).transpose()?,
    };
    let mut named = vec![("-o", &outputs.output)];
    named.extend(outputs.rejects.as_ref().map(|t| ("--rejects", t)));
    named.extend(outputs.stats.as_ref().map(|t| ("--stats", t)));
    refuse_aliases(&named, &[outputs.input])?;
    Ok(outputs)
}

/// Writes the clean file to `file`.
fn write_clean(
    run: &Run,
    file: &mut AtomicFile,
    order: Order,
) -> Result<(), Error> {
    // A new regular file takes each thread's writes at their offsets; a
    // device, a FIFO or a stream only a stream of bytes.
    let result = match file.positional() {
        Some(positional) => run.write_clean_file(positional, order),
        None => run.write_clean(file.writer(), order),
    };
    result.map_err(|e| file.lib_error(e))
}

pub fn run(args: CleanArgs, quiet: bool) -> Result<ExitStatus, Error> {
    let outputs = check_paths(&args)?;
    let input = open_input(&args.file, &args.common)?;
    let bar = progress_bar(input.as_bytes().len() as u64, quiet, "cleaning");
    let pipeline = build_pipeline(&args.common, &bar)?;
    let run = pipeline.try_process(input)?;
    let output = Some(args.output.as_path());
    let paths = [output, args.rejects.as_deref(), args.stats.as_deref()];
    crate::writing(&bar, &paths);
    let limit = args.common.max_bytes;
    let splitting = args.split_bytes.is_some() || args.split_values.is_some();
    let order = if args.sort { Order::Sorted } else { Order::FirstSeen };
    if !splitting {
        run.check_clean_size().map_err(|e| e.with_path(&args.output))?;
    }
    let mut stats = run.stats().clone();
    stats.options = Some(crate::check::run_options(&args.common, &run));
    if stats.content_bytes() > limit {
        let bytes = stats.content_bytes();
        stats.warnings.push(format!(
            "the input is {bytes} bytes, over --max-bytes {limit}; the clean \
             file fits"
        ));
    }

    // Check and open every output first, so that a bad path fails before
    // anything is written anywhere.
    let mut named = Named::default();
    named.add_id(outputs.input);
    named.add(&outputs.output);
    outputs.rejects.iter().chain(&outputs.stats).for_each(|t| named.add(t));
    let mut split = match splitting {
        true => Some(Split::new(&args, &run, &outputs)?),
        false => None,
    };
    let mut out_file = match splitting {
        true => None,
        false => Some(AtomicFile::open(outputs.output)?),
    };
    let mut rejects_file =
        outputs.rejects.map(AtomicFile::open).transpose()?;
    let mut stats_file = outputs.stats.map(AtomicFile::open).transpose()?;

    // SPEC: split stats "gain" the parts; `output` stays the -o name the
    // parts are named after, `output_bytes` their total.
    let report = StatsFile {
        stats: stats.clone(),
        output: Some(args.output.display().to_string()),
        parts: split.as_ref().map(|split| split.stats(&args.output)),
    };
    let write_stats = |out: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        out.flush()
    };
    // Files to be renamed first, then streams and devices, which cannot
    // take back what they were given: a failure in the former leaves
    // nothing written anywhere.
    let clean_in_place = match (&split, &out_file) {
        (Some(split), _) => split.in_place(),
        (None, file) => !file.as_ref().is_some_and(AtomicFile::is_positional),
    };
    for in_place in [false, true] {
        if clean_in_place == in_place {
            if let Some(split) = &mut split {
                split.write(&run)?;
            }
            if let Some(file) = &mut out_file {
                write_clean(&run, file, order)?;
            }
        }
        let this_pass =
            |file: &&mut AtomicFile| file.is_positional() != in_place;
        if let Some(file) = rejects_file.as_mut().filter(this_pass) {
            let omit: Vec<Rule> = args
                .rejects_omit
                .iter()
                .filter_map(|name| Rule::from_name(name))
                .collect();
            let result = run.write_rejects_omitting(file.writer(), &omit);
            result.map_err(|e| file.lib_error(e))?;
        }
        if let Some(file) = stats_file.as_mut().filter(this_pass) {
            write_stats(file.writer()).map_err(|e| file.error(e))?;
        }
    }
    // Every byte out before any rename; then the clean file or parts
    // first, so that the rejects and statistics never describe a clean
    // file that is not there.
    if let Some(split) = &mut split {
        split.finish()?;
    }
    for file in [&mut out_file, &mut rejects_file, &mut stats_file]
        .into_iter()
        .flatten()
    {
        file.finish()?;
    }
    crate::signals::check_inputs()?;
    let mut removed = None;
    if let Some(split) = split {
        split.commit(&args.output, &named)?;
        removed = remove_unsplit(&args.output);
    }
    for file in [out_file, rejects_file, stats_file].into_iter().flatten() {
        file.commit()?;
    }
    bar.finish_and_clear();
    // A standard error that cannot be written loses only these lines.
    let mut stderr = io::stderr();
    if !quiet {
        if let Some(path) = removed {
            let _ = writeln!(
                stderr,
                "segprep: removed {}, the unsplit clean file of an earlier \
                 run: the parts replace it",
                path.display()
            );
        }
        for (warning, code) in stats.warnings.iter().zip(stats.warning_codes())
        {
            let _ = writeln!(stderr, "segprep: warning: {warning}");
            // Past the daily limit and not cut by values: how to.
            if code == WarningCode::DailyLimit && args.split_values.is_none() {
                let _ = writeln!(
                    stderr,
                    "segprep:   --split-values {DAILY_VALUE_LIMIT} writes \
                     parts of at most {} values, one a day",
                    count(DAILY_VALUE_LIMIT)
                );
            }
        }
    }
    let failed = args.fail_on_reject && stats.rejected_total() > 0;
    // The summary goes to standard error whatever it is: a CI log shows
    // what an exit 1 was about.
    if !quiet {
        let written = match &report.parts {
            Some(parts) => format!(
                "{} of {}",
                counted(parts.len() as u64, "part", "parts"),
                display_name(&args.output)
            ),
            None => display_name(&args.output),
        };
        let mut line = format!(
            "segprep: {}: {} written to {written} ({}, {}, {} rejected)",
            display_name(&args.file),
            counted(stats.values_processed, "value", "values"),
            counted(stats.values_found, "row", "rows"),
            counted(stats.duplicates, "duplicate", "duplicates"),
            count(stats.rejected_total()),
        );
        if failed {
            let counts: Vec<String> = stats
                .rejected_counts()
                .map(|(rule, n)| format!("{rule} {}", count(n)))
                .collect();
            line.push_str(&format!("; rejected: {}", counts.join(", ")));
        }
        let _ = writeln!(stderr, "{line}");
    }
    match failed {
        true => Ok(ExitStatus::Failure),
        false => Ok(ExitStatus::Success),
    }
}
