//! Step 11: first-occurrence dedupe, sharded by hash.
//!
//! While chunks are processed, each kept row's index goes into one of
//! the run's shard lists by the top bits of its value's hash: one shard
//! per 16 KiB of input, up to `SHARDS`. A shard's rows are then deduped
//! on their own, in input order, so shards run in parallel and each
//! shard's table is small enough to stay in cache.
//!
//! The table maps 32 more bits of the hash to the first row that had
//! them; a later row with the same bits is a candidate duplicate. A
//! shard turns each chunk's list of its rows into that chunk's list of
//! candidates, in place, and each chunk gathers its lists from every
//! shard. Each chunk then compares
//! its candidates with their first rows byte for byte, in row order, the
//! first rows' reads fetched ahead so that they overlap. Where two
//! different values share the bits, their rows are deduped again
//! exactly, so a hash collision can never drop a user.
//!
//! The hash is seeded at random for each run. Collisions cost no more than
//! time, but with a fixed seed a file of distinct values can be made to
//! share every bit of it: all its rows then fall in one shard, on one
//! thread, and each goes through the exact dedupe. Which rows share bits
//! changes with the seed; the duplicates found do not.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::mem::take;
use std::ops::Range;

use foldhash::fast::SeedableRandomState;
use foldhash::SharedSeed;
use hashbrown::HashTable;
use rayon::prelude::*;

use crate::pipeline::chunk::{Chunk, KeptRow, Stored, ZERO_ROW};
use crate::pipeline::duplicates::{Duplicates, Notes, Slot};

/// The most dedupe shards: a power of two.
pub(crate) const SHARDS: usize = 256;

/// Input bytes per shard below `SHARDS` shards: a small input gets
/// fewer, since each shard costs a list per chunk and a table.
const SHARD_BYTES: usize = 16 << 10;

/// The number of shards for an input of `len` bytes: a power of two.
pub(crate) fn shards_for(len: usize) -> usize {
    (len / SHARD_BYTES).next_power_of_two().min(SHARDS)
}

/// How many candidates ahead of the comparison their bytes are fetched.
const AHEAD: usize = 8;

/// The hash of kept values for one run, and its number of shards.
#[derive(Clone, Debug)]
pub(crate) struct ValueHash {
    state: SeedableRandomState,
    shards: usize,
}

impl ValueHash {
    /// A hash seeded at random, for `shards` shards (a power of two, at
    /// most `SHARDS`).
    pub(crate) fn random(shards: usize) -> ValueHash {
        ValueHash::new(SeedableRandomState::random(), shards)
    }

    /// The hash seeded with `seed`, the same in every process.
    pub(crate) fn with_seed(seed: u64, shards: usize) -> ValueHash {
        let shared = SharedSeed::global_fixed();
        ValueHash::new(SeedableRandomState::with_seed(seed, shared), shards)
    }

    fn new(state: SeedableRandomState, shards: usize) -> ValueHash {
        debug_assert!(shards.is_power_of_two() && shards <= SHARDS);
        ValueHash { state, shards }
    }

    pub(crate) fn shards(&self) -> usize {
        self.shards
    }

    #[inline]
    pub(crate) fn hash(&self, value: &[u8]) -> u64 {
        // `write` takes in the length: no length prefix needed.
        let mut hasher = self.state.build_hasher();
        hasher.write(value);
        hasher.finish()
    }
}

/// The shard of `hash` among `shards` (a power of two): its top bits.
#[inline]
pub(crate) fn shard_of(hash: u64, shards: usize) -> usize {
    // Two shifts: one shard shifts by 64 in all.
    (hash >> 32 >> (32 - shards.trailing_zeros())) as usize
}

/// The table's hash from the 32 bits kept per row: hashbrown takes the
/// bucket from the low bits and the tag from the top 7.
fn table_hash(low: u32) -> u64 {
    (u64::from(low) << 32) | u64::from(low)
}

/// A kept row: (chunk, index in the chunk's kept rows).
type RowId = (u32, u32);

/// One chunk's rows of one shard: (kept index, 32 hash bits), in row
/// order.
type ShardRows = Vec<(u32, u32)>;

