//! Steps 1 to 10 over one chunk of rows, stored compactly.
//!
//! A kept row costs 16 bytes: its value's place, its line and its fixes.
//! UUID rows that the fast path keeps as they were read cost nothing of
//! their own: a run of them, one after the other, is one entry. A kept
//! row's raw text is its value unless a fix changed it; the raw text of
//! changed rows is kept aside, in order, because only the ordered
//! hand-over to a sink reads it. A dropped row costs 12 bytes: its place
//! and line. Its reason is counted at once and worked out again, from the
//! same bytes by the same rules, only when a sink asks for it.

use std::ops::Range;

use crate::pipeline::dedupe::{shard_of, SHARDS};
use crate::pipeline::row::{RowRules, Scratch, Value};
use crate::pipeline::rows::Rows;
use crate::rule::{Detail, Rejection};
use crate::rule::{Fix, FixSet, Reject};

/// `KeptRow::flags`: the value is in the chunk's arena.
const IN_ARENA: u16 = 1 << 14;
/// `KeptRow::flags` of an entry of `Chunk::entries`: a run of UUID rows
/// kept as they were read, 36 bytes and an LF each; `len` is their number.
const RUN: u16 = 1 << 15;
/// A UUID row's bytes, LF included.
const UUID_LINE: u32 = 37;
/// Kept indices per block of `Chunk::run_blocks`.
const BLOCK: u32 = 64;

/// A placeholder row.
pub(crate) const ZERO_ROW: KeptRow =
    KeptRow { start: 0, len: 0, line: 0, flags: 0 };

/// A row whose value passed steps 1 to 10; in `Chunk::entries`, also a
/// run of them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeptRow {
    /// Start of the value: in the input relative to the chunk's base, or
    /// in the arena.
    start: u32,
    len: u32,
    /// Line relative to the chunk (1-based).
    pub(crate) line: u32,
    /// Fix bits, `IN_ARENA` and `RUN`.
    flags: u16,
}

impl KeptRow {
    pub(crate) fn fixes(&self) -> FixSet {
        FixSet::from_bits(self.flags)
    }

    /// The rows of an entry.
    fn rows(&self) -> u32 {
        if self.flags & RUN == 0 {
            1
        } else {
            self.len
        }
    }

    /// Row `k` of an entry.
    pub(crate) fn row(&self, k: u32) -> KeptRow {
        if self.flags & RUN == 0 {
            return *self;
        }
        KeptRow {
            start: self.start + k * UUID_LINE,
            len: UUID_LINE - 1,
            line: self.line + k,
            flags: 0,
        }
    }
}

/// A rejected row or the header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DroppedRow {
    pub(crate) line: u32,
    /// Relative to the chunk's base.
    start: u32,
    /// `u32::MAX` for a row at least that long: its end is found again.
    len: u32,
}

/// Why a row of `raw` bytes is rejected; `None` when it would be kept.
/// Rows too long for 32-bit offsets are rejected whatever they hold.
pub(crate) fn rejection(rules: &RowRules, raw: &[u8]) -> Option<Rejection> {
    let mut scratch = Scratch::default();
    let mut fixes = FixSet::EMPTY;
    match rules.process(raw, &mut scratch, &mut fixes) {
        Err(rejection) => Some(rejection),
        Ok(_) if raw.len() >= u32::MAX as usize => Some((
            Reject::TooLong,
            Detail::Length {
                len: raw.len(),
                limit: rules.value.max_value_len,
            },
        )),
        Ok(_) => None,
    }
}

/// What a chunk's kept, non-duplicate rows add to the clean file.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) values: u64,
    /// Values and their LFs.
    pub(crate) bytes: u64,
    /// Rows changed by each fix, by `Fix::index`.
    pub(crate) fixed: [u64; Fix::ALL.len()],
}

impl Tally {
    fn count(&mut self, row: &KeptRow) {
        self.values += 1;
        self.bytes += u64::from(row.len) + 1;
        for fix in row.fixes().indices() {
            self.fixed[fix] += 1;
        }
    }

    fn uncount(&mut self, row: &KeptRow) {
        self.values -= 1;
        self.bytes -= u64::from(row.len) + 1;
        for fix in row.fixes().indices() {
            self.fixed[fix] -= 1;
        }
    }
}

/// How row 1 is treated; only the first chunk has it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FirstRow {
    pub(crate) header: bool,
    pub(crate) bom: bool,
}

