//! Step 11: first-occurrence dedupe, sharded by hash.
//!
//! While chunks are processed, each kept row's index goes into one of
//! `SHARDS` lists by the top bits of its value's hash. A shard's rows are
//! then deduped on their own, in input order, so shards run in parallel
//! and each shard's table is small enough to stay in cache.
//!
//! The table maps 32 more bits of the hash to the first row that had
//! them; a later row with the same bits is a candidate duplicate. The
//! candidates are then compared with their first rows byte for byte,
//! many at a time so that their cold reads overlap. Where two different
//! values share the bits, their rows are deduped again exactly, so a hash
//! collision can never drop a user.
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

use foldhash::fast::SeedableRandomState;
use foldhash::SharedSeed;
use hashbrown::HashTable;
use rayon::prelude::*;

use crate::pipeline::chunk::{Chunk, KeptRow, Stored, ZERO_ROW};
use crate::pipeline::duplicates::{Duplicates, Marks};

/// Number of dedupe shards: a power of two.
pub(crate) const SHARDS: usize = 256;

/// How many candidates ahead of the comparison their bytes are fetched.
const AHEAD: usize = 8;

/// The hash of kept values for one run.
#[derive(Clone, Debug)]
pub(crate) struct ValueHash(SeedableRandomState);

impl ValueHash {
    /// A hash seeded at random.
    pub(crate) fn random() -> ValueHash {
        ValueHash(SeedableRandomState::random())
    }

    /// The hash seeded with `seed`, the same in every process.
    pub(crate) fn with_seed(seed: u64) -> ValueHash {
        let shared = SharedSeed::global_fixed();
        ValueHash(SeedableRandomState::with_seed(seed, shared))
    }

    #[inline]
    pub(crate) fn hash(&self, value: &[u8]) -> u64 {
        // `write` takes in the length: no length prefix needed.
        let mut hasher = self.0.build_hasher();
        hasher.write(value);
        hasher.finish()
    }
}

