//! The delta between two clean files: what to add and what to remove.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use rayon::prelude::*;

use crate::Run;

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

/// Which values of two clean files the other lacks, a bit per value:
/// what [`delta_marks`] finds, without a copy of either list, so that
/// the delta of two large files costs little more than one hash table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeltaMarks {
    /// Bit `i`: NEW's value `i` is not in OLD.
    added: Vec<u64>,
    /// Bit `i`: OLD's value `i` is not in NEW.
    removed: Vec<u64>,
    new_len: u64,
    added_count: u64,
    removed_count: u64,
    added_bytes: u64,
    removed_bytes: u64,
}

impl DeltaMarks {
    /// The number of NEW's values that OLD lacks.
    pub fn added(&self) -> u64 {
        self.added_count
    }

    /// The number of OLD's values that NEW lacks.
    pub fn removed(&self) -> u64 {
        self.removed_count
    }

    /// The number of NEW's values that OLD has.
    pub fn unchanged(&self) -> u64 {
        self.new_len - self.added_count
    }

    /// The size of the added values as a clean file: each and an LF.
    pub fn added_bytes(&self) -> u64 {
        self.added_bytes
    }

    /// The size of the removed values as a clean file.
    pub fn removed_bytes(&self) -> u64 {
        self.removed_bytes
    }

    /// Whether NEW's value at `index` is one OLD lacks.
    pub fn is_added(&self, index: usize) -> bool {
        bit(&self.added, index)
    }

    /// Whether OLD's value at `index` is one NEW lacks.
    pub fn is_removed(&self, index: usize) -> bool {
        bit(&self.removed, index)
    }

    /// The added values, in order, out of NEW's values given again.
    pub fn added_in<'m, 'v, V>(
        &'m self,
        new: V,
    ) -> impl Iterator<Item = &'v [u8]> + 'm
    where
        V: IntoIterator<Item = &'v [u8]>,
        V::IntoIter: 'm,
    {
        marked(&self.added, new.into_iter())
    }

    /// The removed values, in order, out of OLD's values given again.
    pub fn removed_in<'m, 'v, V>(
        &'m self,
        old: V,
    ) -> impl Iterator<Item = &'v [u8]> + 'm
    where
        V: IntoIterator<Item = &'v [u8]>,
        V::IntoIter: 'm,
    {
        marked(&self.removed, old.into_iter())
    }
}

fn bit(words: &[u64], index: usize) -> bool {
    words.get(index / 64).is_some_and(|w| w >> (index % 64) & 1 == 1)
}

fn marked<'m, 'v>(
    words: &'m [u64],
    values: impl Iterator<Item = &'v [u8]> + 'm,
) -> impl Iterator<Item = &'v [u8]> + 'm {
    let values = values.enumerate();
    values.filter_map(move |(i, v)| bit(words, i).then_some(v))
}

/// OLD's values, by position.
trait Listed: Sync {
    fn len(&self) -> usize;
    fn value(&self, index: usize) -> &[u8];
}

impl Listed for [&[u8]] {
    fn len(&self) -> usize {
        <[&[u8]]>::len(self)
    }
    fn value(&self, index: usize) -> &[u8] {
        self[index]
    }
}

impl Listed for PackedValues<'_> {
    fn len(&self) -> usize {
        self.packed.len()
    }
    fn value(&self, index: usize) -> &[u8] {
        let packed = self.packed[index];
        if packed & ASIDE != 0 {
            return self.aside[(packed & !ASIDE) as usize];
        }
        let start = (packed >> LEN_BITS) as usize;
        let len = (packed & ((1 << LEN_BITS) - 1)) as usize;
        &self.base[start..start + len]
    }
}

/// A run's values, 8 bytes a value where a list of slices takes 16: a
/// value that lies in the run's input is held as its place there, any
/// other (a fixed value) as a slice aside.
struct PackedValues<'a> {
    base: &'a [u8],
    packed: Vec<u64>,
    aside: Vec<&'a [u8]>,
}

/// A packed value with this bit set is the slice aside at the index in
/// the other bits; else it is `LEN_BITS` of length under a start.
const ASIDE: u64 = 1 << 63;
const LEN_BITS: u32 = 24;