/// Finds every duplicate in `chunks` (in input order, `first_line` set)
/// and gives each chunk its duplicates with their first occurrences'
/// lines. A shard of more than `table_rows` rows (at least 1) is split so
/// that each table holds about that many. Uses `pool`'s threads when
/// given.
///
/// Three passes: the shards note for each candidate (a row whose hash
/// bits an earlier row had) that earlier row; each chunk then compares
/// its candidates with their first rows in row order, so that its own
/// rows are read one after the other, not in the shards' order; last,
/// the few candidates whose bits matched a different value are deduped
/// exactly.
pub(crate) fn mark_duplicates(
    input: &[u8],
    chunks: &mut [Chunk],
    table_rows: usize,
    pool: Option<&rayon::ThreadPool>,
) {
    let lines = chunks.iter().map(|c| c.rows).sum();
    mark_with_slots_for(input, chunks, table_rows, pool, lines);
}

/// `mark_duplicates` with notes wide enough for `lines` lines (tests
/// pass more than the input has, to try 64-bit notes).
fn mark_with_slots_for(
    input: &[u8],
    chunks: &mut [Chunk],
    table_rows: usize,
    pool: Option<&rayon::ThreadPool>,
    lines: u64,
) {
    // The shard lists move out of the chunks, a column per shard, so that
    // each shard frees its rows once deduped: a file of one value repeated
    // has them all in one shard.
    // Empty shards are left out: a small input fills few of them.
    let mut filled = vec![false; chunks.first().map_or(0, |c| c.shards.len())];
    for chunk in chunks.iter() {
        for (filled, rows) in filled.iter_mut().zip(&chunk.shards) {
            *filled |= !rows.is_empty();
        }
    }
    let mut columns: Vec<Vec<ShardRows>> =
        (0..filled.iter().filter(|&&f| f).count())
            .map(|_| Vec::with_capacity(chunks.len()))
            .collect();
    for chunk in chunks.iter_mut() {
        let lists = take(&mut chunk.shards).into_iter();
        let filled_lists =
            lists.zip(filled.iter().copied()).filter(|(_, f)| *f);
        for (column, (rows, _)) in columns.iter_mut().zip(filled_lists) {
            column.push(rows);
        }
    }
    let mut offsets = Vec::with_capacity(chunks.len());
    let mut kept = 0u64;
    for chunk in chunks.iter() {
        offsets.push(kept);
        kept += u64::from(chunk.kept_len());
    }
    let rows = Rows { input, chunks, offsets };
    // Kept rows number fewer than lines: 32 bits that fit every line fit
    // every kept row's number, plus one.
    let mut notes = if lines < u64::from(u32::MAX) {
        find_notes::<u32>(&rows, columns, table_rows, pool)
    } else {
        find_notes::<u64>(&rows, columns, table_rows, pool)
    };
    let confirm = |(c, notes): (usize, &mut Notes)| {
        let c = c as u32;
        match notes {
            Notes::Empty => Vec::new(),
            Notes::Listed(list) => confirm(&rows, c, &mut ListedRows(list, 0)),
            Notes::Narrow(slots) => {
                confirm(&rows, c, &mut SlotRows { slots, from: 0 })
            }
            Notes::Wide(slots) => {
                confirm(&rows, c, &mut SlotRows { slots, from: 0 })
            }
        }
    };
    let mismatched: Vec<Vec<(RowId, RowId)>> = match pool {
        Some(pool) => pool.install(|| {
            notes.par_iter_mut().enumerate().map(confirm).collect()
        }),
        None => notes.iter_mut().enumerate().map(confirm).collect(),
    };
    // These rows share hash bits with a different value. Equal values
    // have equal bits, so such a row can only repeat an earlier one of
    // these with the same first row: dedupe each group by its bytes, in
    // row order. Collisions grow with the square of a shard's rows (a
    // 1.5 GB input has some in nearly every shard), so only these rows
    // are looked at again.
    let mut groups: HashMap<RowId, HashMap<Stored, RowId>> = HashMap::new();
    for (row, first) in mismatched.into_iter().flatten() {
        match groups.entry(first).or_default().entry(rows.value_of(row)) {
            Entry::Occupied(seen) => {
                notes[row.0 as usize].set(row.1, rows.line_of(*seen.get()));
            }
            Entry::Vacant(new) => {
                new.insert(row);
            }
        }
    }
    drop(groups);
    drop(rows);
    let apply = |(chunk, notes): (&mut Chunk, Notes)| {
        chunk.set_duplicates(Duplicates::seal(notes));
    };
    match pool {
        Some(pool) => pool.install(|| {
            chunks.par_iter_mut().zip(notes).for_each(apply);
        }),
        None => chunks.iter_mut().zip(notes).for_each(apply),
    }
}