pub(crate) fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARDS.trailing_zeros())) as usize
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
pub(crate) fn mark_duplicates(
    input: &[u8],
    chunks: &mut [Chunk],
    table_rows: usize,
    pool: Option<&rayon::ThreadPool>,
) {
    // The shard lists move out of the chunks, a column per shard, so that
    // each shard frees its rows once deduped: a file of one value repeated
    // has them all in one shard.
    let mut columns: Vec<Vec<ShardRows>> =
        (0..SHARDS).map(|_| Vec::with_capacity(chunks.len())).collect();
    for chunk in chunks.iter_mut() {
        for (column, rows) in columns.iter_mut().zip(take(&mut chunk.shards)) {
            column.push(rows);
        }
    }
    let lines = chunks.iter().map(|c| c.rows).sum();
    let marks =
        Marks::new(chunks.iter().map(Chunk::kept_len).collect(), lines);
    let rows = Rows { input, chunks };
    let run = |column| dedupe_shard(&rows, column, table_rows, &marks);
    match pool {
        Some(pool) => pool.install(|| columns.into_par_iter().for_each(run)),
        None => columns.into_iter().for_each(run),
    }
    let found = marks.into_duplicates();
    let apply = |(chunk, duplicates): (&mut Chunk, Duplicates)| {
        chunk.set_duplicates(duplicates);
    };
    match pool {
        Some(pool) => pool.install(|| {
            chunks.par_iter_mut().zip(found).for_each(apply);
        }),
        None => chunks.iter_mut().zip(found).for_each(apply),
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

/// Dedupes one shard, `column` holding its rows of each chunk, in chunk
/// order.
fn dedupe_shard(
    rows: &Rows,
    mut column: Vec<ShardRows>,
    table_rows: usize,
    marks: &Marks,
) {
    let size: usize = column.iter().map(Vec::len).sum();
    // A table never starts larger than this: where rows share few values
    // it would stay mostly empty.
    let table_cap = size.min(table_rows.max(1) * 4);
    let mut confirm = Confirm::new(rows, marks);
    // A large input makes a shard's table outgrow the cache. Its rows are
    // then split again by more hash bits, keeping their order, and each
    // part gets a table of its own: equal values stay together.
    let sub_bits = (size.div_ceil(table_rows.max(1)))
        .next_power_of_two()
        .trailing_zeros()
        .min(MAX_SUB_BITS);
    // Two parts are not worth the extra pass.
    if sub_bits <= 1 {
        let all = column.iter().enumerate().flat_map(|(c, list)| {
            list.iter().map(move |&(r, low)| ((c as u32, r), low))
        });
        find_candidates(all, table_cap, &mut confirm);
        confirm.finish();
        return;
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
    for part in 0..parts {
        let size: usize = starts.iter().map(|s| s[part + 1] - s[part]).sum();
        let rows = column.iter().zip(&starts).enumerate().flat_map(
            |(c, (list, starts))| {
                list[starts[part]..starts[part + 1]]
                    .iter()
                    .map(move |&(r, low)| ((c as u32, r), low))
            },
        );
        find_candidates(rows, size.min(table_cap), &mut confirm);
    }
    confirm.finish();
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

/// Hands `confirm` each of `rows` (in row order) whose hash bits an
/// earlier one had, with that earlier row. `capacity` sizes the table.
fn find_candidates(
    rows: impl Iterator<Item = (RowId, u32)>,
    capacity: usize,
    confirm: &mut Confirm,
) {
    let mut firsts: HashTable<(u32, u32, u32)> =
        HashTable::with_capacity(capacity);
    for ((c, r), low) in rows {
        let hash = table_hash(low);
        match firsts.find(hash, |slot| slot.2 == low) {
            Some(&(fc, fr, _)) => confirm.push((c, r), (fc, fr)),
            None => {
                firsts.insert_unique(hash, (c, r, low), |slot| {
                    table_hash(slot.2)
                });
            }
        }
    }
}

/// Kept rows by `RowId`.
struct Rows<'a> {
    input: &'a [u8],
    chunks: &'a [Chunk],
}

/// Where a kept row is stored: its chunk, its entry there, and its place
/// in the entry.
type Place = (u32, usize, u32);

impl<'a> Rows<'a> {
    fn place(&self, (c, r): RowId) -> Place {
        let (entry, k) = self.chunks[c as usize].locate(r);
        (c, entry, k)
    }

    fn entry(&self, (c, entry, _): Place) -> &'a KeptRow {
        self.chunks[c as usize].entry(entry)
    }

    /// The row at `place`, with its chunk.
    fn row(&self, place: Place) -> (u32, KeptRow) {
        (place.0, self.entry(place).row(place.2))
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

/// Candidates a batch at a time: however many duplicates a shard has,
/// the ones waiting to be compared stay few.
const BATCH: usize = 1 << 12;

/// Compares candidates with their first rows and marks the real
/// duplicates. Within each group of rows that share hash bits, the
/// candidates must come in row order.
struct Confirm<'r, 'a> {
    rows: &'r Rows<'a>,
    marks: &'r Marks,
    /// (candidate, the first row with its hash bits).
    batch: Vec<(RowId, RowId)>,
    mismatched: Vec<(RowId, RowId)>,
    /// Rows that share hash bits with a different value, by that first
    /// row: each distinct value's first row among them.
    groups: HashMap<RowId, HashMap<Stored<'a>, RowId>>,
}

impl<'r, 'a> Confirm<'r, 'a> {
    fn new(rows: &'r Rows<'a>, marks: &'r Marks) -> Self {
        Confirm {
            rows,
            marks,
            batch: Vec::with_capacity(BATCH),
            mismatched: Vec::new(),
            groups: HashMap::new(),
        }
    }

    #[inline]
    fn push(&mut self, row: RowId, first: RowId) {
        self.batch.push((row, first));
        if self.batch.len() == BATCH {
            self.compare();
        }
    }

    fn finish(mut self) {
        self.compare();
    }

    fn mark(&self, row: RowId, line: u64) {
        self.marks.mark(row.0, row.1, line);
    }

    fn compare(&mut self) {
        let rows = self.rows;
        let candidates = &self.batch;
        // Rows, then their values, are fetched ahead: these reads land
        // anywhere in the input and would otherwise wait one by one. Each
        // stage leaves what it found for the next in a ring.
        const RING: usize = 4 * AHEAD;
        let mut places = [((0, 0, 0), (0, 0, 0)); RING];
        let mut found = [((0, ZERO_ROW), (0, ZERO_ROW)); RING];
        for i in 0..candidates.len() + 2 * AHEAD {
            if let Some(&(row, first)) = candidates.get(i) {
                let place = (rows.place(row), rows.place(first));
                prefetch(rows.entry(place.0));
                prefetch(rows.entry(place.1));
                places[i % RING] = place;
            }
            if let Some(j) =
                i.checked_sub(AHEAD).filter(|&j| j < candidates.len())
            {
                let (row, first) = places[j % RING];
                let pair = (rows.row(row), rows.row(first));
                prefetch_bytes(rows.value(pair.0).bytes());
                prefetch_bytes(rows.value(pair.1).bytes());
                found[j % RING] = pair;
            }
            let Some(j) = i.checked_sub(2 * AHEAD) else {
                continue;
            };
            let (row, first) = found[j % RING];
            if rows.value(row) == rows.value(first) {
                self.mark(candidates[j].0, rows.line(first));
            } else {
                self.mismatched.push(candidates[j]);
            }
        }
        self.batch.clear();
        // These rows share hash bits with a different value. Equal values
        // have equal bits, so such a row can only repeat an earlier one of
        // these with the same first row: dedupe each group by its bytes.
        // Collisions grow with the square of a shard's rows (a 1.5 GB
        // input has some in nearly every shard), so only these rows are
        // looked at again.
        for (row, first) in std::mem::take(&mut self.mismatched) {
            let group = self.groups.entry(first).or_default();
            match group.entry(rows.value_of(row)) {
                Entry::Occupied(seen) => {
                    let line = rows.line_of(*seen.get());
                    self.marks.mark(row.0, row.1, line);
                }
                Entry::Vacant(new) => {
                    new.insert(row);
                }
            }
        }
    }
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
        let hasher = ValueHash::with_seed(1);
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
        firsts(&chunks)
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
                let mut chunks = chunks_of(&input, chunk_bytes, |chunk| {
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
                });
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
