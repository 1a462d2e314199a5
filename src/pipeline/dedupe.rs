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

use foldhash::fast::SeedableRandomState;
use foldhash::SharedSeed;
use hashbrown::HashTable;
use rayon::prelude::*;

use crate::pipeline::chunk::{Chunk, KeptRow, ZERO_ROW};

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

/// A duplicate: its chunk, its index there, and its first occurrence's
/// line.
type Duplicate = (u32, u32, u64);

/// Finds every duplicate in `chunks` (in input order, `first_line` set)
/// and lists it in its chunk with the first occurrence's line. A shard of
/// more than `table_rows` rows (at least 1) is split so that each table
/// holds about that many. Uses `pool`'s threads when given.
pub(crate) fn mark_duplicates(
    input: &[u8],
    chunks: &mut [Chunk],
    table_rows: usize,
    pool: Option<&rayon::ThreadPool>,
) {
    let shared: &[Chunk] = chunks;
    let run = |shard: usize| dedupe_shard(input, shared, shard, table_rows);
    let found: Vec<Vec<Duplicate>> = match pool {
        Some(pool) => {
            pool.install(|| (0..SHARDS).into_par_iter().map(run).collect())
        }
        None => (0..SHARDS).map(run).collect(),
    };
    // Each shard's duplicates are in chunk order, so a chunk's are one
    // run of each list.
    let apply = |(c, chunk): (usize, &mut Chunk)| {
        let c = c as u32;
        let runs: Vec<&[Duplicate]> = found
            .iter()
            .map(|list| {
                let from = list.partition_point(|d| d.0 < c);
                let to = list.partition_point(|d| d.0 <= c);
                &list[from..to]
            })
            .collect();
        chunk.set_duplicates(in_row_order(&runs, chunk.kept_len()));
        chunk.shards = Vec::new();
    };
    match pool {
        Some(pool) => pool.install(|| {
            chunks.par_iter_mut().enumerate().for_each(apply);
        }),
        None => chunks.iter_mut().enumerate().for_each(apply),
    }
}