/// The results of steps 1 to 10 for one chunk of rows.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    /// Offset of the chunk in the input.
    pub(crate) base: usize,
    /// Rows before this chunk.
    pub(crate) first_line: u64,
    pub(crate) rows: u64,
    /// The kept rows in line order, duplicates included: a row an entry,
    /// or a run of UUID rows an entry.
    entries: Vec<KeptRow>,
    /// (entry index, kept index of its first row) of each run.
    runs: Vec<(u32, u32)>,
    /// For each block of `BLOCK` kept indices, the runs that start before
    /// it: where finding a kept row's entry starts.
    run_blocks: Vec<u32>,
    /// The number of kept rows, duplicates included.
    kept_len: u32,
    /// (kept index, raw start, raw len) of each kept row that a fix
    /// changed, in order; starts are relative to `base`.
    pub(crate) changed_raws: Vec<(u32, u32, u32)>,
    pub(crate) dropped: Vec<DroppedRow>,
    /// Whether the first dropped row is the header.
    pub(crate) header: bool,
    /// Rejected rows by `Reject::index`.
    pub(crate) rejected: [u64; Reject::ALL.len()],
    /// Kept rows less duplicates, once those are marked.
    pub(crate) tally: Tally,
    arena: Vec<u8>,
    /// Kept-row indices and hashes, by dedupe shard, in row order.
    pub(crate) shards: Vec<Vec<(u32, u32)>>,
    /// (kept index, line of the first occurrence) of each duplicate,
    /// sorted.
    pub(crate) duplicates: Vec<(u32, u64)>,
}

