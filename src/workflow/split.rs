//! Splitting a clean file into parts within the platform's limits.

use crate::error::{Error, ErrorKind};

/// One part of a split clean file: a run of consecutive values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Index of the part's first value.
    pub first: usize,
    /// Number of values in the part.
    pub values: usize,
    /// Size of the part in bytes (every value and its LF).
    pub bytes: u64,
}

/// Cuts `lengths` (the values' lengths, in output order) into parts of at
/// most `max_bytes` bytes and `max_values` values each, filling each part
/// as far as it goes. No part is empty; a value is never split.
///
/// ```
/// use segprep::workflow::split::plan;
///
/// // Three values of 3 bytes take 4 each with their LF.
/// let parts = plan([3, 3, 3], 8, 1000)?;
/// assert_eq!(parts.len(), 2);
/// assert_eq!((parts[0].first, parts[0].values, parts[0].bytes), (0, 2, 8));
/// assert_eq!((parts[1].first, parts[1].values, parts[1].bytes), (2, 1, 4));
/// # Ok::<(), segprep::Error>(())
/// ```
///
/// # Errors
///
/// [`ErrorKind::ValueTooLarge`] for the first value (with its LF) larger
/// than `max_bytes`.
pub fn plan(
    lengths: impl IntoIterator<Item = usize>,
    max_bytes: u64,
    max_values: u64,
) -> Result<Vec<Part>, Error> {
    let mut parts: Vec<Part> = Vec::new();
    for (i, len) in lengths.into_iter().enumerate() {
        let size = len as u64 + 1;
        if size > max_bytes {
            return Err(Error::from(ErrorKind::ValueTooLarge {
                index: i,
                bytes: size,
                limit: max_bytes,
            }));
        }
        match parts.last_mut() {
            Some(part)
                if part.bytes + size <= max_bytes
                    && (part.values as u64) < max_values =>
            {
                part.values += 1;
                part.bytes += size;
            }
            _ => parts.push(Part { first: i, values: 1, bytes: size }),
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parts_greedily_within_both_limits() {
        // Values of 3 bytes take 4 with their LF.
        let parts = plan([3, 3, 3, 3, 3], 8, 10).unwrap();
        let sizes: Vec<_> =
            parts.iter().map(|p| (p.first, p.values, p.bytes)).collect();
        assert_eq!(sizes, [(0, 2, 8), (2, 2, 8), (4, 1, 4)]);
        let parts = plan([1, 1, 1, 1, 1], 100, 2).unwrap();
        let counts: Vec<_> = parts.iter().map(|p| p.values).collect();
        assert_eq!(counts, [2, 2, 1]);
        assert_eq!(plan([], 8, 8).unwrap(), []);
    }

    #[test]
    fn a_value_larger_than_a_part_is_an_error() {
        let err = plan([1, 8, 1], 8, 10).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ValueTooLarge { index: 1, bytes: 9, limit: 8 }
            ),
            "{err:?}"
        );
    }
}