impl<'a> PackedValues<'a> {
    /// An empty list for values that lie mostly in `base`.
    fn new(base: &'a [u8]) -> Self {
        PackedValues { base, packed: Vec::new(), aside: Vec::new() }
    }

    /// A run's kept values, in first-occurrence order, as
    /// [`Run::values`] gives them.
    fn of_run(run: &'a Run) -> Self {
        let mut list = PackedValues::new(run.bytes());
        list.packed.reserve(run.stats().values_processed as usize);
        for value in run.values() {
            list.push(value);
        }
        list
    }

    fn push(&mut self, value: &'a [u8]) {
        // Addresses only compared, never followed: a value elsewhere
        // goes aside.
        let base = self.base.as_ptr() as usize;
        let start = (value.as_ptr() as usize).wrapping_sub(base);
        let inside =
            start <= self.base.len() && value.len() <= self.base.len() - start;
        let fits = (start as u64) < 1 << (63 - LEN_BITS)
            && (value.len() as u64) < 1 << LEN_BITS;
        if inside && fits {
            self.packed.push((start as u64) << LEN_BITS | value.len() as u64);
        } else {
            self.packed.push(ASIDE | self.aside.len() as u64);
            self.aside.push(value);
        }
    }
}

/// A position in OLD's list: `u32` halves the table when it fits.
trait Ordinal: Copy + Send + Sync {
    fn new(index: usize) -> Self;
    fn get(self) -> usize;
}

impl Ordinal for u32 {
    fn new(index: usize) -> u32 {
        index as u32
    }
    fn get(self) -> usize {
        self as usize
    }
}

impl Ordinal for usize {
    fn new(index: usize) -> usize {
        index
    }
    fn get(self) -> usize {
        self
    }
}

/// A set of distinct values, for membership tests: positions in a list
/// of them, not the values themselves, so that an entry is 4 bytes.
///
/// The values come from the user's files, so their hash is seeded at
/// random: with a fixed one, a file of distinct values made to share a
/// hash makes every probe walk all of them (issue 16: `diff` took 192 s
/// instead of 1).
struct ValueSet<'s, L: ?Sized, I> {
    values: &'s L,
    table: HashTable<I>,
    state: RandomState,
    /// (position, position of its first copy) of values given again.
    copies: Vec<(usize, I)>,
}

/// Values hashed in one loop before they are looked up, so that hashing
/// does not wait on the lookups' cache misses: a tenth faster on GAIDs.
const BLOCK: usize = 64;

/// NEW's values taken at a time, to look up in parallel without a list
/// of them all.
const BATCH: usize = 1 << 16;

