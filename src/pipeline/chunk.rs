//! Steps 1 to 10 over one chunk of rows, stored compactly.
//!
//! A kept row costs 16 bytes: its value's place, its line and its fixes.
//! UUID rows that the fast path keeps as they were read cost nothing of
//! their own: a run of them, one after the other, is one entry. Other
//! rows kept as they were read, two or more in a row, are one entry too,
//! with each row's start: 4 bytes a row. A kept row's raw text is its
//! value unless a fix changed it; where the raw text of changed rows
//! starts is kept aside, in order, because only the ordered hand-over to
//! a sink reads it. A dropped row costs 12 bytes: its place
//! and line. Its reason is counted at once and worked out again, from the
//! same bytes by the same rules, only when a sink asks for it.
//!
//! With `--attribute-type double`, a value whose canonical text is long
//! (`1e308` is 309 digits) is kept as its number, in the row's own
//! fields: equal texts are equal numbers, so dedupe compares the numbers,
//! and the text is written out again only where bytes are needed.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use crate::pipeline::dedupe::{shard_of, ValueHash};
use crate::pipeline::duplicates::Duplicates;
use crate::pipeline::row::{RowRules, Scratch, Value};
use crate::pipeline::rows::Rows;
use crate::pipeline::value::write_canonical;
use crate::rule::{Detail, Rejection};
use crate::rule::{Fix, FixSet, Reject};

/// `KeptRow::flags`: the value is a number, its bits in `start` (low)
/// and `len` (high).
const NUMBER: u16 = 1 << 13;
/// `KeptRow::flags`: the value is in the chunk's arena.
const IN_ARENA: u16 = 1 << 14;
/// `KeptRow::flags` of an entry of `Chunk::entries`: a run of UUID rows
/// kept as they were read, 36 bytes and an LF each; `len` is their number.
const RUN: u16 = 1 << 15;
/// `KeptRow::flags` of a `RUN` entry whose rows, kept as they were read,
/// have any length: `start` indexes `Chunk::run_starts`, which holds
/// each row's start and then the run's end. 4 bytes a row, not 16.
const VAR: u16 = 1 << 12;
/// A UUID row's bytes, LF included.
const UUID_LINE: u32 = 37;
/// Kept indices per block of `Chunk::run_blocks`.
const BLOCK: u32 = 64;

/// Canonical numbers longer than this are kept as numbers: no text
/// Display writes for one is between 17 and this long, so common values
/// never pay for the parse that finds their number.
const NUMBER_FROM: usize = 24;

/// A placeholder row.
pub(crate) const ZERO_ROW: KeptRow =
    KeptRow { start: 0, len: 0, line: 0, flags: 0, text_len: 0 };

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
    /// Fix bits, `NUMBER`, `IN_ARENA` and `RUN`.
    flags: u16,
    /// The length of a `NUMBER`'s text.
    text_len: u16,
}

/// A kept value as stored, for comparing: equal values are equal
/// `Stored`, since a value is a `Number` exactly when its text is a
/// canonical number longer than `NUMBER_FROM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Stored<'a> {
    Bytes(&'a [u8]),
    /// The bits of an `f64`.
    Number(u64),
}

impl<'a> Stored<'a> {
    /// The bytes of a value stored as bytes; none for a number.
    pub(crate) fn bytes(self) -> &'a [u8] {
        match self {
            Stored::Bytes(bytes) => bytes,
            Stored::Number(_) => &[],
        }
    }

    /// The value's text.
    pub(crate) fn text(self) -> Cow<'a, [u8]> {
        match self {
            Stored::Bytes(bytes) => Cow::Borrowed(bytes),
            Stored::Number(bits) => {
                let mut text = Vec::with_capacity(64);
                write_canonical(f64::from_bits(bits), &mut text);
                Cow::Owned(text)
            }
        }
    }
}

impl KeptRow {
    pub(crate) fn fixes(&self) -> FixSet {
        FixSet::from_bits(self.flags)
    }

    /// The length of the value's text.
    pub(crate) fn value_len(&self) -> u32 {
        match self.flags & NUMBER {
            0 => self.len,
            _ => u32::from(self.text_len),
        }
    }

    /// The rows of an entry.
    fn rows(&self) -> u32 {
        if self.flags & RUN == 0 {
            1
        } else {
            self.len
        }
    }

    /// Row `k` of an entry that is not a `VAR` run (see
    /// `Chunk::entry_row`).
    fn row(&self, k: u32) -> KeptRow {
        debug_assert!(self.flags & VAR == 0);
        if self.flags & RUN == 0 {
            return *self;
        }
        KeptRow {
            start: self.start + k * UUID_LINE,
            len: UUID_LINE - 1,
            line: self.line + k,
            flags: 0,
            text_len: 0,
        }
    }
}

/// The iterator of `Chunk::kept_rows`: a walk over the entries, which
/// flattening each entry's rows cost a tenth more in `diff`.
struct KeptRows<'c> {
    chunk: &'c Chunk,
    entry: usize,
    /// The next row's place in its entry, and its kept index.
    k: u32,
    index: u32,
}

