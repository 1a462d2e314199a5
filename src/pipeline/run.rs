//! The result of a run: statistics at once, rows on demand, in line
//! order, to a sink or as the clean file.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::input::Input;
use crate::options::Order;
use crate::pipeline::chunk::{self, Chunk, ChunkRow};
use crate::pipeline::ordered;
use crate::pipeline::row::RowRules;
use crate::pipeline::Delimiter;
use crate::rule::Rule;
use crate::sink::sinks::RejectsCsv;
use crate::sink::{Finding, FindingKind, Kept, Sink};
use crate::stats::Stats;

/// The outcome of [`Pipeline::process`](crate::Pipeline::process):
/// statistics now, rows on demand through [`Run::emit`] and
/// [`Run::write_clean`]. It owns (or shares) its input, so it can be
/// returned from the function that made it and written later.
#[derive(Debug)]
pub struct Run {
    input: Arc<Input>,
    chunks: Vec<Chunk>,
    stats: Stats,
    rules: Arc<RowRules>,
    pool: Option<Arc<rayon::ThreadPool>>,
    max_bytes: u64,
}

impl Run {
    pub(crate) fn new(
        input: Arc<Input>,
        chunks: Vec<Chunk>,
        stats: Stats,
        rules: Arc<RowRules>,
        pool: Option<Arc<rayon::ThreadPool>>,
        max_bytes: u64,
    ) -> Self {
        Run { input, chunks, stats, rules, pool, max_bytes }
    }

    /// The statistics of the run.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The input the run read.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// The delimiter the run split rows with: the one
    /// [`Delimiter::Auto`] picked for this input, or the one given.
    pub fn delimiter(&self) -> Delimiter {
        Delimiter::Char(self.rules.split.delimiter)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.input.as_bytes()
    }

    /// Refuses a clean file larger than the pipeline's
    /// [`max_bytes`](crate::PipelineBuilder::max_bytes): the platform
    /// would refuse it. The writers call it first; a caller that creates
    /// files can call it before creating them.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::CleanTooLarge`].
    pub fn check_clean_size(&self) -> Result<(), Error> {
        self.check_size(self.stats.clean_bytes)
    }

    fn check_size(&self, bytes: u64) -> Result<(), Error> {
        if bytes > self.max_bytes {
            return Err(Error::from(ErrorKind::CleanTooLarge {
                path: None,
                bytes,
                limit: self.max_bytes,
            }));
        }
        Ok(())
    }

    /// Hands every row to `sink`, in line order, until it wants no more
    /// ([`Sink::wants_more`]).
    ///
    /// # Errors
    ///
    /// The first error the sink returns; the run stops there.
    pub fn emit<S: Sink>(&self, mut sink: S) -> Result<(), S::Error> {
        for part in 0..self.parts() {
            if !self.emit_part(part, &mut sink)? {
                break;
            }
        }
        Ok(())
    }

    /// The number of parts that [`Run::emit_part`] hands out.
    pub(crate) fn parts(&self) -> usize {
        self.chunks.len()
    }

    /// Hands the rows of one part to `sink`, in line order; the parts in
    /// order are the rows that [`Run::emit`] gives, so that sinks
    /// of different parts can run on different threads. Returns whether
    /// the sink wanted every row ([`Sink::wants_more`]).
    ///
    /// # Errors
    ///
    /// The first error the sink returns; the part stops there.
    ///
    /// # Panics
    ///
    /// When `part` is not below [`Run::parts`].
    pub(crate) fn emit_part<S: Sink>(
        &self,
        part: usize,
        mut sink: S,
    ) -> Result<bool, S::Error> {
        let chunk = &self.chunks[part];
        for row in chunk.rows(self.bytes(), sink.unchanged_rows()) {
            if !sink.wants_more() {
                return Ok(false);
            }
            match row {
                ChunkRow::Kept { row, value, raw, first: None } => {
                    sink.kept(&Kept {
                        line: chunk.first_line + u64::from(row.line),
                        value: &value.text(),
                        raw: &raw,
                        fixes: row.fixes(),
                    })?;
                }
                ChunkRow::Kept { row, raw, first: Some(first), .. } => {
                    sink.dropped(&Finding {
                        line: chunk.first_line + u64::from(row.line),
                        raw: &raw,
                        kind: FindingKind::Duplicate { first },
                    })?;
                }
                ChunkRow::Dropped(row, raw) => {
                    let kind = if chunk.header && row.line == 1 {
                        FindingKind::Header
                    } else {
                        let (reject, detail) =
                            chunk::rejection(&self.rules, raw)
                                .expect("a dropped row is rejected again");
                        FindingKind::Reject(reject, detail)
                    };
                    sink.dropped(&Finding {
                        line: chunk.first_line + u64::from(row.line),
                        raw,
                        kind,
                    })?;
                }
            }
        }
        Ok(true)
    }

