//! `segprep diff`: the add and remove files that turn a replace into a
//! delta.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use segprep::workflow::delta;
use segprep::{DiffStats, Error, ErrorKind};

use crate::cli::CommonArgs;
use crate::diag::{count, counted};
use crate::outputs::{input_id, refuse_aliases, AtomicFile, Target};
use crate::{is_dash, open_input, ExitStatus};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The segment's previous file; `-` reads standard input.
    pub old: PathBuf,

    /// The segment's new file; `-` reads standard input.
    pub new: PathBuf,

    /// Write the values of NEW that OLD lacks (to add), as a clean file;
    /// `-` writes standard output.
    #[arg(long, value_name = "PATH")]
    pub added: Option<PathBuf>,

    /// Write the values of OLD that NEW lacks (to remove), as a clean
    /// file; `-` writes standard output.
    #[arg(long, value_name = "PATH")]
    pub removed: Option<PathBuf>,

    /// Write the statistics of both inputs and the delta's counts as
    /// JSON; `-` writes standard output.
    #[arg(long, value_name = "PATH")]
    pub stats: Option<PathBuf>,

    /// Flush each written file to the disk before renaming it into
    /// place, and its folder after.
    #[arg(long)]
    pub fsync: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

fn config_error(message: &str) -> Error {
    Error::from(ErrorKind::Config(message.to_string()))
}

/// Refuses standard streams used twice and outputs naming an input or
/// each other; resolves the outputs.
fn check_paths(args: &DiffArgs) -> Result<[Option<Target>; 3], Error> {
    if is_dash(&args.old) && is_dash(&args.new) {
        return Err(config_error("OLD and NEW cannot both be -"));
    }
    let paths = [&args.added, &args.removed, &args.stats];
    if paths.iter().filter(|p| p.as_deref().is_some_and(is_dash)).count() > 1 {
        return Err(config_error("only one output can be -"));
    }
    let inputs = [input_id(&args.old), input_id(&args.new)];
    let [added, removed, stats] =
        paths.map(|p| p.as_deref().map(Target::resolve));
    let targets =
        [added.transpose()?, removed.transpose()?, stats.transpose()?];
    let named: Vec<(&str, &Target)> = ["--added", "--removed", "--stats"]
        .into_iter()
        .zip(&targets)
        .filter_map(|(flag, target)| Some((flag, target.as_ref()?)))
        .collect();
    refuse_aliases(&named, &inputs)?;
    Ok(targets)
}

fn write_values<'v>(
    out: &mut dyn Write,
    values: impl Iterator<Item = &'v [u8]>,
) -> io::Result<()> {
    for value in values {
        out.write_all(value)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Hands back to the system the memory the runs' threads freed: glibc
/// keeps it in their arenas, where the delta, built on this thread,
/// cannot reuse it (40 MB of 150 MB GAID files).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

pub fn run(args: DiffArgs, quiet: bool) -> Result<ExitStatus, Error> {
    let pipeline = args.common.builder().build()?;
    let targets = check_paths(&args)?;
    let old_input = open_input(&args.old, &args.common)?;
    let new_input = open_input(&args.new, &args.common)?;
    let old = pipeline.try_process(old_input)?;
    let new = pipeline.try_process(new_input)?;
    release_free_memory();
    // The delta costs a table of OLD and a bit a value (issue 18).
    let marks = delta::delta_marks_of_runs(&old, &new, pipeline.threads());
    let limit = args.common.max_bytes;
    let sizes = [
        (&args.added, marks.added_bytes()),
        (&args.removed, marks.removed_bytes()),
    ];
    for (path, bytes) in sizes {
        if let Some(path) = path.as_ref().filter(|_| bytes > limit) {
            return Err(Error::from(ErrorKind::CleanTooLarge {
                path: Some(path.clone()),
                bytes,
                limit,
            }));
        }
    }

    // Open every output first, so that a bad path fails before anything
    // is written anywhere.
    let [added, removed, stats] = targets;
    let mut added = added.map(AtomicFile::open).transpose()?;
    let mut removed = removed.map(AtomicFile::open).transpose()?;
    let mut stats_file = stats.map(AtomicFile::open).transpose()?;
    // Each input's own options: auto may pick different delimiters.
    let with_options = |run: &segprep::Run| {
        let mut stats = run.stats().clone();
        stats.options = Some(crate::check::run_options(&args.common, run));
        stats
    };
    let report = DiffStats {
        old: with_options(&old),
        new: with_options(&new),
        added: marks.added(),
        removed: marks.removed(),
        unchanged: marks.unchanged(),
    };
    let write_stats = |out: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        out.flush()
    };
    // Files to be renamed first, then standard output, streams and
    // devices, which cannot take back what they were given: a failure in
    // the former leaves nothing written anywhere.
    for in_place in [false, true] {
        let this_pass =
            |file: &&mut AtomicFile| file.is_positional() != in_place;
        if let Some(file) = added.as_mut().filter(this_pass) {
            write_values(file.writer(), marks.added_in(new.values()))
                .map_err(|e| file.error(e))?;
        }
        if let Some(file) = removed.as_mut().filter(this_pass) {
            let values = marks.removed_in(old.values());
            write_values(file.writer(), values).map_err(|e| file.error(e))?;
        }
        if let Some(file) = stats_file.as_mut().filter(this_pass) {
            write_stats(file.writer()).map_err(|e| file.error(e))?;
        }
    }
    // Every byte out before any rename.
    for file in
        [&mut added, &mut removed, &mut stats_file].into_iter().flatten()
    {
        file.finish()?;
    }
    crate::signals::check_inputs()?;
    let nothing_named = added.is_none() && removed.is_none();
    let nothing_named = nothing_named && stats_file.is_none();
    for file in [added, removed, stats_file].into_iter().flatten() {
        file.commit()?;
    }
    // Without an output, the counts are the answer: what a delta would
    // move; with --quiet, the status alone.
    if nothing_named && !quiet {
        let mut out = io::stdout().lock();
        let written = writeln!(
            out,
            "{} to add, {} to remove, {} unchanged (--added and --removed \
             write them)",
            counted(report.added, "value", "values"),
            counted(report.removed, "value", "values"),
            count(report.unchanged),
        )
        .and_then(|()| out.flush());
        match written {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                return Err(Error::io(None, "writing standard output", e))
            }
            _ => {}
        }
    }
    Ok(ExitStatus::Success)
}