/// Rows per table that keep it in the level-2 cache: the default of
/// `mark_duplicates`'s `table_rows`. Tests pass tiny ones, so that small
/// inputs split shards too.
pub(crate) const TABLE_ROWS: usize = 1 << 14;

/// Where a row's sub-bucket comes from in its 32 hash bits: above those
/// that pick a bucket in a table of `TABLE_ROWS`, below the 7 of its tag.
const SUB_SHIFT: u32 = 16;

/// At most this many sub-buckets: the bits between `SUB_SHIFT` and the
/// tag's.
const MAX_SUB_BITS: u32 = 9;

/// One shard's candidates in each chunk, by the chunk's place in the
/// column: (kept index, first row's number plus one).
type Found<N> = Vec<Vec<(u32, N)>>;

/// Each chunk's notes: its candidates, with their first rows' numbers
/// plus one. The shards turn each chunk's list of rows into its list of
/// candidates in place; each chunk then gathers its lists from every
/// shard into its notes, freeing them. Rows and candidates are never
/// held twice: a file of duplicates costs no more than one of unique
/// values.
fn find_notes<N: Slot>(
    rows: &Rows,
    columns: Vec<Vec<ShardRows>>,
    table_rows: usize,
    pool: Option<&rayon::ThreadPool>,
) -> Vec<Notes> {
    let shard = |column| dedupe_shard::<N>(rows, column, table_rows);
    let found: Vec<Found<N>> = match pool {
        Some(pool) => {
            pool.install(|| columns.into_par_iter().map(shard).collect())
        }
        None => columns.into_iter().map(shard).collect(),
    };
    let mut by_chunk: Vec<Vec<Vec<(u32, N)>>> =
        (0..rows.chunks.len()).map(|_| Vec::new()).collect();
    for shard in found {
        for (lists, list) in by_chunk.iter_mut().zip(shard) {
            if !list.is_empty() {
                lists.push(list);
            }
        }
    }
    let gather = |(c, lists): (usize, Vec<Vec<(u32, N)>>)| {
        let listed: usize = lists.iter().map(Vec::capacity).sum();
        let notes = Notes::gather(rows.chunks[c].kept_len(), lists);
        if listed * size_of::<(u32, N)>() >= RELEASE_FROM {
            release_free_memory();
        }
        notes
    };
    match pool {
        Some(pool) => pool.install(|| {
            by_chunk.into_par_iter().enumerate().map(gather).collect()
        }),
        None => by_chunk.into_iter().enumerate().map(gather).collect(),
    }
}

