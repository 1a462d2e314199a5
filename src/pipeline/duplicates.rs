//! A chunk's duplicates: which kept rows repeat an earlier value, and the
//! line of that value's first occurrence.
//!
//! A file of daily exports appended to each other is mostly duplicates,
//! and `yes a` is nothing else, so their cost per row matters as much as
//! a kept row's. Few duplicates are listed, 16 bytes each; many take 4
//! bytes per kept row, the first line or 0 (lines count from 1), or 8
//! bytes when the input has more lines than 32 bits count.

/// Below one duplicate in this many kept rows, a list costs less than a
/// slot per row.
pub(crate) const DENSE_FROM: usize = 8;

/// A chunk's duplicates, in row order.
#[derive(Debug, Default)]
pub(crate) struct Duplicates {
    firsts: Firsts,
    count: u32,
}

#[derive(Debug)]
enum Firsts {
    /// (kept index, first occurrence's line), sorted.
    Listed(Vec<(u32, u64)>),
    /// By kept index: the first occurrence's line, or 0.
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for Firsts {
    fn default() -> Firsts {
        Firsts::Listed(Vec::new())
    }
}

impl Duplicates {
    /// Duplicates from (kept index, first line) pairs sorted by index.
    #[cfg(test)]
    pub(crate) fn from_sorted(list: Vec<(u32, u64)>) -> Duplicates {
        debug_assert!(list.windows(2).all(|w| w[0].0 < w[1].0));
        let count = list.len() as u32;
        Duplicates { firsts: Firsts::Listed(list), count }
    }

    /// The number of duplicates.
    pub(crate) fn len(&self) -> u32 {
        self.count
    }

    /// (kept index, first occurrence's line) of each duplicate, in row
    /// order.
    pub(crate) fn iter(&self) -> Iter<'_> {
        match &self.firsts {
            Firsts::Listed(list) => Iter::Listed(list.iter()),
            Firsts::Narrow(firsts) => Iter::Narrow(firsts.iter(), 0),
            Firsts::Wide(firsts) => Iter::Wide(firsts.iter(), 0),
        }
    }

    /// The indices of the duplicates, in row order.
    pub(crate) fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().map(|(index, _)| index)
    }
}

