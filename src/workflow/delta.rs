//! The delta between two clean files: what to add and what to remove.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

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
struct ValueSet<'a> {
    table: HashTable<&'a [u8]>,
}

impl<'a> ValueSet<'a> {
    fn new(values: &[&'a [u8]]) -> Self {
        let mut table = HashTable::with_capacity(values.len());
        // Looked up before each insert: a value given many times is held
        // once, so its copies cannot make one probe chain grow with them.
        for &value in values {
            let hash = FxBuildHasher.hash_one(value);
            if table.find(hash, |v: &&[u8]| *v == value).is_none() {
                table
                    .insert_unique(hash, value, |v| FxBuildHasher.hash_one(v));
            }
        }
        ValueSet { table }
    }

    fn contains(&self, value: &[u8]) -> bool {
        let hash = FxBuildHasher.hash_one(value);
        self.table.find(hash, |v: &&[u8]| *v == value).is_some()
    }
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
        let others = ValueSet::new(others);
        these.iter().copied().filter(|v| !others.contains(v)).collect()
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

    #[test]
    fn a_value_given_many_times_is_held_once() {
        let copies: Vec<&[u8]> = vec![b"a"; 10_000];
        let set = ValueSet::new(&copies);
        assert_eq!(set.table.len(), 1);
        assert!(set.contains(b"a"));
        assert!(!set.contains(b"b"));
    }
}