impl Iterator for KeptRows<'_> {
    type Item = (u32, KeptRow);

    #[inline]
    fn next(&mut self) -> Option<(u32, KeptRow)> {
        let entry = self.chunk.entries.get(self.entry)?;
        let row = self.chunk.entry_row(entry, self.k);
        self.k += 1;
        if self.k == entry.rows() {
            self.entry += 1;
            self.k = 0;
        }
        self.index += 1;
        Some((self.index - 1, row))
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
        self.bytes += u64::from(row.value_len()) + 1;
        for fix in row.fixes().indices() {
            self.fixed[fix] += 1;
        }
    }

    fn uncount(&mut self, row: &KeptRow) {
        self.values -= 1;
        self.bytes -= u64::from(row.value_len()) + 1;
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
    /// or a run of UUID rows, or of rows kept as read, an entry.
    entries: Vec<KeptRow>,
    /// The starts of the rows of each `VAR` run, then its end.
    run_starts: Vec<u32>,
    /// Whether the last entry is a single row kept as read, which the
    /// next such row makes a `VAR` run.
    single_as_read: bool,
    /// (entry index, kept index of its first row) of each run.
    runs: Vec<(u32, u32)>,
    /// For each block of `BLOCK` kept indices, the runs that start before
    /// it: where finding a kept row's entry starts.
    run_blocks: Vec<u32>,
    /// The number of kept rows, duplicates included.
    kept_len: u32,
    /// Where the raw text of each kept row that a fix changed starts.
    pub(crate) changed_raws: ChangedRaws,
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
    /// The kept rows that repeat an earlier value.
    pub(crate) duplicates: Duplicates,
    /// The text of each unique `NUMBER` row, in row order, and where
    /// each ends: made when `unique_values` first needs it.
    numbers: OnceLock<(Vec<u8>, Vec<u32>)>,
}