impl<'s, L: Listed + ?Sized, I: Ordinal> ValueSet<'s, L, I> {
    fn new(values: &'s L) -> Self {
        let mut set = ValueSet {
            values,
            table: HashTable::with_capacity(values.len()),
            state: RandomState::default(),
            copies: Vec::new(),
        };
        let mut hashes = [0; BLOCK];
        let mut block = Vec::with_capacity(BLOCK);
        for from in (0..values.len()).step_by(BLOCK) {
            block.clear();
            let to = values.len().min(from + BLOCK);
            block.extend((from..to).map(|i| values.value(i)));
            set.hash_all(&block, &mut hashes);
            // Looked up before each insert: a value given many times is
            // held once, so its copies cannot make one probe chain grow
            // with them.
            for (i, (&value, &hash)) in block.iter().zip(&hashes).enumerate() {
                let at = from + i;
                match set.find(hash, value) {
                    Some(first) => set.copies.push((at, first)),
                    None => {
                        let (state, all) = (&set.state, set.values);
                        set.table.insert_unique(hash, I::new(at), |&j| {
                            hash_with(state, all.value(j.get()))
                        });
                    }
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

    /// The position of `value`'s first copy.
    fn find(&self, hash: u64, value: &[u8]) -> Option<I> {
        let all = self.values;
        self.table.find(hash, |&j| all.value(j.get()) == value).copied()
    }

    #[cfg(test)]
    fn contains(&self, value: &[u8]) -> bool {
        self.find(self.hash(value), value).is_some()
    }

    /// Looks up `these`, a whole number of words of NEW from a word
    /// boundary (the last may be short): sets in `lacked` the bits of
    /// those the set lacks and in `seen` the bits of the values found.
    /// Returns the lacked values' count and bytes.
    fn look_up(
        &self,
        these: &[&[u8]],
        lacked: &mut [u64],
        seen: &[AtomicU64],
    ) -> (u64, u64) {
        let (mut count, mut bytes) = (0, 0);
        let mut hashes = [0; BLOCK];
        for (block, word) in these.chunks(BLOCK).zip(lacked) {
            self.hash_all(block, &mut hashes);
            for (i, (&value, &hash)) in block.iter().zip(&hashes).enumerate() {
                match self.find(hash, value) {
                    Some(j) => {
                        let j = j.get();
                        seen[j / 64].fetch_or(1 << (j % 64), Relaxed);
                    }
                    None => {
                        *word |= 1 << i;
                        count += 1;
                        bytes += value.len() as u64 + 1;
                    }
                }
            }
        }
        (count, bytes)
    }
}

/// `value`'s hash: `write` takes in the length, so no length prefix.
fn hash_with(state: &RandomState, value: &[u8]) -> u64 {
    let mut hasher = state.build_hasher();
    hasher.write(value);
    hasher.finish()
}

/// Compares two clean files' values (each deduped, as
/// [`Run::values`](crate::Run::values) gives them), holding OLD's in a
/// table and taking NEW's one at a time: NEW can be an iterator, such as
/// [`Run::values`](crate::Run::values), so that it is never listed.
///
/// With `threads` above 1 NEW's values are looked up on that many of
/// rayon's threads; with 1, on this thread. The result is the same
/// either way.
///
/// ```
/// use segprep::workflow::delta::delta_marks;
///
/// let old: Vec<&[u8]> = vec![b"u1", b"u2", b"u3"];
/// let new: Vec<&[u8]> = vec![b"u3", b"u4"];
/// let marks = delta_marks(&old, new.iter().copied(), 1);
/// assert_eq!((marks.added(), marks.removed()), (1, 2));
/// assert_eq!(marks.unchanged(), 1);
/// assert_eq!(marks.added_bytes(), 3);
/// let added: Vec<&[u8]> = marks.added_in(new.iter().copied()).collect();
/// assert_eq!(added, [b"u4"]);
/// assert!(marks.is_removed(0) && !marks.is_removed(2));
/// ```
pub fn delta_marks<'v>(
    old: &[&[u8]],
    new: impl IntoIterator<Item = &'v [u8]>,
    threads: usize,
) -> DeltaMarks {
    marks_for(old, new.into_iter(), threads)
}

/// [`delta_marks`] of two runs' clean files: OLD's values are listed at
/// 8 bytes each, where a list of slices takes 16, so that the delta of
/// two large files costs the table and little more. Walk the marks with
/// [`Run::values`] of each run.
///
/// ```
/// use segprep::workflow::delta::delta_marks_of_runs;
/// use segprep::{Input, PipelineBuilder};
///
/// let pipeline = PipelineBuilder::new().build()?;
/// let old = pipeline.process(Input::from_bytes(b"u1\nu2\nu3\n".to_vec(), "old"));
/// let new = pipeline.process(Input::from_bytes(b"u3\nU4 \n".to_vec(), "new"));
/// let marks = delta_marks_of_runs(&old, &new, 1);
/// assert_eq!((marks.added(), marks.removed()), (1, 2));
/// let added: Vec<&[u8]> = marks.added_in(new.values()).collect();
/// assert_eq!(added, [b"U4"]);
/// let removed: Vec<&[u8]> = marks.removed_in(old.values()).collect();
/// assert_eq!(removed, [b"u1", b"u2"]);
/// # Ok::<(), segprep::Error>(())
/// ```
pub fn delta_marks_of_runs(
    old: &Run,
    new: &Run,
    threads: usize,
) -> DeltaMarks {
    marks_for(&PackedValues::of_run(old), new.values(), threads)
}

fn marks_for<'v, L: Listed + ?Sized>(
    old: &L,
    new: impl Iterator<Item = &'v [u8]>,
    threads: usize,
) -> DeltaMarks {
    if u32::try_from(old.len()).is_ok() {
        marks_with::<L, u32>(old, new, threads)
    } else {
        marks_with::<L, usize>(old, new, threads)
    }
}

fn marks_with<'v, L: Listed + ?Sized, I: Ordinal>(
    old: &L,
    mut new: impl Iterator<Item = &'v [u8]>,
    threads: usize,
) -> DeltaMarks {
    let set = ValueSet::<L, I>::new(old);
    let seen: Vec<AtomicU64> =
        (0..old.len().div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
    let mut marks = DeltaMarks::default();
    let mut batch: Vec<&[u8]> = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        batch.extend(new.by_ref().take(BATCH));
        if batch.is_empty() {
            break;
        }
        let words = marks.added.len();
        marks.added.resize(words + batch.len().div_ceil(64), 0);
        let lacked = &mut marks.added[words..];
        // A whole number of words each, so that no word is shared.
        let piece = batch.len().div_ceil(threads.max(1)).next_multiple_of(64);
        let (count, bytes) = if threads > 1 {
            batch
                .par_chunks(piece)
                .zip(lacked.par_chunks_mut(piece / 64))
                .map(|(these, lacked)| set.look_up(these, lacked, &seen))
                .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        } else {
            set.look_up(&batch, lacked, &seen)
        };
        marks.added_count += count;
        marks.added_bytes += bytes;
        marks.new_len += batch.len() as u64;
    }
    let mut seen: Vec<u64> =
        seen.into_iter().map(|w| w.into_inner()).collect();
    // A value given again in OLD is in NEW when its first copy is.
    for &(at, first) in &set.copies {
        if bit(&seen, first.get()) {
            seen[at / 64] |= 1 << (at % 64);
        }
    }
    marks.removed = seen;
    for i in 0..old.len() {
        let word = &mut marks.removed[i / 64];
        *word ^= 1 << (i % 64);
        if *word >> (i % 64) & 1 == 1 {
            marks.removed_count += 1;
            marks.removed_bytes += old.value(i).len() as u64 + 1;
        }
    }
    marks
}

/// Compares two clean files' values (each deduped, as
/// [`Run::values`](crate::Run::values) gives them), listing what
/// [`delta_marks`] marks.
///
/// With `threads` above 1 the lookups run on rayon's threads; with 1,
/// on this thread. The result is the same either way.
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
    let marks = delta_marks(old, new.iter().copied(), threads);
    Delta {
        added: marks.added_in(new.iter().copied()).collect(),
        removed: marks.removed_in(old.iter().copied()).collect(),
        unchanged: marks.unchanged(),
    }
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
        let set = ValueSet::<[&[u8]], u32>::new(&values[..]);
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
    fn marks_equal_a_plain_loop_across_batches_and_threads() {
        // Past a batch, with copies in OLD that NEW has and lacks.
        let n = BATCH + 3 * BLOCK + 7;
        let old: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("v{}", 2 * (i % (n - 40))).into())
            .collect();
        let new: Vec<Vec<u8>> =
            (0..n).map(|i| format!("v{}", 3 * i).into()).collect();
        let old: Vec<&[u8]> = old.iter().map(Vec::as_slice).collect();
        let new: Vec<&[u8]> = new.iter().map(Vec::as_slice).collect();
        // The plain loop is quadratic: std's set instead.
        fn lacked<'v>(these: &[&'v [u8]], others: &[&[u8]]) -> Vec<&'v [u8]> {
            let others: std::collections::HashSet<&[u8]> =
                others.iter().copied().collect();
            let these = these.iter().copied();
            these.filter(|v| !others.contains(v)).collect()
        }
        let added = lacked(&new, &old);
        let removed = lacked(&old, &new);
        let bytes =
            |v: &[&[u8]]| v.iter().map(|v| v.len() as u64 + 1).sum::<u64>();
        for threads in [1, 2, 3] {
            let marks = delta_marks(&old, new.iter().copied(), threads);
            let got: Vec<&[u8]> =
                marks.added_in(new.iter().copied()).collect();
            assert_eq!(got, added, "{threads}");
            let got: Vec<&[u8]> =
                marks.removed_in(old.iter().copied()).collect();
            assert_eq!(got, removed, "{threads}");
            assert_eq!(marks.added(), added.len() as u64);
            assert_eq!(marks.removed(), removed.len() as u64);
            assert_eq!(marks.unchanged(), (n - added.len()) as u64);
            assert_eq!(marks.added_bytes(), bytes(&added));
            assert_eq!(marks.removed_bytes(), bytes(&removed));
            assert!(!marks.is_added(n) && !marks.is_removed(n));
        }
    }

    fn unpacked<'a>(packed: &'a PackedValues<'_>) -> Vec<&'a [u8]> {
        (0..packed.len()).map(|i| packed.value(i)).collect()
    }

    #[test]
    fn packed_values_are_the_values_pushed() {
        let base = b"u1\nu22\n\nu333";
        let elsewhere = b"x1".to_vec();
        let values: Vec<&[u8]> = vec![
            &base[..2],
            &base[3..6],
            &elsewhere,
            &base[7..7],
            &base[8..],
            &base[..0],
            &base[base.len()..],
            b"",
            &base[3..6],
        ];
        let mut packed = PackedValues::new(&base[2..]);
        for &value in &values {
            packed.push(value);
        }
        assert_eq!(unpacked(&packed), values);
        // Only what lies wholly in the base is packed.
        assert_eq!(
            packed.aside,
            [&base[..2], &elsewhere[..], &base[..0], b""]
        );
    }

    #[test]
    fn packed_marks_equal_listed_marks() {
        let old_text: Vec<u8> = (0..BATCH + 100)
            .flat_map(|i| format!("v{}\n", 2 * (i % 900)).into_bytes())
            .collect();
        let aside: Vec<Vec<u8>> =
            (0..300).map(|i| format!("v{}", 5 * i).into()).collect();
        let mut old: Vec<&[u8]> = old_text
            .split(|&b| b == b'\n')
            .filter(|v| !v.is_empty())
            .collect();
        old.extend(aside.iter().map(Vec::as_slice));
        let new: Vec<Vec<u8>> =
            (0..2_000).map(|i| format!("v{}", 3 * i).into()).collect();
        let new: Vec<&[u8]> = new.iter().map(Vec::as_slice).collect();
        let mut packed = PackedValues::new(&old_text);
        for &value in &old {
            packed.push(value);
        }
        assert_eq!(packed.aside.len(), aside.len());
        for threads in [1, 2, 3] {
            let want = delta_marks(&old, new.iter().copied(), threads);
            let got = marks_for(&packed, new.iter().copied(), threads);
            assert_eq!(got, want, "{threads}");
        }
    }

    #[test]
    fn runs_marks_equal_listed_marks() {
        use crate::{IdType, Input, PipelineBuilder};
        // Kept as read, fixed (case, CRLF, quotes) and duplicated rows.
        let old_text = "a@x.io\nB@X.IO\r\n\"c@x.io\"\nb@x.io\nd@x.io\n";
        let new_text = "D@x.io\ne@x.io\r\na@x.io\n";
        let pipeline = PipelineBuilder::new()
            .id_type(IdType::Email)
            .case(Some(crate::Case::Lower))
            .build()
            .unwrap();
        let run = |text: &str| {
            pipeline.process(Input::from_bytes(text.into(), "t.csv"))
        };
        let (old, new) = (run(old_text), run(new_text));
        let packed = PackedValues::of_run(&old);
        let values: Vec<&[u8]> = old.values().collect();
        assert_eq!(values, [&b"a@x.io"[..], b"b@x.io", b"c@x.io", b"d@x.io"]);
        assert_eq!(unpacked(&packed), values);
        assert!(!packed.aside.is_empty() && packed.aside.len() < values.len());
        let new_values: Vec<&[u8]> = new.values().collect();
        for threads in [1, 2] {
            let want =
                delta_marks(&values, new_values.iter().copied(), threads);
            let got = delta_marks_of_runs(&old, &new, threads);
            assert_eq!(got, want, "{threads}");
            let added: Vec<&[u8]> = got.added_in(new.values()).collect();
            assert_eq!(added, [b"e@x.io"]);
        }
    }

    #[test]
    fn a_value_given_many_times_is_held_once() {
        let copies: Vec<&[u8]> = vec![b"a"; 10_000];
        let set = ValueSet::<[&[u8]], u32>::new(&copies[..]);
        assert_eq!(set.table.len(), 1);
        assert_eq!(set.copies.len(), copies.len() - 1);
        assert!(set.contains(b"a"));
        assert!(!set.contains(b"b"));
    }
}