impl Chunk {
    pub(crate) fn value<'a>(
        &'a self,
        input: &'a [u8],
        row: &KeptRow,
    ) -> &'a [u8] {
        let (start, len) = (row.start as usize, row.len as usize);
        if row.flags & IN_ARENA != 0 {
            &self.arena[start..start + len]
        } else {
            &input[self.base + start..][..len]
        }
    }

    /// The number of kept rows, duplicates included.
    pub(crate) fn kept_len(&self) -> u32 {
        self.kept_len
    }

    /// The entry holding kept row `index`, and the row's place in it.
    #[inline]
    pub(crate) fn locate(&self, index: u32) -> (usize, u32) {
        if self.runs.is_empty() {
            return (index as usize, 0);
        }
        // The runs that start at or before `index`: those before its
        // block, then at most a block's worth more.
        let mut runs = self.run_blocks[(index / BLOCK) as usize] as usize;
        while self.runs.get(runs).is_some_and(|&(_, first)| first <= index) {
            runs += 1;
        }
        let Some(run) = runs.checked_sub(1) else {
            return (index as usize, 0);
        };
        let (entry, first) = self.runs[run];
        // The run's length from where the next run (or the chunk) starts:
        // the entries between are single rows. Reading the run's entry
        // instead would wait on memory once the input outgrows the cache.
        let (next_entry, next_first) = self
            .runs
            .get(run + 1)
            .copied()
            .unwrap_or((self.entries.len() as u32, self.kept_len));
        let count = (next_first - first) - (next_entry - entry - 1);
        match index - first {
            k if k < count => (entry as usize, k),
            past => (entry as usize + 1 + (past - count) as usize, 0),
        }
    }

    /// Kept row `index`.
    pub(crate) fn kept_row(&self, index: u32) -> KeptRow {
        let (entry, k) = self.locate(index);
        self.entries[entry].row(k)
    }

    /// Entry `index` of `entries`.
    pub(crate) fn entry(&self, index: usize) -> &KeptRow {
        &self.entries[index]
    }

    /// The kept rows in line order, duplicates included, with their
    /// indices.
    pub(crate) fn kept_rows(
        &self,
    ) -> impl Iterator<Item = (u32, KeptRow)> + '_ {
        let rows = self
            .entries
            .iter()
            .flat_map(|entry| (0..entry.rows()).map(|k| entry.row(k)));
        (0..).zip(rows)
    }

    /// The kept rows that are not duplicates, in line order.
    pub(crate) fn unique_rows(&self) -> impl Iterator<Item = KeptRow> + '_ {
        let mut duplicates = self.duplicates.iter().map(|d| d.0).peekable();
        self.kept_rows().filter_map(move |(index, row)| {
            duplicates.next_if_eq(&index).is_none().then_some(row)
        })
    }

    /// Hands the chunk's part of the clean file to `write` in pieces, each
    /// with whether an LF follows it: runs of UUID rows, less their
    /// duplicates, as slices of the input with their LFs; every other
    /// value.
    pub(crate) fn clean_pieces<E>(
        &self,
        input: &[u8],
        mut write: impl FnMut(&[u8], bool) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut duplicates = self.duplicates.iter().map(|d| d.0).peekable();
        let mut index = 0;
        for entry in &self.entries {
            let end = index + entry.rows();
            if entry.flags & RUN == 0 {
                if duplicates.next_if_eq(&index).is_none() {
                    write(self.value(input, entry), true)?;
                }
                index = end;
                continue;
            }
            let at = |k: u32| {
                self.base + (entry.start + (k - index) * UUID_LINE) as usize
            };
            let mut from = index;
            while let Some(duplicate) = duplicates.next_if(|&d| d < end) {
                if duplicate > from {
                    write(&input[at(from)..at(duplicate)], false)?;
                }
                from = duplicate + 1;
            }
            if end > from {
                write(&input[at(from)..at(end)], false)?;
            }
            index = end;
        }
        Ok(())
    }

    /// Sets the chunk's duplicates, (kept index, first occurrence's line)
    /// in row order, and takes them out of the tally.
    pub(crate) fn set_duplicates(&mut self, duplicates: Vec<(u32, u64)>) {
        for &(index, _) in &duplicates {
            let row = self.kept_row(index);
            self.tally.uncount(&row);
        }
        self.duplicates = duplicates;
    }

    /// Adds a kept row whose value has `hash`.
    #[inline]
    fn keep(&mut self, row: KeptRow, hash: u64) {
        self.tally.count(&row);
        self.shards[shard_of(hash)].push((self.kept_len, hash as u32));
        self.kept_len += 1;
        self.entries.push(row);
    }

    /// Keeps the UUID rows at the front of `rows` that steps 3 to 10
    /// keep as they are, line `line + 1` on, as one run; returns their
    /// number. `rows` are in `input`. Counting and storing the run once,
    /// not per row, keeps this loop short.
    #[inline]
    fn keep_uuid_run(
        &mut self,
        rules: &RowRules,
        input: &[u8],
        rows: &mut Rows,
        line: u32,
    ) -> u32 {
        let Some(first) = rows.peek_uuid() else {
            return 0;
        };
        let start =
            first.as_ptr() as usize - input.as_ptr() as usize - self.base;
        let mut count = 0;
        while let Some(raw) = rows.peek_uuid() {
            if !rules.uuid_as_is(raw) {
                break;
            }
            rows.skip_uuid();
            let hash = crate::pipeline::dedupe::hash(raw);
            self.shards[shard_of(hash)]
                .push((self.kept_len + count, hash as u32));
            count += 1;
        }
        if count == 0 {
            return 0;
        }
        self.tally.values += u64::from(count);
        self.tally.bytes += u64::from(count) * u64::from(UUID_LINE);
        self.runs.push((self.entries.len() as u32, self.kept_len));
        self.entries.push(KeptRow {
            start: start as u32,
            len: count,
            line: line + 1,
            flags: RUN,
        });
        self.kept_len += count;
        count
    }

    /// Runs steps 1 to 10 over the rows of `input[range]`.
    pub(crate) fn run(
        rules: &RowRules,
        input: &[u8],
        range: Range<usize>,
        first: Option<FirstRow>,
    ) -> Chunk {
        let base = range.start;
        // Room for rows of 32 bytes or more: growing these vectors while
        // rows stream in costs more than address space left unused.
        let rows = range.len() / 32 + 16;
        let mut chunk = Chunk {
            base,
            entries: Vec::with_capacity(rows),
            shards: (0..SHARDS)
                .map(|_| Vec::with_capacity(rows / SHARDS + 16))
                .collect(),
            ..Chunk::default()
        };
        let mut scratch = Scratch::default();
        // An input that is only a BOM has one empty row.
        let mut only_bom = range.is_empty() && first.is_some_and(|f| f.bom);
        let mut rows = Rows::new(&input[range]);
        let offset = |s: &[u8]| s.as_ptr() as usize - input.as_ptr() as usize;
        let mut line: u32 = 0;
        loop {
            // Row 1 of the input may be the header or hold the BOM: it
            // takes the general path.
            if rules.uuid_fast && (line > 0 || first.is_none()) {
                let kept = chunk.keep_uuid_run(rules, input, &mut rows, line);
                if kept > 0 {
                    line += kept;
                    continue;
                }
            }
            let (raw, crlf) = match rows.next() {
                Some(row) => row,
                None if only_bom => {
                    only_bom = false;
                    (&input[base..base], false)
                }
                None => break,
            };
            line += 1;
            let raw_start = offset(raw);
            let mut fixes = FixSet::EMPTY;
            let dropped = DroppedRow {
                line,
                start: (raw_start - base) as u32,
                len: u32::try_from(raw.len()).unwrap_or(u32::MAX),
            };
            if line == 1 {
                if let Some(first) = first {
                    if first.header {
                        chunk.header = true;
                        chunk.dropped.push(dropped);
                        continue;
                    }
                    if first.bom {
                        fixes.insert(Fix::Bom);
                    }
                }
            }
            if raw.len() >= u32::MAX as usize {
                let (reject, _) =
                    rejection(rules, raw).expect("overlong rows are rejected");
                chunk.rejected[reject.index()] += 1;
                chunk.dropped.push(dropped);
                continue;
            }
            if crlf {
                fixes.insert(Fix::Crlf);
            }
            let (start, len, flags) =
                match rules.process(raw, &mut scratch, &mut fixes) {
                    Ok(Value::Borrowed(v)) => {
                        (offset(v) - base, v.len(), fixes.bits())
                    }
                    Ok(Value::Scratch) => {
                        let start = chunk.arena.len();
                        chunk.arena.extend_from_slice(&scratch.value);
                        (start, scratch.value.len(), fixes.bits() | IN_ARENA)
                    }
                    Err((reject, _)) => {
                        chunk.rejected[reject.index()] += 1;
                        chunk.dropped.push(dropped);
                        continue;
                    }
                };
            // A picked column's value is not its row either.
            if !fixes.is_empty() || rules.split.column.is_some() {
                chunk.changed_raws.push((
                    chunk.kept_len,
                    (raw_start - base) as u32,
                    raw.len() as u32,
                ));
            }
            let row =
                KeptRow { start: start as u32, len: len as u32, line, flags };
            let hash = crate::pipeline::dedupe::hash(chunk.value(input, &row));
            chunk.keep(row, hash);
        }
        chunk.rows = u64::from(line);
        if !chunk.runs.is_empty() {
            let mut runs = chunk.runs.iter().peekable();
            let mut before = 0;
            chunk.run_blocks = (0..chunk.kept_len.div_ceil(BLOCK))
                .map(|block| {
                    while runs.next_if(|r| r.1 < block * BLOCK).is_some() {
                        before += 1;
                    }
                    before
                })
                .collect();
        }
        chunk
    }

    /// The raw text of a dropped row.
    pub(crate) fn raw<'a>(
        &self,
        input: &'a [u8],
        row: &DroppedRow,
    ) -> &'a [u8] {
        let start = self.base + row.start as usize;
        if row.len != u32::MAX {
            return &input[start..][..row.len as usize];
        }
        let (raw, _) = Rows::new(&input[start..]).next().unwrap_or_default();
        raw
    }

    /// The chunk's rows in line order: kept ones (duplicates included)
    /// with their raw text, and dropped ones.
    ///
    /// With `unchanged` false, kept rows that no fix changed and that are
    /// not duplicates are left out: a report of findings has nothing to
    /// say about them.
    pub(crate) fn rows<'a>(
        &'a self,
        input: &'a [u8],
        unchanged: bool,
    ) -> impl Iterator<Item = ChunkRow<'a>> + 'a {
        // The kept rows to visit: every one, or only those a fix changed
        // and the duplicates, found from their lists rather than by
        // reading every row.
        let mut all = unchanged.then(|| self.kept_rows());
        let mut fixed = self.changed_raws.iter().map(|c| c.0).peekable();
        let mut duplicate = self.duplicates.iter().map(|d| d.0).peekable();
        let mut kept = std::iter::from_fn(move || {
            if let Some(all) = &mut all {
                return all.next();
            }
            let next = match (fixed.peek(), duplicate.peek()) {
                (Some(&f), Some(&d)) => f.min(d),
                (Some(&f), None) => f,
                (None, Some(&d)) => d,
                (None, None) => return None,
            };
            fixed.next_if_eq(&next);
            duplicate.next_if_eq(&next);
            Some((next, self.kept_row(next)))
        })
        .peekable();
        let mut dropped = self.dropped.iter().peekable();
        let mut changed = self.changed_raws.iter().peekable();
        let mut dups = self.duplicates.iter().peekable();
        std::iter::from_fn(move || {
            let take_kept = match (kept.peek(), dropped.peek()) {
                (Some((_, k)), Some(d)) => k.line < d.line,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return None,
            };
            if !take_kept {
                let row = dropped.next().expect("peeked");
                return Some(ChunkRow::Dropped(row, self.raw(input, row)));
            }
            let (index, row) = kept.next().expect("peeked");
            let value = self.value(input, &row);
            let raw = match changed.next_if(|c| c.0 == index) {
                Some(&(_, start, len)) => {
                    &input[self.base + start as usize..][..len as usize]
                }
                None => value,
            };
            let first = dups.next_if(|d| d.0 == index).map(|d| d.1);
            Some(ChunkRow::Kept { row, value, raw, first })
        })
    }
}

/// One row of a chunk, as `Chunk::rows` yields it.
pub(crate) enum ChunkRow<'a> {
    Kept {
        row: KeptRow,
        value: &'a [u8],
        raw: &'a [u8],
        /// The first occurrence's line, for a duplicate.
        first: Option<u64>,
    },
    Dropped(&'a DroppedRow, &'a [u8]),
}