impl Chunk {
    /// A kept row's value as stored, for comparing.
    #[inline]
    pub(crate) fn stored<'a>(
        &'a self,
        input: &'a [u8],
        row: &KeptRow,
    ) -> Stored<'a> {
        let (start, len) = (row.start as usize, row.len as usize);
        if row.flags & NUMBER != 0 {
            Stored::Number(u64::from(row.len) << 32 | u64::from(row.start))
        } else if row.flags & IN_ARENA != 0 {
            Stored::Bytes(&self.arena[start..start + len])
        } else {
            Stored::Bytes(&input[self.base + start..][..len])
        }
    }

    /// A kept row's value: its text, written out for a number.
    pub(crate) fn value<'a>(
        &'a self,
        input: &'a [u8],
        row: &KeptRow,
    ) -> Cow<'a, [u8]> {
        self.stored(input, row).text()
    }

    /// The values of `unique_rows`, in line order. Numbers are written
    /// out once, on the first call.
    pub(crate) fn unique_values<'a>(
        &'a self,
        input: &'a [u8],
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut number = 0;
        let mut from = 0;
        self.unique_rows().map(move |row| match self.stored(input, &row) {
            Stored::Bytes(bytes) => bytes,
            Stored::Number(_) => {
                let (text, ends) =
                    self.numbers.get_or_init(|| self.write_numbers(input));
                let end = ends[number] as usize;
                number += 1;
                let start = std::mem::replace(&mut from, end);
                &text[start..end]
            }
        })
    }

    /// The text of each unique `NUMBER` row, and where each ends.
    fn write_numbers(&self, input: &[u8]) -> (Vec<u8>, Vec<u32>) {
        let mut text = Vec::new();
        let mut ends = Vec::new();
        for row in self.unique_rows() {
            if let Stored::Number(bits) = self.stored(input, &row) {
                write_canonical(f64::from_bits(bits), &mut text);
                ends.push(text.len() as u32);
            }
        }
        (text, ends)
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
        self.entry_row(&self.entries[entry], k)
    }

    /// Row `k` of `entry`, one of the chunk's entries.
    #[inline]
    pub(crate) fn entry_row(&self, entry: &KeptRow, k: u32) -> KeptRow {
        if entry.flags & VAR == 0 {
            return entry.row(k);
        }
        let at = (entry.start + k) as usize;
        let start = self.run_starts[at];
        KeptRow {
            start,
            // Less the LF.
            len: self.run_starts[at + 1] - start - 1,
            line: entry.line + k,
            flags: 0,
            text_len: 0,
        }
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
        KeptRows { chunk: self, entry: 0, k: 0, index: 0 }
    }

    /// The kept rows that are not duplicates, in line order.
    pub(crate) fn unique_rows(&self) -> impl Iterator<Item = KeptRow> + '_ {
        let mut duplicates = self.duplicates.indices().peekable();
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
        let mut duplicates = self.duplicates.indices().peekable();
        let mut index = 0;
        for entry in &self.entries {
            let end = index + entry.rows();
            if entry.flags & RUN == 0 {
                if duplicates.next_if_eq(&index).is_none() {
                    write(&self.value(input, entry), true)?;
                }
                index = end;
                continue;
            }
            let at = |k: u32| {
                let start = match entry.flags & VAR {
                    0 => entry.start + (k - index) * UUID_LINE,
                    _ => self.run_starts[(entry.start + k - index) as usize],
                };
                self.base + start as usize
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

    /// Sets the chunk's duplicates and takes them out of the tally.
    pub(crate) fn set_duplicates(&mut self, duplicates: Duplicates) {
        for index in duplicates.indices() {
            let row = self.kept_row(index);
            self.tally.uncount(&row);
        }
        self.duplicates = duplicates;
    }

    /// Adds a kept row whose value has `hash`.
    #[inline]
    fn keep(&mut self, row: KeptRow, hash: u64) {
        self.count(&row, hash);
        self.entries.push(row);
        self.single_as_read = false;
    }

    /// Adds a kept row whose value has `hash` and is its raw text, which
    /// an LF ends: rows like it in a row share an entry.
    #[inline]
    fn keep_as_read(&mut self, row: KeptRow, hash: u64) {
        self.count(&row, hash);
        let end = row.start + row.len + 1;
        match self.entries.last_mut() {
            Some(last)
                if last.flags == RUN | VAR
                    && last.line + last.len == row.line =>
            {
                debug_assert_eq!(self.run_starts.last(), Some(&row.start));
                last.len += 1;
                self.run_starts.push(end);
            }
            Some(last) if self.single_as_read && last.line + 1 == row.line => {
                debug_assert_eq!(last.start + last.len + 1, row.start);
                let first = self.run_starts.len() as u32;
                self.run_starts.extend([last.start, row.start, end]);
                *last = KeptRow {
                    start: first,
                    len: 2,
                    line: last.line,
                    flags: RUN | VAR,
                    text_len: 0,
                };
                self.runs
                    .push((self.entries.len() as u32 - 1, self.kept_len - 2));
                self.single_as_read = false;
            }
            _ => {
                self.entries.push(row);
                self.single_as_read = true;
            }
        }
    }

    /// Counts a kept row whose value has `hash`, and puts it in its
    /// dedupe shard.
    #[inline]
    fn count(&mut self, row: &KeptRow, hash: u64) {
        self.tally.count(row);
        let shard = shard_of(hash, self.shards.len());
        self.shards[shard].push((self.kept_len, hash as u32));
        self.kept_len += 1;
    }

    /// Keeps the UUID rows at the front of `rows` that steps 3 to 10
    /// keep as they are, line `line + 1` on, as one run; returns their
    /// number. `rows` are in `input`. Counting and storing the run once,
    /// not per row, keeps this loop short.
    #[inline]
    fn keep_uuid_run(
        &mut self,
        rules: &RowRules,
        hasher: &ValueHash,
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
            let hash = hasher.hash(raw);
            let shard = shard_of(hash, self.shards.len());
            self.shards[shard].push((self.kept_len + count, hash as u32));
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
            text_len: 0,
        });
        self.single_as_read = false;
        self.kept_len += count;
        count
    }

    /// Runs steps 1 to 10 over the rows of `input[range]`; `hasher` is
    /// the run's hash for dedupe.
    pub(crate) fn run(
        rules: &RowRules,
        hasher: &ValueHash,
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
            shards: (0..hasher.shards())
                .map(|_| shard_list(rows, hasher.shards()))
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
                let kept =
                    chunk.keep_uuid_run(rules, hasher, input, &mut rows, line);
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
            let value = match rules.process(raw, &mut scratch, &mut fixes) {
                Ok(value) => value,
                Err((reject, _)) => {
                    chunk.rejected[reject.index()] += 1;
                    chunk.dropped.push(dropped);
                    continue;
                }
            };
            let text = match value {
                Value::Borrowed(v) => v,
                Value::Scratch => &scratch.value[..],
            };
            let hash = hasher.hash(text);
            let number = (rules.value.double && text.len() > NUMBER_FROM)
                .then(|| canonical_bits(text));
            let (start, len, flags) = match (number, value) {
                (Some(bits), _) => {
                    (bits as u32 as usize, (bits >> 32) as usize, NUMBER)
                }
                (None, Value::Borrowed(v)) => (offset(v) - base, v.len(), 0),
                (None, Value::Scratch) => {
                    let start = chunk.arena.len();
                    chunk.arena.extend_from_slice(&scratch.value);
                    (start, scratch.value.len(), IN_ARENA)
                }
            };
            // Canonical numbers are a few hundred bytes at most.
            let text_len = number.map_or(0, |_| text.len() as u16);
            // A picked column's value is not its row either.
            if !fixes.is_empty() || rules.split.column.is_some() {
                chunk
                    .changed_raws
                    .add(chunk.kept_len, (raw_start - base) as u32);
            }
            let row = KeptRow {
                start: start as u32,
                len: len as u32,
                line,
                flags: fixes.bits() | flags,
                text_len,
            };
            // The value is the row as read, and an LF ends it.
            let as_read = row.flags == 0
                && start == raw_start - base
                && len == raw.len()
                && input.get(raw_start + len) == Some(&b'\n');
            if as_read {
                chunk.keep_as_read(row, hash);
            } else {
                chunk.keep(row, hash);
            }
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
        if row.len != u32::MAX {
            let start = self.base + row.start as usize;
            return &input[start..][..row.len as usize];
        }
        self.row_at(input, row.start)
    }

    /// The raw text of the row that starts at `start` (from `base`).
    fn row_at<'a>(&self, input: &'a [u8], start: u32) -> &'a [u8] {
        let start = self.base + start as usize;
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
        let mut duplicate = self.duplicates.indices().peekable();
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
            let value = self.stored(input, &row);
            let raw = match changed.next_if(|c| c.0 == index) {
                Some((_, start)) => Cow::Borrowed(self.row_at(input, start)),
                None => value.text(),
            };
            let first = dups.next_if(|d| d.0 == index).map(|d| d.1);
            Some(ChunkRow::Kept { row, value, raw, first })
        })
    }
}