/// Finds one shard's candidates, `column` holding its rows of each
/// chunk, in chunk order, with each one's first row. Each chunk's list
/// of rows becomes its list of candidates, in place where a note is as
/// wide as the hash bits it replaces.
fn dedupe_shard<N: Slot>(
    rows: &Rows,
    mut column: Vec<ShardRows>,
    table_rows: usize,
) -> Found<N> {
    let size: usize = column.iter().map(Vec::len).sum();
    // A table never starts larger than this: where rows share few values
    // it would stay mostly empty.
    let table_cap = size.min(table_rows.max(1) * 4);
    let first_note = |first: RowId| N::put(rows.number(first) + 1);
    // A large input makes a shard's table outgrow the cache. Its rows are
    // then split again by more hash bits, keeping their order, and each
    // part gets a table of its own: equal values stay together.
    let sub_bits = (size.div_ceil(table_rows.max(1)))
        .next_power_of_two()
        .trailing_zeros()
        .min(MAX_SUB_BITS);
    // Two parts are not worth the extra pass.
    if sub_bits <= 1 {
        let mut firsts = FirstRows::with_capacity(table_cap);
        let mut found = Vec::with_capacity(column.len());
        for (c, list) in column.into_iter().enumerate() {
            let mut list = N::list(list);
            let mut listed = 0;
            let all = 0..list.len();
            firsts.see_all(c as u32, &mut list, all, &mut listed, first_note);
            found.push(candidates_only(list, listed));
        }
        return found;
    }
    let sub = |low: u32| (low >> SUB_SHIFT) as usize & ((1 << sub_bits) - 1);
    // Each chunk's list is put in part order, keeping row order within a
    // part, so that a part is one stretch of each list: no copy of the
    // whole shard.
    let parts = 1 << sub_bits;
    let mut scratch = Vec::new();
    let starts: Vec<Vec<usize>> = column
        .iter_mut()
        .map(|list| partition(list, parts, sub, &mut scratch))
        .collect();
    drop(scratch);
    let mut found: Found<N> = column.into_iter().map(N::list).collect();
    let mut listed = vec![0; found.len()];
    for part in 0..parts {
        let size: usize = starts.iter().map(|s| s[part + 1] - s[part]).sum();
        let mut firsts = FirstRows::with_capacity(size.min(table_cap));
        for (c, list) in found.iter_mut().enumerate() {
            let stretch = starts[c][part]..starts[c][part + 1];
            let listed = &mut listed[c];
            firsts.see_all(c as u32, list, stretch, listed, first_note);
        }
    }
    found
        .into_iter()
        .zip(listed)
        .map(|(list, listed)| candidates_only(list, listed))
        .collect()
}

/// The first `listed` of `list`, its candidates, in memory that fits
/// them when they are few.
fn candidates_only<N: Copy>(
    mut list: Vec<(u32, N)>,
    listed: usize,
) -> Vec<(u32, N)> {
    if listed == 0 {
        return Vec::new();
    }
    if listed < list.capacity() / 2 {
        return list[..listed].to_vec();
    }
    list.truncate(listed);
    list
}

/// Puts `list` in the order of `part` of its rows, keeping their order
/// within a part; returns where each part starts, and the end.
fn partition(
    list: &mut ShardRows,
    parts: usize,
    part: impl Fn(u32) -> usize,
    scratch: &mut ShardRows,
) -> Vec<usize> {
    let mut starts = vec![0; parts + 1];
    for &(_, low) in list.iter() {
        starts[part(low) + 1] += 1;
    }
    // One part only (a value repeated, say): already in order.
    let single = starts.contains(&list.len());
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    if single {
        return starts;
    }
    scratch.clear();
    scratch.resize(list.len(), (0, 0));
    let mut next = starts.clone();
    for &(r, low) in list.iter() {
        let at = &mut next[part(low)];
        scratch[*at] = (r, low);
        *at += 1;
    }
    std::mem::swap(list, scratch);
    starts
}

/// The first row of each 32 hash bits seen in a table's rows.
struct FirstRows(HashTable<(u32, u32, u32)>);

impl FirstRows {
    fn with_capacity(capacity: usize) -> FirstRows {
        FirstRows(HashTable::with_capacity(capacity))
    }

    /// Sees `stretch` of `list`, rows of chunk `c` (kept index, hash
    /// bits; in row order): a row whose bits an earlier row had is a
    /// candidate, written with its first row's note over the list from
    /// `listed` on, which stays behind the rows still to see; the others
    /// are their bits' first.
    fn see_all<N: Slot>(
        &mut self,
        c: u32,
        list: &mut [(u32, N)],
        stretch: Range<usize>,
        listed: &mut usize,
        first_note: impl Fn(RowId) -> N,
    ) {
        for i in stretch {
            let (r, low) = list[i];
            let low = low.get() as u32;
            let hash = table_hash(low);
            match self.0.find(hash, |slot| slot.2 == low) {
                Some(&(fc, fr, _)) => {
                    list[*listed] = (r, first_note((fc, fr)));
                    *listed += 1;
                }
                None => {
                    self.0.insert_unique(hash, (c, r, low), |slot| {
                        table_hash(slot.2)
                    });
                }
            }
        }
    }
}

