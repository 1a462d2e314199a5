//! `segprep clean`: the clean file, the rejects file and the statistics,
//! each complete or not written at all.

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Condvar, Mutex};

use segprep::workflow::split::{self, Part};
use segprep::{
    Error, ErrorKind, Finding, FindingKind, Kept, Processed, Sink, Stats,
};
use serde::Serialize;

use crate::cli::CleanArgs;
use crate::outputs::{
    input_id, refuse_aliases, AtomicFile, FileId, Named, Target,
};
use crate::{
    build_pipeline, display_name, is_dash, open_input, progress_bar,
    stderr_is_terminal, ExitStatus,
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
        run: &'a Processed<'_>,
        outputs: &Outputs,
    ) -> Result<Self, Error> {
        if is_dash(&args.output) {
            return Err(config_error(
                "--split-bytes and --split-values need a file for -o, not -",
            ));
        }
        let max_bytes = args.split_bytes.unwrap_or(u64::MAX);
        let max_values = args.split_values.unwrap_or(u64::MAX);
        let sorted = args.sort.then(|| run.ordered_values(true));
        let lengths: Box<dyn Iterator<Item = usize>> = match &sorted {
            Some(values) => Box::new(values.iter().map(|v| v.len())),
            None => Box::new(run.values().map(<[u8]>::len)),
        };
        let parts = split::plan(lengths, max_bytes, max_values).map_err(
            |(_, size)| {
                config_error(&format!(
                    "a value of {size} bytes (with its LF) does not fit in \
                     --split-bytes {max_bytes}; nothing written"
                ))
            },
        )?;
        let limit = args.common.max_bytes;
        let others =
            [("--rejects", &outputs.rejects), ("--stats", &outputs.stats)];
        let mut targets = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let path = split::part_path(&args.output, i + 1);
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
                    path,
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
    fn write(&mut self, run: &'a Processed<'_>) -> Result<(), Error> {
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
            return result.map_err(|(i, err)| match self.files.get(i) {
                Some(file) => file.error(err),
                None => Error::io(None, "cannot write the parts", err),
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
        for stale in split::stale_parts(output, count) {
            if !named.holds(&stale) {
                let _ = std::fs::remove_file(stale);
            }
        }
        Ok(())
    }
}

/// The rejects file's header line.
const REJECTS_HEADER: &[u8] = b"line,rule,detail,raw\n";

/// Writes dropped rows as CSV records: line,rule,detail,raw. A record
/// with nothing to quote is written directly; the csv writer's work per
/// field was a quarter of a `clean --rejects` run on a file of
/// duplicates. The others go through the csv writer.
struct RejectsSink<W: Write> {
    out: W,
    /// The record being written, its line and a detail's text, reused so
    /// that a record costs no allocation.
    record: Vec<u8>,
    line: Vec<u8>,
    detail: Vec<u8>,
}

impl<W: Write> RejectsSink<W> {
    fn new(out: W) -> Self {
        RejectsSink {
            out,
            record: Vec::new(),
            line: Vec::new(),
            detail: Vec::new(),
        }
    }

    fn record(
        &mut self,
        rule: &str,
        detail: &[u8],
        raw: &[u8],
    ) -> io::Result<()> {
        // Rule names are kebab-case and lines digits: never quoted.
        let record = &mut self.record;
        record.clear();
        if needs_quotes(detail) || needs_quotes(raw) {
            let mut quoting = csv::WriterBuilder::new()
                .buffer_capacity(256)
                .from_writer(&mut *record);
            quoting
                .write_record([&self.line[..], rule.as_bytes(), detail, raw])
                .and_then(|()| quoting.flush().map_err(csv::Error::from))
                .map_err(io::Error::from)?;
            drop(quoting);
            return self.out.write_all(record);
        }
        for (i, field) in [&self.line[..], rule.as_bytes(), detail, raw]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                record.push(b',');
            }
            record.extend_from_slice(field);
        }
        record.push(b'\n');
        self.out.write_all(record)
    }
}

/// Whether the csv writer would quote `field`: it holds a comma, a quote,
/// a CR or an LF.
fn needs_quotes(field: &[u8]) -> bool {
    memchr::memchr3(b',', b'"', b'\r', field).is_some()
        || memchr::memchr(b'\n', field).is_some()
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut n = n;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &digits[at..]
}

impl<W: Write> Sink for RejectsSink<W> {
    type Error = io::Error;