/// The bits of the number whose canonical text is `text`.
fn canonical_bits(text: &[u8]) -> u64 {
    // Display's digits round-trip: parsing gives the number back.
    std::str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .expect("a canonical number parses")
        .to_bits()
}

/// One row of a chunk, as `Chunk::rows` yields it.
pub(crate) enum ChunkRow<'a> {
    Kept {
        row: KeptRow,
        /// Written out only where needed: a duplicate's is not.
        value: Stored<'a>,
        raw: Cow<'a, [u8]>,
        /// The first occurrence's line, for a duplicate.
        first: Option<u64>,
    },
    Dropped(&'a DroppedRow, &'a [u8]),
}

/// Where the raw text of each kept row that a fix changed starts,
/// from the chunk's base; the row ends at its line's end, found again
/// when asked for.
#[derive(Debug)]
pub(crate) enum ChangedRaws {
    /// (kept index, raw start), in order, while changed rows are few.
    Listed(Vec<(u32, u32)>),
    /// A start for each kept row, `UNCHANGED` for rows no fix changed,
    /// once at least half of them are changed (a CRLF file, canonical
    /// numbers): 4 bytes a row, not 8.
    Dense(Vec<u32>),
}

/// `ChangedRaws::Dense`'s start of a row that no fix changed.
const UNCHANGED: u32 = u32::MAX;

/// Changed rows listed before `ChangedRaws` may become dense.
const DENSE_CHANGED_FROM: usize = 8;

impl Default for ChangedRaws {
    fn default() -> ChangedRaws {
        ChangedRaws::Listed(Vec::new())
    }
}

impl ChangedRaws {
    /// Notes that kept row `index` (after every one noted before) starts
    /// at `start`.
    fn add(&mut self, index: u32, start: u32) {
        match self {
            ChangedRaws::Listed(list) => {
                list.push((index, start));
                let half = list.len() * 2 > index as usize + 1;
                if list.len() >= DENSE_CHANGED_FROM && half {
                    let mut dense = vec![UNCHANGED; index as usize + 1];
                    for &(i, start) in list.iter() {
                        dense[i as usize] = start;
                    }
                    *self = ChangedRaws::Dense(dense);
                }
            }
            ChangedRaws::Dense(starts) => {
                starts.resize(index as usize, UNCHANGED);
                starts.push(start);
            }
        }
    }

    /// (kept index, raw start) of each changed row, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (listed, dense) = match self {
            ChangedRaws::Listed(list) => (Some(list.iter().copied()), None),
            ChangedRaws::Dense(starts) => (None, Some(starts)),
        };
        let dense = dense.into_iter().flat_map(|starts| {
            (0..).zip(starts.iter().copied()).filter(|c| c.1 != UNCHANGED)
        });
        listed.into_iter().flatten().chain(dense)
    }
}

/// A shard list for a chunk of about `rows` rows, one of `shards`.
/// Small chunks start with none allocated: most of their lists stay
/// empty, and allocating them all cost tiny inputs more than their rows.
fn shard_list(rows: usize, shards: usize) -> Vec<(u32, u32)> {
    if rows < shards * 16 {
        Vec::new()
    } else {
        Vec::with_capacity(rows / shards + 16)
    }
}

#[cfg(test)]
mod tests {
    //! The store against plain loops: a model built row by row from a
    //! by-hand LF split and `RowRules::process`, and walks over `entries`.

    use proptest::prelude::*;

    use super::*;
    use crate::options::{Case, IdType};
    use crate::pipeline::dedupe::{ValueHash, SHARDS};
    use crate::pipeline::row::Split;
    use crate::pipeline::rows::bounds;
    use crate::pipeline::special::SpecialChars;
    use crate::pipeline::value::ValueRules;
    use crate::pipeline::BOM;

    fn rules(id_type: IdType, case: Case, max_value_len: usize) -> RowRules {
        let value = ValueRules {
            id_type,
            double: false,
            case,
            special: SpecialChars::new("", "", false),
            max_value_len,
            phone_region: None,
        };
        RowRules::new(value, Split { delimiter: b',', column: None })
    }

    /// The hash the chunks are run with.
    fn hasher() -> ValueHash {
        ValueHash::with_seed(0x5eed, SHARDS)
    }

    /// One row as the store should give it back.
    #[derive(Clone, Debug, PartialEq)]
    enum Expected {
        Kept { line: u32, value: Vec<u8>, raw: Vec<u8>, fixes: FixSet },
        Dropped { line: u32, raw: Vec<u8> },
    }