/// Kept rows by `RowId`.
struct Rows<'a> {
    input: &'a [u8],
    chunks: &'a [Chunk],
    /// The number of the first kept row of each chunk, counting from 0.
    offsets: Vec<u64>,
}

/// Where a kept row is stored: its chunk, its entry there, and its place
/// in the entry.
type Place = (u32, usize, u32);

impl<'a> Rows<'a> {
    /// The row's number among all kept rows, from 0.
    fn number(&self, (c, r): RowId) -> u64 {
        self.offsets[c as usize] + u64::from(r)
    }

    /// The row numbered `number`.
    fn id(&self, number: u64) -> RowId {
        // Chunks with no kept rows share their offset with the next one.
        let c = self.offsets.partition_point(|&o| o <= number) - 1;
        (c as u32, (number - self.offsets[c]) as u32)
    }

    fn place(&self, (c, r): RowId) -> Place {
        let (entry, k) = self.chunks[c as usize].locate(r);
        (c, entry, k)
    }

    fn entry(&self, (c, entry, _): Place) -> &'a KeptRow {
        self.chunks[c as usize].entry(entry)
    }

    /// The row at `place`, with its chunk.
    fn row(&self, place: Place) -> (u32, KeptRow) {
        let chunk = &self.chunks[place.0 as usize];
        (place.0, chunk.entry_row(self.entry(place), place.2))
    }

    fn value(&self, (c, row): (u32, KeptRow)) -> Stored<'a> {
        self.chunks[c as usize].stored(self.input, &row)
    }

    fn line(&self, (c, row): (u32, KeptRow)) -> u64 {
        self.chunks[c as usize].first_line + u64::from(row.line)
    }

    fn value_of(&self, id: RowId) -> Stored<'a> {
        self.value(self.row(self.place(id)))
    }

    fn line_of(&self, id: RowId) -> u64 {
        self.line(self.row(self.place(id)))
    }
}

/// A chunk's candidates in row order, each with a note to overwrite.
trait Candidates {
    /// The next candidate: where its note is, its kept index, and its
    /// note.
    fn next(&mut self) -> Option<(usize, u32, u64)>;
    fn set(&mut self, at: usize, value: u64);
}

/// Candidates listed, and the next one's place.
struct ListedRows<'a>(&'a mut Vec<(u32, u64)>, usize);

impl Candidates for ListedRows<'_> {
    #[inline]
    fn next(&mut self) -> Option<(usize, u32, u64)> {
        let at = self.1;
        let &(r, note) = self.0.get(at)?;
        self.1 += 1;
        Some((at, r, note))
    }
    #[inline]
    fn set(&mut self, at: usize, value: u64) {
        self.0[at].1 = value;
    }
}

/// Candidates in a slot per kept row, and the next slot to look at.
struct SlotRows<'a, T> {
    slots: &'a mut [T],
    from: usize,
}

impl<T: Slot> Candidates for SlotRows<'_, T> {
    #[inline]
    fn next(&mut self) -> Option<(usize, u32, u64)> {
        let found = self.slots[self.from..].iter().position(|s| s.get() != 0);
        let at = self.from + found?;
        self.from = at + 1;
        Some((at, at as u32, self.slots[at].get()))
    }
    #[inline]
    fn set(&mut self, at: usize, value: u64) {
        self.slots[at] = T::put(value);
    }
}

