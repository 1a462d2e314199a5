//! The result of a run: statistics at once, rows on demand, in line
//! order, to a sink or as the clean file.

use std::fs::File;
use std::io::{self, Write};

use rayon::prelude::*;

use crate::pipeline::chunk::{self, Chunk, ChunkRow};
use crate::pipeline::row::RowRules;
use crate::sink::{Finding, FindingKind, Kept, Sink};
use crate::stats::Stats;

/// The outcome of [`Pipeline::process`](crate::Pipeline::process):
/// statistics now, rows on demand through [`Processed::emit`] and
/// [`Processed::write_clean`].
#[derive(Debug)]
pub struct Processed<'a> {
    input: &'a [u8],
    chunks: Vec<Chunk>,
    stats: Stats,
    rules: &'a RowRules,
    pool: Option<&'a rayon::ThreadPool>,
}

impl<'a> Processed<'a> {
    pub(crate) fn new(
        input: &'a [u8],
        chunks: Vec<Chunk>,
        stats: Stats,
        rules: &'a RowRules,
        pool: Option<&'a rayon::ThreadPool>,
    ) -> Self {
        Processed { input, chunks, stats, rules, pool }
    }

    /// The statistics of the run.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// A mutable view of the statistics, for callers that add
    /// warnings.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
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

    /// The number of parts that [`Processed::emit_part`] hands out.
    pub fn parts(&self) -> usize {
        self.chunks.len()
    }

    /// Hands the rows of one part to `sink`, in line order; the parts in
    /// order are the rows that [`Processed::emit`] gives, so that sinks
    /// of different parts can run on different threads. Returns whether
    /// the sink wanted every row ([`Sink::wants_more`]).
    ///
    /// # Errors
    ///
    /// The first error the sink returns; the part stops there.
    ///
    /// # Panics
    ///
    /// When `part` is not below [`Processed::parts`].
    pub fn emit_part<S: Sink>(
        &self,
        part: usize,
        mut sink: S,
    ) -> Result<bool, S::Error> {
        let chunk = &self.chunks[part];
        for row in chunk.rows(self.input, sink.unchanged_rows()) {
            if !sink.wants_more() {
                return Ok(false);
            }
            match row {
                ChunkRow::Kept { row, value, raw, first: None } => {
                    sink.kept(&Kept {
                        line: chunk.first_line + u64::from(row.line),
                        value,
                        raw,
                        fixes: row.fixes(),
                    })?;
                }
                ChunkRow::Kept { row, raw, first: Some(first), .. } => {
                    sink.dropped(&Finding {
                        line: chunk.first_line + u64::from(row.line),
                        raw,
                        kind: FindingKind::Duplicate { first },
                    })?;
                }
                ChunkRow::Dropped(row, raw) => {
                    let kind = if chunk.header && row.line == 1 {
                        FindingKind::Header
                    } else {
                        let (reject, detail) =
                            chunk::rejection(self.rules, raw)
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

    /// The clean file's values, in first-occurrence order.
    pub fn values(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.chunks.iter().flat_map(move |chunk| {
            chunk.unique_rows().map(move |row| chunk.value(self.input, &row))
        })
    }

    /// Writes the clean file: every kept value and an LF, in
    /// first-occurrence order or, with `sort`, in byte order.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn write_clean<W: Write>(
        &self,
        mut out: W,
        sort: bool,
    ) -> io::Result<()> {
        if sort {
            for value in self.sorted_values() {
                out.write_all(value)?;
                out.write_all(b"\n")?;
            }
        } else {
            for chunk in &self.chunks {
                chunk.clean_pieces(self.input, |piece, lf| {
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

    /// Writes the clean file like [`Processed::write_clean`] into an
    /// empty `file`, with chunks written in parallel at their offsets.
    ///
    /// # Errors
    ///
    /// The file's.
    pub fn write_clean_file(&self, file: &File, sort: bool) -> io::Result<()> {
        #[cfg(unix)]
        if !sort {
            return self
                .write_clean_files(&[(file, self.stats.clean_bytes)])
                .map_err(|(_, err)| err);
        }
        self.write_clean(io::BufWriter::with_capacity(1 << 20, file), sort)
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
    /// The index in `files` of the file that failed, and its error; also
    /// when the sizes do not add up (index 0, which then may not exist).
    #[cfg(unix)]
    pub fn write_clean_files(
        &self,
        files: &[(&File, u64)],
    ) -> Result<(), (usize, io::Error)> {
        use std::os::unix::fs::FileExt;

        let starts = offsets_of(files.iter().map(|&(_, size)| size));
        let total: u64 = files.iter().map(|&(_, size)| size).sum();
        if total != self.stats.clean_bytes {
            let err = io::Error::other(format!(
                "the parts hold {total} bytes, the clean file {}",
                self.stats.clean_bytes
            ));
            return Err((0, err));
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
                    return Err((part, err));
                }
                file.write_all_at(&buf[..n], at - starts[part])
                    .map_err(|err| (part, err))?;
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
                Ok::<(), (usize, io::Error)>(())
            };
            // The buffer holds less than BUF bytes between pieces.
            chunk.clean_pieces(self.input, |mut piece, lf| {
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
                Ok(())
            })?;
            flush(&mut buf)
        };
        match self.pool {
            Some(pool) => pool.install(|| {
                self.chunks.par_iter().zip(&offsets).try_for_each(write)
            }),
            None => self.chunks.iter().zip(&offsets).try_for_each(write),
        }
    }

    /// The clean file's values in output order: first occurrence, or
    /// byte order with `sort`.
    pub fn ordered_values(&self, sort: bool) -> Vec<&[u8]> {
        if sort {
            self.sorted_values()
        } else {
            self.values().collect()
        }
    }

    /// The kept values in byte order.
    fn sorted_values(&self) -> Vec<&[u8]> {
        let mut values: Vec<&[u8]> = self.values().collect();
        match self.pool {
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