    /// What `Chunk::run(rules, input, range, first)` stores, row by row:
    /// the header and rejected rows dropped, the rest kept with their
    /// value and fixes; with the rejects counted.
    fn model(
        rules: &RowRules,
        input: &[u8],
        range: Range<usize>,
        first: Option<FirstRow>,
    ) -> (Vec<Expected>, [u64; Reject::ALL.len()]) {
        let bytes = &input[range];
        // (row, whether a CR ended it before its LF).
        let mut split: Vec<(&[u8], bool)> = Vec::new();
        let mut start = 0;
        for i in 0..bytes.len() {
            if bytes[i] == b'\n' {
                let row = &bytes[start..i];
                split.push(match row.last() {
                    Some(b'\r') => (&row[..row.len() - 1], true),
                    _ => (row, false),
                });
                start = i + 1;
            }
        }
        if start < bytes.len() {
            split.push((&bytes[start..], false));
        }
        let first = first.unwrap_or_default();
        if bytes.is_empty() && first.bom {
            split.push((b"", false));
        }
        let mut rejected = [0; Reject::ALL.len()];
        let mut rows = Vec::new();
        for (i, (raw, crlf)) in split.into_iter().enumerate() {
            let line = i as u32 + 1;
            if line == 1 && first.header {
                rows.push(Expected::Dropped { line, raw: raw.to_vec() });
                continue;
            }
            let mut fixes = FixSet::EMPTY;
            if line == 1 && first.bom {
                fixes.insert(Fix::Bom);
            }
            if crlf {
                fixes.insert(Fix::Crlf);
            }
            let mut scratch = Scratch::default();
            let value = match rules.process(raw, &mut scratch, &mut fixes) {
                Ok(Value::Borrowed(v)) => v.to_vec(),
                Ok(Value::Scratch) => scratch.value,
                Err((reject, _)) => {
                    rejected[reject.index()] += 1;
                    rows.push(Expected::Dropped { line, raw: raw.to_vec() });
                    continue;
                }
            };
            rows.push(Expected::Kept {
                line,
                value,
                raw: raw.to_vec(),
                fixes,
            });
        }
        (rows, rejected)
    }

    /// `Chunk::locate` by walking the entries one by one.
    fn walk(chunk: &Chunk, index: u32) -> (usize, u32) {
        let mut before = 0;
        for (entry, row) in chunk.entries.iter().enumerate() {
            if index < before + row.rows() {
                return (entry, index - before);
            }
            before += row.rows();
        }
        panic!("kept row {index} of {before}");
    }

    /// Every kept row's (line, value, fixes), read through `kept_row`.
    fn kept_by_index(chunk: &Chunk, input: &[u8]) -> Vec<Expected> {
        (0..chunk.kept_len())
            .map(|index| {
                let row = chunk.kept_row(index);
                Expected::Kept {
                    line: row.line,
                    value: chunk.value(input, &row).to_vec(),
                    raw: Vec::new(),
                    fixes: row.fixes(),
                }
            })
            .collect()
    }

    /// `rows` with each kept row's raw text left out.
    fn without_raw(rows: &[Expected]) -> Vec<Expected> {
        rows.iter()
            .filter_map(|row| match row {
                Expected::Kept { line, value, fixes, .. } => {
                    Some(Expected::Kept {
                        line: *line,
                        value: value.clone(),
                        raw: Vec::new(),
                        fixes: *fixes,
                    })
                }
                Expected::Dropped { .. } => None,
            })
            .collect()
    }

