//! Step 11: first-occurrence dedupe, sharded by hash.
//!
//! While chunks are processed, each kept row's index goes into one of
//! `SHARDS` lists by the top bits of its value's hash. A shard's rows are
//! then deduped on their own, in input order, so shards run in parallel
//! and each shard's table is small enough to stay in cache. Tables hold
//! `(chunk, row)` indices, not values; values are compared byte for byte
//! on every hash match, so a hash collision can never drop a user.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

use crate::chunk::{Chunk, DUPLICATE};

/// Number of dedupe shards: a power of two.
pub(crate) const SHARDS: usize = 256;

pub(crate) fn hash(value: &[u8]) -> u64 {
    FxBuildHasher.hash_one(value)
}

pub(crate) fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARDS.trailing_zeros())) as usize
}

/// The table's hash from the 32 bits kept per row: hashbrown takes the
/// bucket from the low bits and the tag from the top 7.
fn table_hash(low: u32) -> u64 {
    (u64::from(low) << 32) | u64::from(low)
}

/// Marks every duplicate in `chunks` (in input order, `first_line` set):
/// the `DUPLICATE` flag and the first occurrence's line. Uses `pool`'s
/// threads when given.
pub(crate) fn mark_duplicates(
    input: &[u8],
    chunks: &mut [Chunk],
    pool: Option<&rayon::ThreadPool>,
) {
    let shared: &[Chunk] = chunks;
    let run = |shard: usize| dedupe_shard(input, shared, shard);
    let found: Vec<Vec<(u32, u32, u64)>> = match pool {
        Some(pool) => {
            pool.install(|| (0..SHARDS).into_par_iter().map(run).collect())
        }
        None => (0..SHARDS).map(run).collect(),
    };
    for (chunk, row, first) in found.into_iter().flatten() {
        let chunk = &mut chunks[chunk as usize];
        chunk.kept[row as usize].flags |= DUPLICATE;
        chunk.duplicates.push((row, first));
    }
    for chunk in chunks.iter_mut() {
        chunk.duplicates.sort_unstable();
        chunk.shards = Vec::new();
    }
}

/// Dedupes one shard; returns (chunk, row, first line) per duplicate.
fn dedupe_shard(
    input: &[u8],
    chunks: &[Chunk],
    shard: usize,
) -> Vec<(u32, u32, u64)> {
    let value_at = |(c, r): (u32, u32)| {
        let chunk = &chunks[c as usize];
        chunk.value(input, &chunk.kept[r as usize])
    };
    let size = chunks.iter().map(|c| c.shards[shard].len()).sum();
    // Slots carry the value's 32 hash bits too, so most mismatches are
    // settled without touching the value.
    let mut table: HashTable<(u32, u32, u32)> = HashTable::with_capacity(size);
    let mut duplicates = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        for &(r, low) in &chunk.shards[shard] {
            let slot = (c as u32, r);
            let hash = table_hash(low);
            // Values are read only when the hashes agree: most rows are
            // new and never touch their bytes here.
            let same = |&(oc, or, olow): &(u32, u32, u32)| {
                olow == low && value_at((oc, or)) == value_at(slot)
            };
            match table.find(hash, same) {
                Some(&(fc, fr, _)) => {
                    let first = &chunks[fc as usize];
                    let line = first.first_line
                        + u64::from(first.kept[fr as usize].line);
                    duplicates.push((slot.0, slot.1, line));
                }
                None => {
                    table.insert_unique(hash, (slot.0, slot.1, low), |s| {
                        table_hash(s.2)
                    });
                }
            }
        }
    }
    duplicates
}