/// The iterator of [`Duplicates::iter`].
pub(crate) enum Iter<'a> {
    Listed(std::slice::Iter<'a, (u32, u64)>),
    Narrow(std::slice::Iter<'a, u32>, u32),
    Wide(std::slice::Iter<'a, u64>, u32),
}

impl Iterator for Iter<'_> {
    type Item = (u32, u64);

    #[inline]
    fn next(&mut self) -> Option<(u32, u64)> {
        match self {
            Iter::Listed(list) => list.next().copied(),
            Iter::Narrow(firsts, index) => {
                for &first in firsts.by_ref() {
                    *index += 1;
                    if first != 0 {
                        return Some((*index - 1, u64::from(first)));
                    }
                }
                None
            }
            Iter::Wide(firsts, index) => {
                for &first in firsts.by_ref() {
                    *index += 1;
                    if first != 0 {
                        return Some((*index - 1, first));
                    }
                }
                None
            }
        }
    }
}

/// A note for a kept row: 32 bits where every value fits (an input of
/// fewer lines than 32 bits count), else 64.
pub(crate) trait Slot: Copy + Default + PartialEq + Send {
    fn get(self) -> u64;
    fn put(value: u64) -> Self;
    /// Notes of a slot per kept row.
    fn dense(slots: Vec<Self>) -> Notes;
    /// A shard's list of (kept index, 32 hash bits) with the bits in a
    /// slot: the same list where a slot is 32 bits.
    fn list(rows: Vec<(u32, u32)>) -> Vec<(u32, Self)>;
}

impl Slot for u32 {
    fn get(self) -> u64 {
        u64::from(self)
    }
    fn put(value: u64) -> u32 {
        // Chosen only where every value fits.
        value as u32
    }
    fn dense(slots: Vec<u32>) -> Notes {
        Notes::Narrow(slots)
    }
    fn list(rows: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
        rows
    }
}

impl Slot for u64 {
    fn get(self) -> u64 {
        self
    }
    fn put(value: u64) -> u64 {
        value
    }
    fn dense(slots: Vec<u64>) -> Notes {
        Notes::Wide(slots)
    }
    fn list(rows: Vec<(u32, u32)>) -> Vec<(u32, u64)> {
        rows.into_iter().map(|(r, low)| (r, u64::from(low))).collect()
    }
}

/// What the shards noted for a chunk's kept rows: a value for some of
/// them, 0 for none.
pub(crate) enum Notes {
    /// Nothing was noted.
    Empty,
    /// (kept index, value), sorted: where the shards noted few.
    Listed(Vec<(u32, u64)>),
    /// A slot per kept row.
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Notes {
    /// The notes of a chunk of `kept` kept rows from the shards' lists
    /// of (kept index, value), each list freed once read: a list when
    /// they are few, else a slot per row.
    pub(crate) fn gather<N: Slot>(
        kept: u32,
        lists: Vec<Vec<(u32, N)>>,
    ) -> Notes {
        let total: usize = lists.iter().map(Vec::len).sum();
        if total == 0 {
            return Notes::Empty;
        }
        if total * DENSE_FROM < kept as usize {
            let mut list = Vec::with_capacity(total);
            for found in lists {
                list.extend(found.into_iter().map(|(r, n)| (r, n.get())));
            }
            list.sort_unstable();
            return Notes::Listed(list);
        }
        let mut slots = vec![N::default(); kept as usize];
        for found in lists {
            for (r, note) in found {
                slots[r as usize] = note;
            }
        }
        N::dense(slots)
    }

    /// Sets the note of kept row `index`, which has one, to `value`
    /// (that fits its notes' width).
    #[inline]
    pub(crate) fn set(&mut self, index: u32, value: u64) {
        match self {
            Notes::Empty => unreachable!("only noted rows are set"),
            Notes::Listed(list) => {
                let at = list
                    .binary_search_by_key(&index, |&(i, _)| i)
                    .expect("only noted rows are set");
                list[at].1 = value;
            }
            Notes::Narrow(slots) => slots[index as usize] = value as u32,
            Notes::Wide(slots) => slots[index as usize] = value,
        }
    }
}

impl Duplicates {
    /// A chunk's duplicates from notes holding first lines (0 for a row
    /// that is none): a list when they are few.
    pub(crate) fn seal(notes: Notes) -> Duplicates {
        match notes {
            Notes::Empty => Duplicates::default(),
            Notes::Listed(mut list) => {
                list.retain(|&(_, first)| first != 0);
                let count = list.len() as u32;
                Duplicates { firsts: Firsts::Listed(list), count }
            }
            Notes::Narrow(firsts) => seal(firsts, Firsts::Narrow),
            Notes::Wide(firsts) => seal(firsts, Firsts::Wide),
        }
    }
}

fn seal<T>(firsts: Vec<T>, dense: fn(Vec<T>) -> Firsts) -> Duplicates
where
    T: Copy + Into<u64> + Default + PartialEq,
{
    let zero = T::default();
    let count = firsts.iter().filter(|&&f| f != zero).count() as u32;
    if (count as usize) < firsts.len().div_ceil(DENSE_FROM) {
        let list = (0..)
            .zip(&firsts)
            .filter(|&(_, &f)| f != zero)
            .map(|(index, &f)| (index, f.into()))
            .collect();
        return Duplicates { firsts: Firsts::Listed(list), count };
    }
    Duplicates { firsts: dense(firsts), count }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gathers `dups` (chunk, row, first) in chunks of `lens` rows, two
    /// lists a chunk as two shards would give them, with notes of `N`,
    /// and reads them back.
    fn round_trip_with<N: Slot>(
        lens: &[u32],
        dups: &[(u32, u32, u64)],
    ) -> Vec<Vec<(u32, u64)>> {
        let sealed: Vec<Duplicates> = (0..lens.len() as u32)
            .map(|c| {
                let mut lists = vec![Vec::new(), Vec::new()];
                for &(_, r, first) in dups.iter().filter(|d| d.0 == c) {
                    lists[(r % 2) as usize].push((r, N::put(first)));
                }
                Duplicates::seal(Notes::gather(lens[c as usize], lists))
            })
            .collect();
        for (d, &len) in sealed.iter().zip(lens) {
            assert!(d.iter().all(|(index, _)| index < len));
            assert_eq!(d.len() as usize, d.iter().count());
        }
        sealed.iter().map(|d| d.iter().collect()).collect()
    }

    /// `round_trip_with` 32-bit notes where every line fits, as
    /// `mark_duplicates` chooses.
    fn round_trip(
        lens: &[u32],
        lines: u64,
        dups: &[(u32, u32, u64)],
    ) -> Vec<Vec<(u32, u64)>> {
        if lines < u64::from(u32::MAX) {
            round_trip_with::<u32>(lens, dups)
        } else {
            round_trip_with::<u64>(lens, dups)
        }
    }

    #[test]
    fn marks_read_back_in_row_order_listed_or_dense() {
        // Chunk 0: one duplicate in 100 rows (listed); chunk 1: every
        // other row (dense); chunk 2: none.
        let mut dups = vec![(0, 57, 3)];
        dups.extend((0..50).rev().map(|r| (1, 2 * r + 1, u64::from(r) + 1)));
        let got = round_trip(&[100, 100, 100], 300, &dups);
        assert_eq!(got[0], vec![(57, 3)]);
        let want: Vec<(u32, u64)> =
            (0..50).map(|r| (2 * r + 1, u64::from(r) + 1)).collect();
        assert_eq!(got[1], want);
        assert!(got[2].is_empty());
    }

    #[test]
    fn wide_marks_keep_lines_past_32_bits() {
        let far = u64::from(u32::MAX) + 10;
        let got = round_trip(&[4], far + 1, &[(0, 0, far), (0, 3, far - 1)]);
        assert_eq!(got[0], vec![(0, far), (3, far - 1)]);
    }

    #[test]
    fn iter_matches_a_plain_filter_for_every_shape() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for density in [0, 1, 3, 8, 50, 100] {
            let len = 1 + (next() % 500) as u32;
            let mut want: Vec<(u32, u64)> = Vec::new();
            for r in 0..len {
                if next() % 100 < density {
                    want.push((r, 1 + next() % 1000));
                }
            }
            let dups: Vec<(u32, u32, u64)> =
                want.iter().map(|&(r, f)| (0, r, f)).collect();
            assert_eq!(round_trip(&[len], 10_000, &dups)[0], want);
            let listed = Duplicates::from_sorted(want.clone());
            assert_eq!(listed.iter().collect::<Vec<_>>(), want);
        }
    }
}