    /// Writes the rejects file: [`RejectsCsv::HEADER`], then one record
    /// for each dropped row (rejects, duplicates, the header) in line
    /// order. Several threads format the records at once when the
    /// pipeline has them; the bytes are the same either way.
    ///
    /// # Errors
    ///
    /// The writer's ([`ErrorKind::Io`], with no path).
    pub fn write_rejects<W: Write + Send>(&self, out: W) -> Result<(), Error> {
        self.write_rejects_omitting(out, &[])
    }

    /// [`Run::write_rejects`], leaving out the rows dropped by the rules
    /// in `omit`: duplicates, say, in a file of daily exports
    /// concatenated, which can be mostly duplicates.
    ///
    /// # Errors
    ///
    /// As [`Run::write_rejects`].
    pub fn write_rejects_omitting<W: Write + Send>(
        &self,
        mut out: W,
        omit: &[Rule],
    ) -> Result<(), Error> {
        let threads =
            self.pool.as_ref().map_or(1, |p| p.current_num_threads());
        out.write_all(RejectsCsv::<W>::HEADER)
            .and_then(|()| {
                ordered::write_rejects(
                    self,
                    &mut out,
                    omit,
                    threads,
                    1 << 20,
                    16 << 20,
                )
            })
            .and_then(|()| out.flush())
            .map_err(|e| Error::io(None, "cannot write", e))
    }

    /// The clean file's values, in first-occurrence order.
    pub fn values(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.chunks
            .iter()
            .flat_map(move |chunk| chunk.unique_values(self.bytes()))
    }

    /// Writes the clean file: every kept value and an LF, in `order`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::CleanTooLarge`] before anything is written, or the
    /// writer's error ([`ErrorKind::Io`], with no path: add one with
    /// [`Error::with_path`]).
    pub fn write_clean<W: Write>(
        &self,
        mut out: W,
        order: Order,
    ) -> Result<(), Error> {
        self.check_clean_size()?;
        self.write_clean_unchecked(&mut out, order)
            .map_err(|e| Error::io(None, "cannot write", e))
    }

    fn write_clean_unchecked<W: Write>(
        &self,
        mut out: W,
        order: Order,
    ) -> io::Result<()> {
        if order == Order::Sorted {
            for value in self.sorted_values() {
                out.write_all(value)?;
                out.write_all(b"\n")?;
            }
        } else {
            for chunk in &self.chunks {
                chunk.clean_pieces(self.bytes(), |piece, lf| {
                    out.write_all(piece)?;
                    match lf {
                        true => out.write_all(b"\n"),
                        false => Ok(()),
                    }
                })?;
            }
        }
        out.flush()
    }

    /// Writes the clean file like [`Run::write_clean`] into an empty
    /// `file`, with chunks written in parallel at their offsets.
    ///
    /// # Errors
    ///
    /// As [`Run::write_clean`].
    pub fn write_clean_file(
        &self,
        file: &File,
        order: Order,
    ) -> Result<(), Error> {
        self.check_clean_size()?;
        #[cfg(unix)]
        if order == Order::FirstSeen {
            return self
                .write_clean_files(&[(file, self.stats.clean_bytes)])
                .map_err(|err| match err.into_kind() {
                    ErrorKind::WritePart { err, .. } => {
                        Error::io(None, "cannot write", err)
                    }
                    kind => Error::from(kind),
                });
        }
        let out = io::BufWriter::with_capacity(1 << 20, file);
        self.write_clean_unchecked(out, order)
            .map_err(|e| Error::io(None, "cannot write", e))
    }