/// Compares chunk `c`'s candidates, whose notes hold their first rows'
/// numbers plus one, with those rows, in row order: a duplicate's note
/// then holds its first row's line, any other's 0. Returns the
/// candidates whose bits matched a different value, with their first
/// rows, in row order.
fn confirm(
    rows: &Rows,
    c: u32,
    candidates: &mut impl Candidates,
) -> Vec<(RowId, RowId)> {
    let chunk = &rows.chunks[c as usize];
    let mut mismatched = Vec::new();
    // First rows, then their values, are fetched ahead: they lie anywhere
    // in the input and would otherwise be waited for one by one. Each
    // stage leaves what it found for the next in a ring.
    const RING: usize = 4 * AHEAD;
    let mut placed = [(0, 0, (0, 0), (0, 0, 0)); RING];
    let mut found = [(0, 0, (0, 0), (0, ZERO_ROW)); RING];
    let mut total = usize::MAX;
    for i in 0.. {
        if total == usize::MAX {
            match candidates.next() {
                Some((at, r, note)) => {
                    let first = rows.id(note - 1);
                    let place = rows.place(first);
                    prefetch(rows.entry(place));
                    placed[i % RING] = (at, r, first, place);
                }
                None => total = i,
            }
        }
        if let Some(j) = i.checked_sub(AHEAD).filter(|&j| j < total) {
            let (at, r, first, place) = placed[j % RING];
            let first_row = rows.row(place);
            prefetch_bytes(rows.value(first_row).bytes());
            found[j % RING] = (at, r, first, first_row);
        }
        if let Some(j) = i.checked_sub(2 * AHEAD).filter(|&j| j < total) {
            let (at, r, first, first_row) = found[j % RING];
            let value = chunk.stored(rows.input, &chunk.kept_row(r));
            if same(value, rows.value(first_row)) {
                candidates.set(at, rows.line(first_row));
            } else {
                candidates.set(at, 0);
                mismatched.push(((c, r), first));
            }
        }
        if i >= total.saturating_add(2 * AHEAD) {
            break;
        }
    }
    mismatched
}

/// Bytes of lists a chunk frees in `find_notes` from which their memory
/// is given back at once: a trim costs a system call a page.
const RELEASE_FROM: usize = 1 << 20;

/// Gives the allocator's free memory back to the system, where the
/// allocator keeps it (glibc). A chunk's notes are new memory, while the
/// lists they are gathered from were small and are freed among others
/// still held: without this, a file of duplicates held both.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free memory to the system.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Whether two stored values are equal. Most values are short ids, for
/// which comparing 8 bytes at a time here beats a call to `memcmp`.
#[inline]
fn same(a: Stored, b: Stored) -> bool {
    let (Stored::Bytes(a), Stored::Bytes(b)) = (a, b) else {
        return a == b;
    };
    if a.len() != b.len() {
        return false;
    }
    if !(8..=64).contains(&a.len()) {
        return a == b;
    }
    let word = |s: &[u8], at: usize| {
        u64::from_ne_bytes(s[at..at + 8].try_into().expect("8 bytes"))
    };
    let last = a.len() - 8;
    // Whole words, then the last 8 bytes, which may overlap the words.
    (0..last).step_by(8).all(|at| word(a, at) == word(b, at))
        && word(a, last) == word(b, last)
}

