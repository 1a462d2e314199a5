//! The delta between two clean files: what to add and what to remove.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::RandomState;
use hashbrown::HashTable;

/// Values of a new clean file that are not in the old one, and values of
/// the old one that are not in the new one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta<'a> {
    /// In the new file only, in the new file's order.
    pub added: Vec<&'a [u8]>,
    /// In the old file only, in the old file's order.
    pub removed: Vec<&'a [u8]>,
    /// In both.
    pub unchanged: u64,
}

/// A set of distinct values, for membership tests.
///
/// The values come from the user's files, so their hash is seeded at
/// random: with a fixed one, a file of distinct values made to share a
/// hash makes every probe walk all of them (issue 16: `diff` took 192 s
/// instead of 1).
struct ValueSet<'a> {
    table: HashTable<&'a [u8]>,
    state: RandomState,
}

/// Values hashed in one loop before they are looked up, so that hashing
/// does not wait on the lookups' cache misses: a tenth faster on GAIDs.
const BLOCK: usize = 64;

impl<'a> ValueSet<'a> {
    fn new(values: &[&'a [u8]]) -> Self {
        let mut set = ValueSet {
            table: HashTable::with_capacity(values.len()),
            state: RandomState::default(),
        };
        let mut hashes = [0; BLOCK];
        for block in values.chunks(BLOCK) {
            set.hash_all(block, &mut hashes);
            // Looked up before each insert: a value given many times is
            // held once, so its copies cannot make one probe chain grow
            // with them.
            for (&value, &hash) in block.iter().zip(&hashes) {
                if !set.has(hash, value) {
                    let state = &set.state;
                    set.table
                        .insert_unique(hash, value, |v| hash_with(state, v));
                }
            }
        }
        set
    }

    fn hash(&self, value: &[u8]) -> u64 {
        hash_with(&self.state, value)
    }

    /// Hashes `values` into the front of `hashes`.
    fn hash_all(&self, values: &[&[u8]], hashes: &mut [u64; BLOCK]) {
        for (hash, value) in hashes.iter_mut().zip(values) {
            *hash = self.hash(value);
        }
    }

    fn has(&self, hash: u64, value: &[u8]) -> bool {
        self.table.find(hash, |v: &&[u8]| *v == value).is_some()
    }

    #[cfg(test)]
    fn contains(&self, value: &[u8]) -> bool {
        self.has(self.hash(value), value)
    }

    /// The values of `these` that the set lacks, in order.
    fn lacked(&self, these: &[&'a [u8]]) -> Vec<&'a [u8]> {
        let mut lacked = Vec::new();
        let mut hashes = [0; BLOCK];
        for block in these.chunks(BLOCK) {
            self.hash_all(block, &mut hashes);
            for (&value, &hash) in block.iter().zip(&hashes) {
                if !self.has(hash, value) {
                    lacked.push(value);
                }
            }
        }
        lacked
    }
}

/// `value`'s hash: `write` takes in the length, so no length prefix.
fn hash_with(state: &RandomState, value: &[u8]) -> u64 {
    let mut hasher = state.build_hasher();
    hasher.write(value);
    hasher.finish()
}

/// Compares two clean files' values (each deduped, as
/// [`Run::values`](crate::Run::values) gives them).
///
/// With `threads` above 1 the two sides run at once on rayon's threads;
/// with 1 (a pipeline's [`threads`](crate::Pipeline::threads)), one after
/// the other on this thread. The result is the same either way.
///
/// ```
/// use segprep::workflow::delta::delta;
///
/// let old: Vec<&[u8]> = vec![b"u1", b"u2", b"u3"];
/// let new: Vec<&[u8]> = vec![b"u3", b"u4"];
/// let d = delta(&old, &new, 1);
/// assert_eq!(d.added, vec![&b"u4"[..]]);
/// assert_eq!(d.removed, vec![&b"u1"[..], &b"u2"[..]]);
/// assert_eq!(d.unchanged, 1);
/// ```
pub fn delta<'a>(
    old: &[&'a [u8]],
    new: &[&'a [u8]],
    threads: usize,
) -> Delta<'a> {
    let parallel = threads > 1;
    let only_in = |these: &[&'a [u8]], others: &[&'a [u8]]| {
        ValueSet::new(others).lacked(these)
    };
    let (added, removed): (Vec<&[u8]>, Vec<&[u8]>) = if parallel {
        rayon::join(|| only_in(new, old), || only_in(old, new))
    } else {
        (only_in(new, old), only_in(old, new))
    };
    let unchanged = (new.len() - added.len()) as u64;
    Delta { added, removed, unchanged }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_removed_unchanged_in_order() {
        let old: Vec<&[u8]> = vec![b"a", b"b", b"c", b"d"];
        let new: Vec<&[u8]> = vec![b"e", b"c", b"a", b"f"];
        let d = delta(&old, &new, 2);
        assert_eq!(d.added, [&b"e"[..], b"f"]);
        assert_eq!(d.removed, [&b"b"[..], b"d"]);
        assert_eq!(d.unchanged, 2);
        let same = delta(&old, &old, 2);
        assert!(same.added.is_empty() && same.removed.is_empty());
        assert_eq!(same.unchanged, 4);
        assert_eq!(delta(&old, &new, 1), d);
    }

    #[test]
    fn values_given_twice_are_compared_as_sets() {
        let old: Vec<&[u8]> = vec![b"a", b"b", b"a", b"b"];
        let new: Vec<&[u8]> = vec![b"c", b"a", b"c"];
        let d = delta(&old, &new, 2);
        assert_eq!(d.added, [&b"c"[..], b"c"]);
        assert_eq!(d.removed, [&b"b"[..], b"b"]);
        assert_eq!(d.unchanged, 1);
    }

    /// `n` distinct values of 65 bytes that share one unseeded FxHash
    /// (rustc-hash 2): bytes 32 to 40 equal the state that bytes 0 to 16
    /// leave, so the multiply that takes in bytes 32 to 48 yields 0 and
    /// bytes 40 to 48 are free. See: issue 16.
    fn fx_colliding(n: usize) -> Vec<Vec<u8>> {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\
            abcdefghijklmnopqrstuvwxyz";
        (0..n)
            .map(|i| {
                let mut v =
                    b"wOCCrikH9IfdMCVJBBBBBBBBBBBBBBBBwIp0ZmF6".to_vec();
                let mut k = i;
                for _ in 0..8 {
                    v.push(DIGITS[k % DIGITS.len()]);
                    k /= DIGITS.len();
                }
                v.extend_from_slice(b"DDDDDDDDDDDDDDDDZ");
                v
            })
            .collect()
    }

    #[test]
    fn values_made_to_share_a_fixed_hash_get_distinct_hashes() {
        let values = fx_colliding(2_000);
        let values: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        let set = ValueSet::new(&values);
        let hashes: std::collections::HashSet<u64> =
            values.iter().map(|v| set.hash(v)).collect();
        // Random 64-bit hashes of 2,000 values all differ but about once
        // in 10^13 runs.
        assert_eq!(hashes.len(), values.len());
        let d = delta(&values[..1_500], &values[500..], 2);
        assert_eq!(d.added, &values[1_500..]);
        assert_eq!(d.removed, &values[..500]);
        assert_eq!(d.unchanged, 1_000);
    }

    /// The values of `these` not in `others`, by a plain loop.
    fn lacked<'v>(these: &[&'v [u8]], others: &[&[u8]]) -> Vec<&'v [u8]> {
        let mut out = Vec::new();
        for &v in these {
            if !others.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    #[test]
    fn delta_equals_a_plain_loop_across_blocks() {
        let edges = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5];
        for n_old in edges {
            for n_new in edges {
                let old: Vec<Vec<u8>> =
                    (0..n_old).map(|i| format!("v{}", 2 * i).into()).collect();
                let new: Vec<Vec<u8>> =
                    (0..n_new).map(|i| format!("v{}", 3 * i).into()).collect();
                let old: Vec<&[u8]> = old.iter().map(Vec::as_slice).collect();
                let new: Vec<&[u8]> = new.iter().map(Vec::as_slice).collect();
                let d = delta(&old, &new, 1);
                assert_eq!(d.added, lacked(&new, &old), "{n_old} {n_new}");
                assert_eq!(d.removed, lacked(&old, &new), "{n_old} {n_new}");
            }
        }
    }

    #[test]
    fn a_value_given_many_times_is_held_once() {
        let copies: Vec<&[u8]> = vec![b"a"; 10_000];
        let set = ValueSet::new(&copies);
        assert_eq!(set.table.len(), 1);
        assert!(set.contains(b"a"));
        assert!(!set.contains(b"b"));
    }
}