    /// Writes the clean file, in first-occurrence order, cut into empty
    /// `files`: each `(file, size)` takes the next `size` bytes of it,
    /// and the sizes add up to its size (`clean_bytes` in the
    /// statistics). Chunks are written in parallel at their offsets,
    /// whichever files they fall in. Cuts after an LF give whole values,
    /// as [`split::plan`](crate::workflow::split::plan) places them.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::CleanTooLarge`] when a part is over the pipeline's
    /// `max_bytes`, [`ErrorKind::Config`] when the sizes do not add up,
    /// both before anything is written; [`ErrorKind::WritePart`] with
    /// the index in `files` of the file that failed.
    #[cfg(unix)]
    pub fn write_clean_files(
        &self,
        files: &[(&File, u64)],
    ) -> Result<(), Error> {
        use std::os::unix::fs::FileExt;

        let starts = offsets_of(files.iter().map(|&(_, size)| size));
        let total: u64 = files.iter().map(|&(_, size)| size).sum();
        if total != self.stats.clean_bytes {
            return Err(Error::config(format!(
                "the parts hold {total} bytes, the clean file {}",
                self.stats.clean_bytes
            )));
        }
        for &(_, size) in files {
            self.check_size(size)?;
        }
        // Bytes at offset `at` of the clean file, to whichever files hold
        // them.
        let write_at = |mut buf: &[u8], mut at: u64| {
            while !buf.is_empty() {
                let part = starts.partition_point(|&start| start <= at) - 1;
                let (file, size) = files[part];
                let room = starts[part] + size - at;
                let n = buf.len().min(room as usize);
                if n == 0 {
                    let err = io::Error::other("past the end of the parts");
                    return Err(Error::from(ErrorKind::WritePart {
                        part,
                        err,
                    }));
                }
                file.write_all_at(&buf[..n], at - starts[part]).map_err(
                    |err| Error::from(ErrorKind::WritePart { part, err }),
                )?;
                at += n as u64;
                buf = &buf[n..];
            }
            Ok(())
        };
        let offsets =
            offsets_of(self.chunks.iter().map(|chunk| chunk.tally.bytes));
        let write = |(chunk, &offset): (&Chunk, &u64)| {
            // Small buffers keep memory flat; each is one syscall.
            const BUF: usize = 1 << 20;
            let mut buf = Vec::with_capacity(BUF + 1);
            let mut at = offset;
            let mut flush = |buf: &mut Vec<u8>| {
                write_at(buf, at)?;
                at += buf.len() as u64;
                buf.clear();
                Ok::<(), Error>(())
            };
            // The buffer holds less than BUF bytes between pieces.
            chunk.clean_pieces(self.bytes(), |mut piece, lf| {
                while buf.len() + piece.len() > BUF {
                    let room = BUF - buf.len();
                    buf.extend_from_slice(&piece[..room]);
                    piece = &piece[room..];
                    flush(&mut buf)?;
                }
                buf.extend_from_slice(piece);
                if lf {
                    buf.push(b'\n');
                }
                if buf.len() >= BUF {
                    flush(&mut buf)?;
                }
                Ok::<(), Error>(())
            })?;
            flush(&mut buf)
        };
        match &self.pool {
            Some(pool) => pool.install(|| {
                self.chunks.par_iter().zip(&offsets).try_for_each(write)
            }),
            None => self.chunks.iter().zip(&offsets).try_for_each(write),
        }
    }

    /// The clean file's values in `order`.
    pub fn ordered_values(&self, order: Order) -> Vec<&[u8]> {
        match order {
            Order::Sorted => self.sorted_values(),
            Order::FirstSeen => self.values().collect(),
        }
    }

    /// The kept values in byte order.
    fn sorted_values(&self) -> Vec<&[u8]> {
        let mut values: Vec<&[u8]> = self.values().collect();
        match &self.pool {
            Some(pool) => pool.install(|| values.par_sort_unstable()),
            None => values.sort_unstable(),
        }
        values
    }
}

/// The offset of each piece of these sizes when they are laid end to
/// end.
#[cfg(unix)]
fn offsets_of(sizes: impl Iterator<Item = u64>) -> Vec<u64> {
    sizes
        .scan(0, |at, size| {
            let start = *at;
            *at += size;
            Some(start)
        })
        .collect()
}