    fn kept(&mut self, _: &Kept<'_>) -> io::Result<()> {
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        let mut digits = [0; 20];
        self.line.clear();
        self.line.extend_from_slice(decimal(finding.line, &mut digits));
        let mut detail = std::mem::take(&mut self.detail);
        detail.clear();
        match finding.kind {
            // The most common by far, without the formatting machinery.
            FindingKind::Duplicate { first } => {
                detail.extend_from_slice(b"same value as line ");
                detail.extend_from_slice(decimal(first, &mut digits));
            }
            _ => write!(detail, "{}", finding.detail())?,
        }
        let result = self.record(finding.rule(), &detail, finding.raw);
        self.detail = detail;
        result
    }
}

/// Writes the rejects records of `run` to `out`, the parts on `threads`
/// threads at once, in order.
fn write_rejects<W: Write + Send>(
    run: &Processed<'_>,
    out: &mut W,
    threads: usize,
) -> io::Result<()> {
    write_rejects_in(run, out, threads, 1 << 20, 16 << 20)
}

/// `write_rejects`, where a part writes out each `flush_at` bytes once its
/// turn has come, and holds at most `hold` bytes before it.
fn write_rejects_in<W: Write + Send>(
    run: &Processed<'_>,
    out: &mut W,
    threads: usize,
    flush_at: usize,
    hold: usize,
) -> io::Result<()> {
    let parts = run.parts();
    if threads <= 1 || parts <= 1 {
        return run.emit(RejectsSink::new(out));
    }
    let order = Order {
        turn: Mutex::new(Turn { out, next: 0, head: 0, error: None }),
        turned: Condvar::new(),
        flush_at,
        hold,
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.min(parts) {
            scope.spawn(|| {
                while let Some(part) = order.claim(parts) {
                    let mut piece = Piece {
                        order: &order,
                        part,
                        buf: Vec::new(),
                        check_at: flush_at,
                        finished: false,
                    };
                    let emitted =
                        run.emit_part(part, RejectsSink::new(&mut piece));
                    if emitted.and_then(|_| piece.finish()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let turn = order.turn.into_inner().unwrap_or_else(|e| e.into_inner());
    turn.error.map_or(Ok(()), Err)
}

/// The parts' turns at the output, in part order.
struct Order<'o, W> {
    turn: Mutex<Turn<'o, W>>,
    turned: Condvar,
    flush_at: usize,
    hold: usize,
}

struct Turn<'o, W> {
    out: &'o mut W,
    /// The next part to claim.
    next: usize,
    /// The part whose bytes go out now.
    head: usize,
    /// The first write error; every part stops at it.
    error: Option<io::Error>,
}

impl<'o, W: Write> Order<'o, W> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Turn<'o, W>> {
        self.turn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next part to write, if any is left and nothing failed.
    fn claim(&self, parts: usize) -> Option<usize> {
        let mut turn = self.lock();
        if turn.error.is_some() || turn.next >= parts {
            return None;
        }
        turn.next += 1;
        Some(turn.next - 1)
    }
}

/// One part's records: held until the part's turn, then written through.
struct Piece<'a, 'o, W> {
    order: &'a Order<'o, W>,
    part: usize,
    buf: Vec<u8>,
    /// The held size at which to look for the turn again: every
    /// `flush_at` bytes, not at every record once past the first.
    check_at: usize,
    finished: bool,
}

impl<W> Drop for Piece<'_, '_, W> {
    /// A part that stops before its end (an error, or a panic on its
    /// thread) stops every part, so that none waits for it forever.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut turn =
            self.order.turn.lock().unwrap_or_else(|e| e.into_inner());
        turn.error.get_or_insert_with(|| {
            io::Error::other("a part of the rejects file was not written")
        });
        self.order.turned.notify_all();
    }
}

impl<W: Write> Piece<'_, '_, W> {
    /// Writes the held bytes out if it is this part's turn, or, with
    /// `wait`, once it is.
    fn drain(&mut self, wait: bool) -> io::Result<()> {
        let mut turn = self.order.lock();
        loop {
            if turn.error.is_some() {
                return Err(io::Error::other("an earlier part failed"));
            }
            if turn.head == self.part {
                break;
            }
            if !wait {
                return Ok(());
            }
            turn = self
                .order
                .turned
                .wait(turn)
                .unwrap_or_else(|e| e.into_inner());
        }
        if let Err(err) = turn.out.write_all(&self.buf) {
            let message = err.to_string();
            turn.error = Some(err);
            self.order.turned.notify_all();
            return Err(io::Error::other(message));
        }
        self.buf.clear();
        Ok(())
    }

    /// Writes the rest of the part and hands the turn on.
    fn finish(mut self) -> io::Result<()> {
        self.drain(true)?;
        self.finished = true;
        self.order.lock().head += 1;
        self.order.turned.notify_all();
        Ok(())
    }
}

impl<W: Write> Write for Piece<'_, '_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.check_at {
            self.drain(self.buf.len() >= self.order.hold)?;
            self.check_at = (self.buf.len() + self.order.flush_at)
                .min(self.order.hold.max(self.order.flush_at));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    run: &Processed<'_>,
    file: &mut AtomicFile,
    sort: bool,
) -> Result<(), Error> {
    // A new regular file takes each thread's writes at their offsets; a
    // device, a FIFO or a stream only a stream of bytes.
    let result = match file.positional() {
        Some(positional) => run.write_clean_file(positional, sort),
        None => run.write_clean(file.writer(), sort),
    };
    result.map_err(|e| file.error(e))
}

pub fn run(args: CleanArgs, quiet: bool) -> Result<ExitStatus, Error> {
    let outputs = check_paths(&args)?;
    let input = open_input(&args.file, &args.common)?;
    let bar = progress_bar(input.as_bytes().len() as u64, quiet, "cleaning");
    let pipeline = build_pipeline(&args.common, &bar)?;
    let mut run = pipeline.process_input(&input);
    bar.finish_and_clear();
    let limit = args.common.max_bytes;
    let clean_bytes = run.stats().clean_bytes;
    let splitting = args.split_bytes.is_some() || args.split_values.is_some();
    if !splitting && clean_bytes > limit {
        return Err(Error::from(ErrorKind::CleanTooLarge {
            path: args.output.clone(),
            bytes: clean_bytes,
            limit,
        }));
    }
    if run.stats().content_bytes() > limit {
        let bytes = run.stats().content_bytes();
        run.stats_mut().warnings.push(format!(
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

    let stats = run.stats();
    let report = CleanStats {
        stats,
        output: args.output.display().to_string(),
        output_bytes: clean_bytes,
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
                write_clean(&run, file, args.sort)?;
            }
        }
        let this_pass =
            |file: &&mut AtomicFile| file.is_positional() != in_place;
        if let Some(file) = rejects_file.as_mut().filter(this_pass) {
            let out = file.writer();
            let result = out
                .write_all(REJECTS_HEADER)
                .and_then(|()| {
                    write_rejects(&run, &mut *out, pipeline.threads())
                })
                .and_then(|()| out.flush());
            result.map_err(|e| file.error(e))?;
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
    if let Some(split) = split {
        split.commit(&args.output, &named)?;
    }
    for file in [out_file, rejects_file, stats_file].into_iter().flatten() {
        file.commit()?;
    }
    // A standard error that cannot be written loses only these lines.
    let mut stderr = io::stderr();
    if !quiet {
        for warning in &stats.warnings {
            let _ = writeln!(stderr, "segprep: warning: {warning}");
        }
    }
    if stderr_is_terminal() && !quiet {
        let _ = writeln!(
            stderr,
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use segprep::{AttributeType, IdType, PipelineBuilder};

    use super::*;

    /// The rejects file as the csv writer writes it, every field through
    /// it: what `RejectsSink` must match byte for byte.
    struct CsvRejects(csv::Writer<Vec<u8>>);

    impl Sink for CsvRejects {
        type Error = csv::Error;

        fn kept(&mut self, _: &Kept<'_>) -> Result<(), csv::Error> {
            Ok(())
        }

        fn dropped(
            &mut self,
            finding: &Finding<'_>,
        ) -> Result<(), csv::Error> {
            self.0.write_record([
                finding.line.to_string().as_bytes(),
                finding.rule().as_bytes(),
                finding.detail().to_string().as_bytes(),
                finding.raw,
            ])
        }
    }

    fn both(
        input: &[u8],
        id_type: IdType,
        double: bool,
    ) -> (Vec<u8>, Vec<u8>) {
        let mut builder = PipelineBuilder::new();
        builder.id_type(id_type).threads(1);
        if double {
            builder.attribute_type(AttributeType::Double);
        }
        let pipeline = builder.build().expect("valid options");
        let run = pipeline.process(input, "input");
        let mut fast = RejectsSink::new(Vec::new());
        fast.out.extend_from_slice(REJECTS_HEADER);
        run.emit(&mut fast).expect("writing to memory");
        let mut csv = CsvRejects(csv::Writer::from_writer(Vec::new()));
        csv.0.write_record(["line", "rule", "detail", "raw"]).unwrap();
        run.emit(&mut csv).unwrap();
        (fast.out, csv.0.into_inner().expect("flushed"))
    }

    #[test]
    fn rejects_are_written_as_the_csv_writer_writes_them() {
        let input = b"id\r\nabc\nabc\n\"a,b\"\n\"q\"\"x\"\nx\ty\n\"open\n,\n\xff\n a \n12\r\r\n";
        for id_type in [IdType::String, IdType::Numeric, IdType::Gaid] {
            let (fast, csv) = both(input, id_type, false);
            // Bytes, not text: the input holds invalid UTF-8.
            assert!(
                fast == csv,
                "{id_type:?}\n{}\n{}",
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&csv)
            );
        }
        let (fast, csv) = both(b"1e999\n1.5\n1.50\nx\n", IdType::String, true);
        assert_eq!(fast, csv);
    }

    /// The rejects records of `input` cut in chunks of `chunk_bytes`,
    /// written by `write_rejects_in` on `threads` threads.
    fn rejects_by_parts(
        input: &[u8],
        chunk_bytes: usize,
        threads: usize,
        flush_at: usize,
        hold: usize,
    ) -> Vec<u8> {
        let pipeline = PipelineBuilder::new()
            .threads(threads)
            .chunk_bytes(chunk_bytes)
            .build()
            .expect("valid options");
        let run = pipeline.process(input, "input");
        let mut out = Vec::new();
        write_rejects_in(&run, &mut out, threads, flush_at, hold)
            .expect("writing to memory");
        out
    }

    #[test]
    fn rejects_are_the_same_from_any_number_of_threads() {
        let mut input = Vec::new();
        for i in 0..3000u32 {
            // Duplicates, rejects and kept rows, interleaved.
            let row = match i % 5 {
                0 => format!("v{}\n", i % 97),
                1 => format!("\"w{i}\"\n"),
                2 => format!("x,{i}\n"),
                3 => "\n".to_string(),
                _ => format!("a#{}\n", i % 13),
            };
            input.extend_from_slice(row.as_bytes());
        }
        let one = rejects_by_parts(&input, 1 << 20, 1, 1 << 20, 16 << 20);
        assert!(one.len() > 10_000, "the input has rejects");
        for chunk_bytes in [1, 7, 500, 4096] {
            for threads in [2, 3, 8] {
                for (flush_at, hold) in
                    [(1, 1), (64, 256), (1 << 20, 16 << 20)]
                {
                    let many = rejects_by_parts(
                        &input,
                        chunk_bytes,
                        threads,
                        flush_at,
                        hold,
                    );
                    assert!(
                        many == one,
                        "{chunk_bytes}-byte chunks, {threads} threads, \
                         flush at {flush_at}, hold {hold}"
                    );
                }
            }
        }
    }

    /// Fails every write after the first `left` bytes.
    struct Full {
        left: usize,
    }

    impl Write for Full {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            if data.len() > self.left {
                return Err(io::Error::other("disk full"));
            }
            self.left -= data.len();
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// 5,000 rows of 50 values: duplicates in every part.
    fn repeated_values() -> Vec<u8> {
        (0..5000).flat_map(|i| format!("v{}\n", i % 50).into_bytes()).collect()
    }

    /// Three threads over parts of about 700 bytes.
    fn many_parts() -> segprep::Pipeline {
        PipelineBuilder::new()
            .threads(3)
            .chunk_bytes(700)
            .build()
            .expect("valid options")
    }

    #[test]
    fn a_failed_write_stops_every_part_with_its_error() {
        let input = repeated_values();
        let pipeline = many_parts();
        let run = pipeline.process(&input, "input");
        for left in [0, 100, 5000] {
            let mut out = Full { left };
            let err = write_rejects_in(&run, &mut out, 3, 64, 256)
                .expect_err("the output fills up");
            assert_eq!(err.to_string(), "disk full");
        }
    }

    /// Panics on its second write.
    struct Breaks {
        writes: usize,
    }

    impl Write for Breaks {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            assert!(self.writes < 2, "the output breaks");
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_while_writing_stops_every_part() {
        // On a thread of its own, so that a hang fails the test instead
        // of holding it up.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let input = repeated_values();
            let pipeline = many_parts();
            let run = pipeline.process(&input, "input");
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut out = Breaks { writes: 0 };
                    write_rejects_in(&run, &mut out, 3, 64, 256)
                }));
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the writers stopped instead of waiting forever");
        assert!(panicked, "the panic reaches the caller");
    }

    proptest! {
        #[test]
        fn rejects_match_the_csv_writer_on_any_input(
            rows in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(
                        b"a0,\"\r\t #x\xff\xc3\xa9-.@\n".to_vec()
                    ),
                    0..12,
                ),
                0..30,
            ),
            id_type in prop::sample::select(
                vec![IdType::String, IdType::Email, IdType::Phone, IdType::Uuid]
            ),
        ) {
            let input = rows.concat();
            let (fast, csv) = both(&input, id_type, false);
            prop_assert_eq!(fast, csv);
        }
    }
}