/// A chunk's duplicates from the `runs` of every shard (in any order),
/// in row order. `rows` bounds their row indices; each kept row is at
/// most one duplicate.
fn in_row_order(runs: &[&[Duplicate]], rows: u32) -> Vec<(u32, u64)> {
    let count: usize = runs.iter().map(|run| run.len()).sum();
    // Where a good share of the rows are duplicates (a file appended to
    // itself), placing each at its row and reading them back in order
    // costs less than sorting them, which took a fifth of the time there.
    if count >= (rows as usize / 8).max(1) {
        // Lines count from 1, so 0 marks a row that is no duplicate.
        let mut firsts = vec![0u64; rows as usize];
        for &(_, row, first) in runs.iter().flat_map(|run| run.iter()) {
            firsts[row as usize] = first;
        }
        return (0..rows)
            .zip(firsts)
            .filter(|&(_, first)| first != 0)
            .collect();
    }
    let mut duplicates: Vec<(u32, u64)> = runs
        .iter()
        .flat_map(|run| run.iter().map(|&(_, row, first)| (row, first)))
        .collect();
    duplicates.sort_unstable();
    duplicates
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

/// Dedupes one shard; returns its duplicates in chunk order.
fn dedupe_shard(
    input: &[u8],
    chunks: &[Chunk],
    shard: usize,
    table_rows: usize,
) -> Vec<Duplicate> {
    let size: usize = chunks.iter().map(|c| c.shards[shard].len()).sum();
    let rows = chunks.iter().enumerate().flat_map(|(c, chunk)| {
        chunk.shards[shard].iter().map(move |&(r, low)| ((c as u32, r), low))
    });
    // A large input makes a shard's table outgrow the cache. Its rows are
    // then split again by more hash bits, keeping their order, and each
    // part gets a table of its own: equal values stay together.
    let sub_bits = (size.div_ceil(table_rows.max(1)))
        .next_power_of_two()
        .trailing_zeros()
        .min(MAX_SUB_BITS);
    let mut candidates = Vec::new();
    // Two parts are not worth the extra pass.
    if sub_bits <= 1 {
        find_candidates(rows, size, &mut candidates);
    } else {
        let sub =
            |low: u32| (low >> SUB_SHIFT) as usize & ((1 << sub_bits) - 1);
        let mut starts = vec![0; (1 << sub_bits) + 1];
        for (_, low) in rows.clone() {
            starts[sub(low) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut sorted = vec![((0, 0), 0); size];
        let mut next = starts.clone();
        for (row, low) in rows {
            let at = &mut next[sub(low)];
            sorted[*at] = (row, low);
            *at += 1;
        }
        for part in starts.windows(2) {
            let part = &sorted[part[0]..part[1]];
            find_candidates(part.iter().copied(), part.len(), &mut candidates);
        }
    }
    by_chunk(confirm(&Rows { input, chunks }, &candidates), chunks.len())
}

/// Puts `duplicates` in chunk order, keeping their order within each
/// chunk: marking them needs no more, since it puts each chunk's in row
/// order. Sorting them all by row cost more on a large input, where the
/// candidates come part by part.
fn by_chunk(duplicates: Vec<Duplicate>, chunks: usize) -> Vec<Duplicate> {
    if duplicates.is_sorted_by_key(|d| d.0) {
        return duplicates;
    }
    let mut starts = vec![0; chunks + 1];
    for d in &duplicates {
        starts[d.0 as usize + 1] += 1;
    }
    for c in 1..starts.len() {
        starts[c] += starts[c - 1];
    }
    let mut grouped = vec![(0, 0, 0); duplicates.len()];
    for d in duplicates {
        let at = &mut starts[d.0 as usize];
        grouped[*at] = d;
        *at += 1;
    }
    grouped
}

/// Adds to `candidates` each of `rows` (in row order) whose hash bits an
/// earlier one had, with that earlier row: in row order for these rows.
fn find_candidates(
    rows: impl Iterator<Item = (RowId, u32)>,
    size: usize,
    candidates: &mut Vec<(RowId, RowId)>,
) {
    let mut firsts: HashTable<(u32, u32, u32)> =
        HashTable::with_capacity(size);
    for ((c, r), low) in rows {
        let hash = table_hash(low);
        match firsts.find(hash, |slot| slot.2 == low) {
            Some(&(fc, fr, _)) => candidates.push(((c, r), (fc, fr))),
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

    fn value(&self, (c, row): (u32, KeptRow)) -> &'a [u8] {
        self.chunks[c as usize].value(self.input, &row)
    }

    fn line(&self, (c, row): (u32, KeptRow)) -> u64 {
        self.chunks[c as usize].first_line + u64::from(row.line)
    }

    fn value_of(&self, id: RowId) -> &'a [u8] {
        self.value(self.row(self.place(id)))
    }

    fn line_of(&self, id: RowId) -> u64 {
        self.line(self.row(self.place(id)))
    }
}

/// Compares each candidate with its first row; returns the real
/// duplicates. Within each group of rows that share hash bits, the
/// candidates must be in row order.
fn confirm(rows: &Rows, candidates: &[(RowId, RowId)]) -> Vec<Duplicate> {
    let mut duplicates = Vec::with_capacity(candidates.len());
    let mut mismatched = Vec::new();
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
        if let Some(j) = i.checked_sub(AHEAD).filter(|&j| j < candidates.len())
        {
            let (row, first) = places[j % RING];
            let pair = (rows.row(row), rows.row(first));
            prefetch_bytes(rows.value(pair.0));
            prefetch_bytes(rows.value(pair.1));
            found[j % RING] = pair;
        }
        let Some(j) = i.checked_sub(2 * AHEAD) else {
            continue;
        };
        let (row, first) = found[j % RING];
        if rows.value(row) == rows.value(first) {
            let id = candidates[j].0;
            duplicates.push((id.0, id.1, rows.line(first)));
        } else {
            mismatched.push(candidates[j]);
        }
    }
    if mismatched.is_empty() {
        return duplicates;
    }
    // These rows share hash bits with a different value. Equal values
    // have equal bits, so such a row can only repeat an earlier one of
    // these with the same first row: dedupe each group by its bytes.
    // Collisions grow with the square of a shard's rows (a 1.5 GB input
    // has some in nearly every shard), so only these rows are looked at
    // again.
    let mut groups: HashMap<RowId, HashMap<&[u8], RowId>> = HashMap::new();
    for (row, first) in mismatched {
        match groups.entry(first).or_default().entry(rows.value_of(row)) {
            Entry::Occupied(seen) => {
                duplicates.push((row.0, row.1, rows.line_of(*seen.get())));
            }
            Entry::Vacant(new) => {
                new.insert(row);
            }
        }
    }
    duplicates
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
    fn in_row_order_orders_sparse_and_dense_duplicates() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for (len, rows) in [(0, 1), (1, 1), (2, 9), (5, 9), (300, 50_000)] {
            // Distinct rows below `rows`, each with a line, dealt out to
            // eight shards at random; each shard's run stays in row order.
            let step = rows / len.max(1);
            let mut runs = vec![Vec::new(); 8];
            for i in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let row = i * step;
                runs[(state % 8) as usize].push((0, row, u64::from(row) + 3));
            }
            let runs: Vec<&[Duplicate]> =
                runs.iter().map(Vec::as_slice).collect();
            let expected: Vec<(u32, u64)> = (0..len)
                .map(|i| (i * step, u64::from(i * step) + 3))
                .collect();
            assert_eq!(in_row_order(&runs, rows), expected, "{len} of {rows}");
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
