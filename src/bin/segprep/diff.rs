//! `segprep diff`: the add and remove files that turn a replace into a
//! delta.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use segprep::workflow::delta;
use segprep::{Error, ErrorKind, Order, Stats};
use serde::Serialize;

use crate::cli::CommonArgs;
use crate::outputs::{refuse_input, same_file, AtomicFile};
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

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Serialize)]
struct DiffStats<'a> {
    old: &'a Stats,
    new: &'a Stats,
    added: usize,
    removed: usize,
    unchanged: u64,
}

fn config_error(message: &str) -> Error {
    Error::from(ErrorKind::Config(message.to_string()))
}

/// Refuses standard streams used twice and outputs naming an input or
/// each other.
fn check_paths(args: &DiffArgs) -> Result<(), Error> {
    if is_dash(&args.old) && is_dash(&args.new) {
        return Err(config_error("OLD and NEW cannot both be -"));
    }
    let outputs: Vec<&Path> = [&args.added, &args.removed, &args.stats]
        .into_iter()
        .flatten()
        .map(|p| p.as_path())
        .collect();
    if outputs.iter().filter(|p| is_dash(p)).count() > 1 {
        return Err(config_error("only one output can be -"));
    }
    let files: Vec<&Path> =
        outputs.into_iter().filter(|p| !is_dash(p)).collect();
    for (i, out) in files.iter().enumerate() {
        for input in [&args.old, &args.new] {
            if !is_dash(input) {
                refuse_input(out, input)?;
            }
        }
        for other in &files[i + 1..] {
            if out == other || same_file(out, other) {
                return Err(config_error(&format!(
                    "{} is named as two outputs",
                    out.display()
                )));
            }
        }
    }
    Ok(())
}

/// An output: a file renamed into place, or standard output.
fn open_output(path: Option<&Path>) -> Result<Option<AtomicFile>, Error> {
    match path {
        Some(path) if !is_dash(path) => Ok(Some(AtomicFile::create(path)?)),
        _ => Ok(None),
    }
}

fn write_values(out: &mut dyn Write, values: &[&[u8]]) -> io::Result<()> {
    for value in values {
        out.write_all(value)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn stdout_error(err: io::Error) -> Error {
    Error::io(None, "writing standard output", err)
}

pub fn run(args: DiffArgs) -> Result<ExitStatus, Error> {
    let pipeline = args.common.builder().build()?;
    check_paths(&args)?;
    let old_input = open_input(&args.old, &args.common)?;
    let new_input = open_input(&args.new, &args.common)?;
    let old = pipeline.try_process(old_input)?;
    let new = pipeline.try_process(new_input)?;
    let old_values = old.ordered_values(Order::FirstSeen);
    let new_values = new.ordered_values(Order::FirstSeen);
    let delta = delta::delta(&old_values, &new_values, pipeline.threads());
    let limit = args.common.max_bytes;
    for (path, values) in
        [(&args.added, &delta.added), (&args.removed, &delta.removed)]
    {
        let bytes: u64 = values.iter().map(|v| v.len() as u64 + 1).sum();
        if let Some(path) = path.as_ref().filter(|_| bytes > limit) {
            return Err(Error::from(ErrorKind::CleanTooLarge {
                path: Some(path.clone()),
                bytes,
                limit,
            }));
        }
    }

    let mut files = Vec::new();
    for (path, values) in [
        (args.added.as_deref(), &delta.added),
        (args.removed.as_deref(), &delta.removed),
    ] {
        match open_output(path)? {
            Some(mut file) => {
                write_values(file.writer(), values)
                    .map_err(|e| file.error(e))?;
                files.push(file);
            }
            None if path.is_some() => {
                let mut out = io::BufWriter::new(io::stdout().lock());
                write_values(&mut out, values).map_err(stdout_error)?;
            }
            None => {}
        }
    }
    let report = DiffStats {
        old: old.stats(),
        new: new.stats(),
        added: delta.added.len(),
        removed: delta.removed.len(),
        unchanged: delta.unchanged,
    };
    let write_stats = |out: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        out.flush()
    };
    match open_output(args.stats.as_deref())? {
        Some(mut file) => {
            write_stats(file.writer()).map_err(|e| file.error(e))?;
            files.push(file);
        }
        None if args.stats.is_some() => {
            write_stats(&mut io::stdout().lock()).map_err(stdout_error)?;
        }
        None => {}
    }
    for file in files {
        file.commit()?;
    }
    Ok(ExitStatus::Success)
}