    /// Checks one chunk against the model, before and after marking the
    /// kept rows `duplicate` picks as duplicates.
    fn check_chunk(
        rules: &RowRules,
        input: &[u8],
        range: Range<usize>,
        first: Option<FirstRow>,
        duplicate: impl Fn(u32) -> bool,
    ) {
        let (want, rejected) = model(rules, input, range.clone(), first);
        let mut chunk =
            Chunk::run(rules, &hasher(), input, range.clone(), first);
        let kept: Vec<&Expected> = want
            .iter()
            .filter(|row| matches!(row, Expected::Kept { .. }))
            .collect();
        assert_eq!(chunk.base, range.start);
        assert_eq!(chunk.rows, want.len() as u64);
        assert_eq!(chunk.kept_len() as usize, kept.len());
        assert_eq!(chunk.rejected, rejected);
        assert_eq!(
            chunk.header,
            first.is_some_and(|f| f.header) && !want.is_empty()
        );

        // Every kept row, by its index and in order.
        assert_eq!(kept_by_index(&chunk, input), without_raw(&want));
        let listed: Vec<(u32, KeptRow)> = chunk.kept_rows().collect();
        for (i, (index, row)) in listed.iter().enumerate() {
            assert_eq!(*index as usize, i);
            let by_index = chunk.kept_row(*index);
            assert_eq!((row.line, row.flags), (by_index.line, by_index.flags));
            assert_eq!(chunk.value(input, row), chunk.value(input, &by_index));
            assert_eq!(chunk.locate(*index), walk(&chunk, *index), "{i}");
        }
        assert_eq!(listed.len(), kept.len());

        // `run_blocks[b]`: the runs that start before block `b`.
        assert_eq!(chunk.run_blocks.is_empty(), chunk.runs.is_empty());
        for (b, &before) in chunk.run_blocks.iter().enumerate() {
            let count =
                chunk.runs.iter().filter(|r| r.1 < b as u32 * BLOCK).count();
            assert_eq!(before as usize, count, "block {b}");
        }
        if !chunk.runs.is_empty() {
            assert_eq!(
                chunk.run_blocks.len() as u32,
                chunk.kept_len().div_ceil(BLOCK)
            );
        }
        // Runs hold UUID rows, or rows of any length, as read, one after
        // the other; a run of rows of any length has two or more, each
        // ended by an LF.
        for &(entry, first) in &chunk.runs {
            let run = chunk.entries[entry as usize];
            assert!(run.flags == RUN || run.flags == RUN | VAR);
            assert!(run.len > 0);
            assert_eq!(walk(&chunk, first), (entry as usize, 0));
            if run.flags & VAR != 0 {
                assert!(run.len >= 2);
                let at = run.start as usize;
                let starts = &chunk.run_starts[at..=at + run.len as usize];
                for pair in starts.windows(2) {
                    assert_eq!(
                        input[chunk.base + pair[1] as usize - 1],
                        b'\n'
                    );
                }
            }
        }

        // Changed rows' raw text, and the dropped rows.
        let changed: Vec<(u32, &[u8])> = chunk
            .changed_raws
            .iter()
            .map(|(at, start)| (at, chunk.row_at(input, start)))
            .collect();
        let want_changed: Vec<(u32, &[u8])> = (0..)
            .zip(&kept)
            .filter_map(|(i, row)| match row {
                Expected::Kept { raw, fixes, .. } if !fixes.is_empty() => {
                    Some((i, &raw[..]))
                }
                _ => None,
            })
            .collect();
        assert_eq!(changed, want_changed);
        let dropped: Vec<Expected> = chunk
            .dropped
            .iter()
            .map(|d| Expected::Dropped {
                line: d.line,
                raw: chunk.raw(input, d).to_vec(),
            })
            .collect();
        let want_dropped: Vec<Expected> = want
            .iter()
            .filter(|row| matches!(row, Expected::Dropped { .. }))
            .cloned()
            .collect();
        assert_eq!(dropped, want_dropped);

        // Each kept row is in one shard, by its value's hash, in order.
        let mut seen = vec![0; kept.len()];
        for (s, rows) in chunk.shards.iter().enumerate() {
            assert!(rows.windows(2).all(|w| w[0].0 < w[1].0), "shard {s}");
            for &(index, low) in rows {
                let row = chunk.kept_row(index);
                let h = hasher().hash(&chunk.value(input, &row));
                assert_eq!((shard_of(h, SHARDS), h as u32), (s, low));
                seen[index as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));

        // All rows, in line order, with their raw text.
        let all: Vec<Expected> = chunk
            .rows(input, true)
            .map(|row| match row {
                ChunkRow::Kept { row, value, raw, first } => {
                    assert_eq!(first, None);
                    Expected::Kept {
                        line: row.line,
                        value: value.text().to_vec(),
                        raw: raw.to_vec(),
                        fixes: row.fixes(),
                    }
                }
                ChunkRow::Dropped(d, raw) => {
                    Expected::Dropped { line: d.line, raw: raw.to_vec() }
                }
            })
            .collect();
        assert_eq!(all, want);
        let tally_of = |rows: &[&Expected]| {
            let mut tally = Tally::default();
            for row in rows {
                if let Expected::Kept { value, fixes, .. } = row {
                    tally.values += 1;
                    tally.bytes += value.len() as u64 + 1;
                    for fix in fixes.indices() {
                        tally.fixed[fix] += 1;
                    }
                }
            }
            tally
        };
        let same = |a: Tally, b: Tally| {
            assert_eq!(
                (a.values, a.bytes, a.fixed),
                (b.values, b.bytes, b.fixed)
            )
        };
        same(chunk.tally, tally_of(&kept));

        // Duplicates: each marked row names line 1000 + its index.
        let duplicates: Vec<(u32, u64)> = (0..chunk.kept_len())
            .filter(|&i| duplicate(i))
            .map(|i| (i, 1000 + u64::from(i)))
            .collect();
        chunk.set_duplicates(Duplicates::from_sorted(duplicates.clone()));
        let unique: Vec<&Expected> = (0..)
            .zip(&kept)
            .filter(|(i, _)| !duplicate(*i))
            .map(|(_, row)| *row)
            .collect();
        same(chunk.tally, tally_of(&unique));
        let unique_values: Vec<Vec<u8>> = unique
            .iter()
            .map(|row| match row {
                Expected::Kept { value, .. } => value.clone(),
                Expected::Dropped { .. } => unreachable!(),
            })
            .collect();
        let got: Vec<Vec<u8>> = chunk
            .unique_rows()
            .map(|row| chunk.value(input, &row).to_vec())
            .collect();
        assert_eq!(got, unique_values);
        let mut clean = Vec::new();
        chunk
            .clean_pieces(input, |piece, lf| {
                assert!(!piece.is_empty() || lf, "no empty run pieces");
                clean.extend_from_slice(piece);
                if lf {
                    clean.push(b'\n');
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        let want_clean: Vec<u8> = unique_values
            .iter()
            .flat_map(|v| [&v[..], b"\n"].concat())
            .collect();
        assert_eq!(clean, want_clean);

        // Findings only: rows a fix changed, duplicates and dropped rows.
        let mut kept_index = 0..;
        let want_findings: Vec<(u32, Option<u64>)> = want
            .iter()
            .filter_map(|row| match row {
                Expected::Kept { line, fixes, .. } => {
                    let index = kept_index.next().unwrap();
                    let first =
                        duplicate(index).then(|| 1000 + u64::from(index));
                    (!fixes.is_empty() || first.is_some())
                        .then_some((*line, first))
                }
                Expected::Dropped { line, .. } => Some((*line, None)),
            })
            .collect();
        let findings: Vec<(u32, Option<u64>)> = chunk
            .rows(input, false)
            .map(|row| match row {
                ChunkRow::Kept { row, first, .. } => (row.line, first),
                ChunkRow::Dropped(d, _) => (d.line, None),
            })
            .collect();
        assert_eq!(findings, want_findings);
        let firsts: Vec<Option<u64>> = chunk
            .rows(input, true)
            .filter_map(|row| match row {
                ChunkRow::Kept { first, .. } => Some(first),
                ChunkRow::Dropped(..) => None,
            })
            .collect();
        let want_firsts: Vec<Option<u64>> = (0..chunk.kept_len())
            .map(|i| duplicate(i).then(|| 1000 + u64::from(i)))
            .collect();
        assert_eq!(firsts, want_firsts);
    }

    /// Checks every chunk of `input` cut about every `chunk_bytes`, the
    /// first with `first`.
    fn check_input(
        rules: &RowRules,
        input: &[u8],
        first: FirstRow,
        chunk_bytes: usize,
        duplicate: impl Fn(u32) -> bool + Copy,
    ) {
        let start = if first.bom { BOM.len() } else { 0 };
        for (i, range) in
            bounds(input, start, chunk_bytes).into_iter().enumerate()
        {
            let first = (i == 0).then_some(first);
            check_chunk(rules, input, range, first, duplicate);
        }
    }

    /// A lower-case UUID numbered `n`.
    fn uuid(n: u32) -> String {
        format!("{:08x}-8cf0-11bd-b23e-{:012x}", n % 5, n)
    }

    #[test]
    fn mostly_changed_rows_keep_a_start_each_and_give_their_raw_text() {
        let rules = rules(IdType::String, Case::Lower, 256);
        // CRLF rows, some unchanged between them and after the last.
        let mut input = Vec::new();
        for i in 0..40 {
            let row = match i % 5 {
                3 => format!("plain{i}\n"),
                _ => format!(" Fixed{i}\r\n"),
            };
            input.extend_from_slice(row.as_bytes());
        }
        input.extend_from_slice(b"last\nend");
        let chunk =
            Chunk::run(&rules, &hasher(), &input, 0..input.len(), None);
        assert!(matches!(chunk.changed_raws, ChangedRaws::Dense(_)));
        check_input(&rules, &input, FirstRow::default(), 1 << 20, |i| {
            i % 9 == 4
        });
        let raws: Vec<(u32, &[u8])> = chunk
            .changed_raws
            .iter()
            .map(|(at, start)| (at, chunk.row_at(&input, start)))
            .collect();
        assert_eq!(raws.len(), 32);
        assert_eq!(raws[3], (4, &b" Fixed4"[..]));
    }

    #[test]
    fn an_empty_chunk_stores_nothing() {
        let rules = rules(IdType::Uuid, Case::Lower, 256);
        let chunk = Chunk::run(&rules, &hasher(), b"", 0..0, None);
        assert_eq!((chunk.rows, chunk.kept_len()), (0, 0));
        assert_eq!(chunk.kept_rows().count(), 0);
        assert!(chunk.run_blocks.is_empty());
        // A BOM alone is one empty row, rejected.
        check_input(
            &rules,
            BOM,
            FirstRow { header: false, bom: true },
            8,
            |_| false,
        );
        check_input(
            &rules,
            BOM,
            FirstRow { header: true, bom: true },
            8,
            |_| false,
        );
    }

    #[test]
    fn kept_row_of_a_run_steps_by_one_uuid_line() {
        let run =
            KeptRow { start: 74, len: 3, line: 5, flags: RUN, text_len: 0 };
        assert_eq!(run.rows(), 3);
        for k in 0..3 {
            let row = run.row(k);
            assert_eq!(row.start, 74 + 37 * k);
            assert_eq!((row.len, row.line, row.flags), (36, 5 + k, 0));
        }
        let single = KeptRow {
            start: 9,
            len: 4,
            line: 2,
            flags: IN_ARENA,
            text_len: 0,
        };
        assert_eq!(single.rows(), 1);
        let row = single.row(0);
        assert_eq!((row.start, row.len, row.line), (9, 4, 2));
    }

    /// Runs of UUID rows broken by single rows, with run and block edges
    /// at every place near a multiple of `BLOCK`.
    #[test]
    fn locate_agrees_with_a_walk_at_run_and_block_edges() {
        let rules = rules(IdType::Uuid, Case::Lower, 256);
        let layouts: [&[u32]; 9] = [
            &[1],
            &[64],
            &[63, 0, 64],
            &[64, 0, 0, 65],
            &[0, 1, 0, 1, 0, 1],
            &[0, 127, 0],
            &[128, 0, 1, 0, 62, 0, 64, 0, 200],
            &[1, 1, 1, 1],
            &[65, 0, 63, 0, 0, 0, 130],
        ];
        for layout in layouts {
            // A run of n UUIDs as read, or (for 0) one upper-case UUID,
            // which is changed and so a single row; two runs in a row are
            // split by a trimmed UUID.
            let mut input = String::new();
            let mut n_row = 0;
            let mut last_run = false;
            for &n in layout {
                if n == 0 {
                    input += &uuid(n_row).to_uppercase();
                    input += "\n";
                    n_row += 1;
                    last_run = false;
                    continue;
                }
                if last_run {
                    input += &format!(" {} \n", uuid(n_row));
                    n_row += 1;
                }
                for _ in 0..n {
                    input += &uuid(n_row);
                    input += "\n";
                    n_row += 1;
                }
                last_run = true;
            }
            let input = input.as_bytes();
            let chunk =
                Chunk::run(&rules, &hasher(), input, 0..input.len(), None);
            let runs = layout.iter().filter(|&&n| n > 0).count();
            assert_eq!(chunk.runs.len(), runs, "{layout:?}");
            assert_eq!(chunk.kept_len(), n_row);
            for index in 0..chunk.kept_len() {
                assert_eq!(
                    chunk.locate(index),
                    walk(&chunk, index),
                    "{layout:?}, row {index}"
                );
            }
            check_input(&rules, input, FirstRow::default(), 1 << 30, |i| {
                i % 3 == 1
            });
        }
    }

    #[test]
    fn lines_values_and_raws_of_mixed_rows() {
        let rules = rules(IdType::Gaid, Case::Lower, 40);
        let u = uuid(7);
        let input = format!(
            "id\r\n{u}\n\n{upper}\r\n {u}\n{zero}\n{long}\n\"{u}\"\n{u}\r\
             \n{u}\n{u}",
            upper = u.to_uppercase(),
            zero = "00000000-0000-0000-0000-000000000000",
            long = "a".repeat(300),
        );
        let input = [BOM, input.as_bytes()].concat();
        for header in [false, true] {
            let first = FirstRow { header, bom: true };
            for chunk_bytes in [1, 5, 37, 38, 80, 1 << 30] {
                for every in [1, 2, 3, u32::MAX] {
                    check_input(&rules, &input, first, chunk_bytes, |i| {
                        i % every == 0
                    });
                }
            }
        }
    }

    /// One row's text, from pieces that take every path of `Chunk::run`.
    fn row_text() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => (0u32..40).prop_map(uuid),
            2 => (0u32..40).prop_map(|n| uuid(n).to_uppercase()),
            1 => (0u32..40).prop_map(|n| format!(" {}", uuid(n))),
            1 => Just("00000000-0000-0000-0000-000000000000".to_string()),
            1 => Just(String::new()),
            1 => (1usize..400).prop_map(|n| "b".repeat(n)),
            1 => prop::sample::select(vec![
                "x", "\"a\"", "a,b", "#", " ", "\r", "\u{feff}id", "é",
            ])
            .prop_map(str::to_string),
        ]
    }

    /// Rows joined by LF, CRLF or a lone CR, with or without a final
    /// terminator, after a BOM or not; a run of UUIDs is likely.
    fn input() -> impl Strategy<Value = (Vec<u8>, FirstRow)> {
        (
            prop::collection::vec((row_text(), 0u8..8), 0..300),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(rows, bom, header)| {
                let mut out = Vec::new();
                if bom {
                    out.extend_from_slice(BOM);
                }
                for (text, end) in rows {
                    out.extend_from_slice(text.as_bytes());
                    out.extend_from_slice(match end {
                        0 => &b"\r\n"[..],
                        1 => b"\r",
                        2 => b"",
                        _ => b"\n",
                    });
                }
                (out, FirstRow { header, bom })
            })
    }

    fn any_rules() -> impl Strategy<Value = RowRules> {
        (
            prop::sample::select(vec![
                IdType::Uuid,
                IdType::Gaid,
                IdType::String,
            ]),
            prop::sample::select(vec![Case::Lower, Case::Upper, Case::Keep]),
            prop::sample::select(vec![35usize, 36, 256]),
        )
            .prop_map(|(id_type, case, max)| rules(id_type, case, max))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_store_gives_back_what_a_plain_loop_finds(
            (input, first) in input(),
            rules in any_rules(),
            chunk_bytes in 1usize..3000,
            dup_seed in any::<u64>(),
        ) {
            // About one kept row in four is marked a duplicate, in runs
            // and out of them.
            let duplicate = |i: u32| {
                let mut x = dup_seed ^ u64::from(i).wrapping_mul(0x9e37_79b9);
                x ^= x >> 29;
                x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
                x >> 62 == 0
            };
            check_input(&rules, &input, first, chunk_bytes, duplicate);
        }

        #[test]
        fn many_uuid_rows_with_few_breaks(
            breaks in prop::collection::vec((0usize..2000, 0u8..3), 0..8),
            rows in 0usize..2000,
            chunk_bytes in prop::sample::select(
                vec![37usize, 64 * 37, 5000, 1 << 30],
            ),
        ) {
            let rules = rules(IdType::Uuid, Case::Lower, 256);
            let mut text: Vec<String> = (0..rows as u32).map(uuid).collect();
            for (at, kind) in breaks {
                let at = at.min(text.len());
                text.insert(at, match kind {
                    0 => uuid(at as u32).to_uppercase(),
                    1 => "junk".to_string(),
                    _ => String::new(),
                });
            }
            let input: Vec<u8> = text.join("\n").into_bytes();
            let first = FirstRow::default();
            check_input(&rules, &input, first, chunk_bytes, |i| i % 7 == 3);
        }
    }
}
