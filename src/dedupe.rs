//! Step 11: first-occurrence dedupe.
//!
//! The table holds `(chunk, row)` indices, not values, so it costs 8
//! bytes a slot; values are compared byte for byte on every hash match,
//! so a hash collision can never drop a user.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::pipeline::Chunk;

/// Sets `duplicate_of` of every chunk: 0 for a first occurrence, else the
/// line of the first occurrence. Chunks are in input order with their
/// `first_line` set.
pub(crate) fn mark_duplicates(input: &[u8], chunks: &mut [Chunk]) {
    let total: usize = chunks.iter().map(|c| c.kept.len()).sum();
    let hasher = FxBuildHasher;
    let mut table: HashTable<(u32, u32)> = HashTable::with_capacity(total);
    let mut marks: Vec<Vec<u64>> = Vec::with_capacity(chunks.len());
    for (ci, chunk) in chunks.iter().enumerate() {
        let mut chunk_marks = vec![0; chunk.kept.len()];
        for (ri, row) in chunk.kept.iter().enumerate() {
            let value = chunk.value(input, row);
            let hash = hasher.hash_one(value);
            let value_at = |&(c, r): &(u32, u32)| {
                let chunk = &chunks[c as usize];
                chunk.value(input, &chunk.kept[r as usize])
            };
            match table.find(hash, |slot| value_at(slot) == value) {
                Some(&(c, r)) => {
                    let first = &chunks[c as usize];
                    chunk_marks[ri] = first.first_line
                        + u64::from(first.kept[r as usize].line);
                }
                None => {
                    let slot = (ci as u32, ri as u32);
                    table.insert_unique(hash, slot, |slot| {
                        hasher.hash_one(value_at(slot))
                    });
                }
            }
        }
        marks.push(chunk_marks);
    }
    for (chunk, chunk_marks) in chunks.iter_mut().zip(marks) {
        chunk.duplicate_of = chunk_marks;
    }
}