/// Asks for the cache line holding `data`'s start.
#[inline(always)]
fn prefetch<T>(data: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(data).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Asks for the cache lines holding the first and last byte of `bytes`.
#[inline(always)]
fn prefetch_bytes(bytes: &[u8]) {
    if let (Some(first), Some(last)) = (bytes.first(), bytes.last()) {
        prefetch(first);
        prefetch(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Case, IdType};
    use crate::pipeline::chunk::Chunk;
    use crate::pipeline::row::{RowRules, Split};
    use crate::pipeline::rows::bounds;
    use crate::pipeline::special::SpecialChars;
    use crate::pipeline::value::ValueRules;

    fn string_rules() -> RowRules {
        let value = ValueRules {
            id_type: IdType::String,
            double: false,
            case: Case::Keep,
            special: SpecialChars::new("", "", false),
            max_value_len: 256,
            phone_region: None,
        };
        RowRules::new(value, Split { delimiter: b',', column: None })
    }

    /// The chunks of `input`, cut about every `chunk_bytes`, with their
    /// `first_line` set and each row's hash bits changed by `bits`.
    fn chunks_of(
        input: &[u8],
        chunk_bytes: usize,
        bits: impl Fn(&mut Chunk),
    ) -> Vec<Chunk> {
        let rules = string_rules();
        let hasher = ValueHash::with_seed(1, SHARDS);
        let mut line = 0;
        bounds(input, 0, chunk_bytes)
            .into_iter()
            .map(|range| {
                let mut chunk =
                    Chunk::run(&rules, &hasher, input, range, None);
                chunk.first_line = line;
                line += chunk.rows;
                bits(&mut chunk);
                chunk
            })
            .collect()
    }

    /// Per kept row of `chunks`, in order: 0 when it is no duplicate,
    /// else its first occurrence's line.
    fn firsts(chunks: &[Chunk]) -> Vec<u64> {
        chunks
            .iter()
            .flat_map(|chunk| {
                let mut dups = chunk.duplicates.iter().peekable();
                let found = (0..chunk.kept_len())
                    .map(|r| dups.next_if(|d| d.0 == r).map_or(0, |d| d.1))
                    .collect::<Vec<u64>>();
                assert_eq!(dups.next(), None, "duplicates are kept rows");
                found
            })
            .collect()
    }

    /// Runs the chunks of `input` with every row given the same hash
    /// bits, so that every value collides with every other.
    fn dedupe_colliding(
        input: &[u8],
        chunk_bytes: usize,
        table_rows: usize,
    ) -> Vec<u64> {
        let mut chunks = chunks_of(input, chunk_bytes, |chunk| {
            for shard in &mut chunk.shards {
                shard.clear();
            }
            chunk.shards[7] =
                (0..chunk.kept_len()).map(|r| (r, 0xdead_beef)).collect();
        });
        mark_duplicates(input, &mut chunks, table_rows, None);
        let narrow = firsts(&chunks);
        let mut chunks = chunks_of(input, chunk_bytes, |chunk| {
            for shard in &mut chunk.shards {
                shard.clear();
            }
            chunk.shards[7] =
                (0..chunk.kept_len()).map(|r| (r, 0xdead_beef)).collect();
        });
        mark_with_slots_for(input, &mut chunks, table_rows, None, u64::MAX);
        assert_eq!(firsts(&chunks), narrow, "64-bit slots");
        narrow
    }

    proptest::proptest! {
        /// `same` agrees with `==` at every length, whichever byte differs.
        #[test]
        fn same_is_byte_equality(
            a in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            at in proptest::prelude::any::<usize>(),
            flip in 1u8..,
            other_len in proptest::prelude::any::<bool>(),
        ) {
            let mut b = a.clone();
            if other_len {
                b.push(0);
            } else if !b.is_empty() {
                let at = at % b.len();
                b[at] ^= flip;
            }
            proptest::prop_assert!(same(Stored::Bytes(&a), Stored::Bytes(&a)));
            proptest::prop_assert_eq!(
                same(Stored::Bytes(&a), Stored::Bytes(&b)),
                a == b
            );
        }
    }

    #[test]
    fn colliding_hashes_never_drop_a_distinct_value() {
        let input = b"a\nb\na\nc\nb\nb\nd\nc\na\n";
        // Per row: 0 when it is kept, else its first occurrence's line.
        let expected = [0, 0, 1, 0, 2, 2, 0, 4, 1];
        for chunk_bytes in [1, 3, 5, 100] {
            for table_rows in [1, 4, TABLE_ROWS] {
                assert_eq!(
                    dedupe_colliding(input, chunk_bytes, table_rows),
                    expected,
                    "chunks of {chunk_bytes} bytes, tables of {table_rows}"
                );
            }
        }
    }

    /// Per row of `values`: 0 for a first occurrence, else the line
    /// (1-based) of the first one, from a plain map.
    fn naive_firsts(values: &[Vec<u8>]) -> Vec<u64> {
        let mut first = HashMap::new();
        (1..)
            .zip(values)
            .map(|(line, v)| match first.entry(v.clone()) {
                Entry::Occupied(seen) => *seen.get(),
                Entry::Vacant(new) => {
                    new.insert(line);
                    0
                }
            })
            .collect()
    }

    /// Many rows per shard, most values repeated, and rows sharing hash
    /// bits with other values: small tables split the shards in parts,
    /// and the duplicates stay those a plain map finds.
    #[test]
    fn split_shards_find_the_duplicates_a_map_finds() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let values: Vec<Vec<u8>> = (0..12_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                format!("v{}", state % 3_000).into_bytes()
            })
            .collect();
        let input: Vec<u8> =
            values.iter().flat_map(|v| [&v[..], b"\n"].concat()).collect();
        let want = naive_firsts(&values);
        for chunk_bytes in [1_000, 1 << 20] {
            for table_rows in [1, 3, 16, TABLE_ROWS] {
                // The values `v0`, `v5`, `v10`... all get the same hash
                // bits, in one shard; others keep theirs.
                let reshard = |chunk: &mut Chunk| {
                    let mut rows: Vec<(u32, u32, usize)> = chunk
                        .shards
                        .iter_mut()
                        .enumerate()
                        .flat_map(|(s, rows)| {
                            std::mem::take(rows)
                                .into_iter()
                                .map(move |(r, low)| (r, low, s))
                        })
                        .collect();
                    rows.sort_unstable();
                    for (r, low, s) in rows {
                        let value = chunk.value(&input, &chunk.kept_row(r));
                        let n: u32 = std::str::from_utf8(&value[1..])
                            .unwrap()
                            .parse()
                            .unwrap();
                        let (s, low) = if n % 5 == 0 {
                            (7, 0xdead_beef)
                        } else {
                            (s, low)
                        };
                        chunk.shards[s].push((r, low));
                    }
                };
                let mut chunks = chunks_of(&input, chunk_bytes, reshard);
                let largest = (0..SHARDS)
                    .map(|s| chunks.iter().map(|c| c.shards[s].len()).sum())
                    .max();
                assert!(largest > Some(4 * table_rows.min(16)));
                mark_duplicates(&input, &mut chunks, table_rows, None);
                assert_eq!(
                    firsts(&chunks),
                    want,
                    "chunks of {chunk_bytes} bytes, tables of {table_rows}"
                );
                // 64-bit notes, whose lists cannot reuse the rows' memory.
                let mut chunks = chunks_of(&input, chunk_bytes, reshard);
                mark_with_slots_for(
                    &input,
                    &mut chunks,
                    table_rows,
                    None,
                    u64::MAX,
                );
                assert_eq!(firsts(&chunks), want, "64-bit, {table_rows}");
            }
        }
    }

    /// Values that repeat, over many shards, with rejected rows between.
    fn repeating_values(rows: u64) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut input = Vec::new();
        for _ in 0..rows {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let row = match state % 50 {
                0 => "a#b".to_string(),
                1 => " V1 ".to_string(),
                n => format!("v{}", (state >> 8) % (n * 40)),
            };
            input.extend_from_slice(row.as_bytes());
            input.push(b'\n');
        }
        input
    }

    #[test]
    fn the_output_does_not_depend_on_the_seed() {
        let input = repeating_values(20_000);
        let run = |seed: Option<u64>, threads: usize, table_rows: usize| {
            let mut builder = crate::PipelineBuilder::new();
            builder
                .threads(threads)
                .chunk_bytes(4_000)
                .dedupe_table_rows(table_rows);
            if let Some(seed) = seed {
                builder.hash_seed(seed);
            }
            let pipeline = builder.build().unwrap();
            let mut clean = Vec::new();
            let run = pipeline
                .process(crate::Input::from_bytes(input.to_vec(), "x"));
            run.write_clean(&mut clean, crate::Order::FirstSeen).unwrap();
            let stats = serde_json::to_string(run.stats()).unwrap();
            let outcome = crate::reference::engine_outcome(&pipeline, &input);
            (clean, stats, outcome)
        };
        let want = run(Some(0), 1, TABLE_ROWS);
        assert!(want.2.duplicates > 10_000, "{}", want.2.duplicates);
        for seed in [Some(1), Some(u64::MAX), None] {
            for (threads, table_rows) in [(1, 2), (2, 2), (3, TABLE_ROWS)] {
                let got = run(seed, threads, table_rows);
                assert!(got == want, "seed {seed:?}, {threads} threads");
            }
        }
    }
}
