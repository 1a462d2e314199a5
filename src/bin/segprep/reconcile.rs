//! `segprep reconcile`: did the platform read every row `clean` wrote,
//! and keep them all?

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use segprep::workflow::reconcile::{
    read_stats, reconcile, uploaded, Callback, Report,
};
use segprep::{Error, ErrorKind};

use crate::diag::{count, counted, escape};
use crate::{display_name, is_dash, ExitStatus};

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The statistics `clean --stats` wrote for the uploaded file; `-`
    /// reads standard input.
    #[arg(long, value_name = "PATH")]
    pub stats: PathBuf,

    /// The callback the platform posted after processing the file (its
    /// JSON body); `-` reads standard input.
    #[arg(long, value_name = "PATH")]
    pub callback: PathBuf,

    /// Which part of a split clean file was uploaded (1 for
    /// .part-001); needed when the statistics list several parts.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub part: Option<u64>,

    /// How to print the report: a few lines for a human, or one JSON
    /// object for a script.
    #[arg(long, value_enum, default_value_t = ReconcileFormat::Human)]
    pub format: ReconcileFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReconcileFormat {
    /// A few lines: status, rows read, rows skipped, match rate, verdict.
    Human,
    /// One JSON object with the same facts.
    Json,
}

/// The most bytes read from either input. A callback is a few hundred
/// bytes, a statistics file a few hundred KB with many parts; past this
/// it is the wrong file (and `/dev/zero` would never end).
const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The most characters of a callback's string shown on a line.
const SHOWN_CHARS: usize = 500;

/// The bytes of a file, or of standard input for `-`, up to
/// [`MAX_INPUT_BYTES`].
fn read_input(path: &Path) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    if is_dash(path) {
        io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(None, "reading standard input", e))?;
    } else {
        File::open(path)
            .and_then(|file| {
                file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)
            })
            .map_err(|e| Error::io(Some(path), "reading", e))?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::from(ErrorKind::Malformed {
            input: display_name(path),
            message: format!(
                "larger than {} MiB: a statistics file or a callback is \
                 far smaller; is it the right file?",
                MAX_INPUT_BYTES >> 20
            ),
        }));
    }
    Ok(bytes)
}

/// A string from the input, for a terminal: control characters escaped,
/// cut after [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    escape(text.as_bytes(), Some(SHOWN_CHARS))
}

pub fn run(args: ReconcileArgs, quiet: bool) -> Result<ExitStatus, Error> {
    if is_dash(&args.stats) && is_dash(&args.callback) {
        return Err(Error::from(ErrorKind::Config(
            "--stats and --callback cannot both be -".to_string(),
        )));
    }
    let stats =
        read_stats(&read_input(&args.stats)?, &display_name(&args.stats))
            .map_err(|err| match err.into_kind() {
                segprep::ErrorKind::Malformed { input, message } => {
                    let message = message.replace(
                        "(give it as the callback)",
                        "(give it with --callback)",
                    );
                    Error::from(segprep::ErrorKind::Malformed {
                        input,
                        message,
                    })
                }
                kind => Error::from(kind),
            })?;
    let callback = Callback::from_json(
        &read_input(&args.callback)?,
        &display_name(&args.callback),
    )?;
    let part = args.part.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let uploaded = uploaded(&stats, part).map_err(|err| match err.kind() {
        // The library says "part N"; this user gave or can give --part.
        segprep::ErrorKind::Config(message) => {
            let message = message
                .replace("(part N)", "with --part N")
                .replacen("part", "--part", usize::from(part.is_some()));
            Error::from(segprep::ErrorKind::Config(message))
        }
        _ => err,
    })?;
    let report = reconcile(&uploaded, &callback);
    let status = if report.consistent {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    // Quiet silences the words for people, not the JSON a script asked
    // for.
    if quiet && args.format == ReconcileFormat::Human {
        return Ok(status);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let color = crate::stdout_has_color();
    let written = match args.format {
        ReconcileFormat::Human => write_human(&mut out, &report, color),
        ReconcileFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(None, "writing standard output", e))?;
    Ok(status)
}

/// `n value(s)`.
fn values(n: u64) -> String {
    counted(n, "value", "values")
}

fn write_human(
    out: &mut dyn Write,
    r: &Report,
    color: bool,
) -> io::Result<()> {
    let name = r.segment_name.as_deref().map(shown);
    let id = r.request_id.as_deref().map(shown);
    let segment = match (name, id) {
        (Some(name), Some(id)) => format!(" (segment {name}, request {id})"),
        (Some(name), None) => format!(" (segment {name})"),
        (None, Some(id)) => format!(" (request {id})"),
        (None, None) => String::new(),
    };
    if r.success {
        writeln!(out, "status:     {} success{segment}", r.status)?;
    } else {
        let error = match r.error_message.as_deref() {
            Some(error) => shown(error),
            None => "no error message".to_string(),
        };
        writeln!(out, "status:     {} FAILURE{segment}: {error}", r.status)?;
    }
    // `clean -o -` wrote to standard output: no name to show.
    let file = match r.file.as_deref() {
        Some(file) if file != "-" => shown(file),
        _ => "the clean file".to_string(),
    };
    if let Some(found) = r.values_found {
        if found == r.written {
            writeln!(
                out,
                "rows read:  yes, the platform found the {} {file} holds",
                values(found)
            )?;
        } else {
            writeln!(
                out,
                "rows read:  NO, the platform found {}, but {file} holds {}: \
                 was another file uploaded?",
                values(found),
                values(r.written)
            )?;
        }
    }
    if let (Some(found), Some(processed)) =
        (r.values_found, r.values_processed)
    {
        if processed == found {
            writeln!(
                out,
                "skipped:    none, the platform kept all {}",
                count(found)
            )?;
        } else if processed < found {
            writeln!(
                out,
                "skipped:    {} of {}: the platform kept only {}",
                values(found - processed),
                count(found),
                count(processed)
            )?;
        } else {
            writeln!(
                out,
                "skipped:    none, but the platform kept {}, more than the \
                 {} it found",
                count(processed),
                count(found)
            )?;
        }
    }
    let impossible = r.users_exceed_values();
    match (r.match_rate, r.user_count, r.values_processed) {
        (Some(rate), Some(users), Some(processed)) => writeln!(
            out,
            "match rate: {:.2}% ({} for {}){}",
            rate * 100.0,
            counted(users, "user", "users"),
            values(processed),
            if impossible {
                ": impossible, more users than values"
            } else {
                ""
            }
        )?,
        (None, Some(users), Some(0)) if impossible => writeln!(
            out,
            "match rate: none, no value was processed, yet {} matched: \
             impossible",
            counted(users, "user", "users")
        )?,
        (None, _, Some(0)) => {
            writeln!(out, "match rate: none, no value was processed")?
        }
        _ => {}
    }
    let verdict = if !r.success {
        "FAILED: the platform did not process the file"
    } else if r.consistent {
        "consistent: the platform kept every value clean wrote"
    } else if r.all_rows_read != Some(true) {
        "MISMATCH: the platform did not read the file clean wrote"
    } else if r.none_skipped != Some(true) {
        "MISMATCH: the platform skipped values that clean kept"
    } else {
        "MISMATCH: the platform matched more users than the values it kept"
    };
    let style = match (color, r.consistent) {
        (false, _) => anstyle::Style::new(),
        (true, true) => anstyle::AnsiColor::Green.on_default().bold(),
        (true, false) => anstyle::AnsiColor::Red.on_default().bold(),
    };
    writeln!(out, "verdict:    {style}{verdict}{style:#}")
}
