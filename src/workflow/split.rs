//! Splitting a clean file into parts within the platform's limits.

use std::path::{Path, PathBuf};

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

/// The path of part `number` (1-based) of `output`: `clean.csv` gives
/// `clean.part-001.csv`; at least three digits.
pub fn part_path(output: &Path, number: usize) -> PathBuf {
    let stem = output.file_stem().unwrap_or_default().to_string_lossy();
    let name = match output.extension() {
        Some(ext) => {
            format!("{stem}.part-{number:03}.{}", ext.to_string_lossy())
        }
        None => format!("{stem}.part-{number:03}"),
    };
    output.with_file_name(name)
}

/// Existing files named like parts of `output` with a number above
/// `count`: left over from an earlier, longer split.
pub fn stale_parts(output: &Path, count: usize) -> Vec<PathBuf> {
    let dir = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // Part 0's name, cut at its number: the last ".part-000", since the
    // output's own name may hold that text too.
    let template = part_path(output, 0);
    let template = template.file_name().unwrap_or_default().to_string_lossy();
    let Some((stem, suffix)) = template.rsplit_once(".part-000") else {
        return Vec::new();
    };
    let prefix = format!("{stem}.part-");
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let number = name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix))
                .filter(|n| {
                    n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit())
                });
            number
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n > count)
        })
        .map(|entry| dir.join(entry.file_name()))
        .collect()
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

    #[test]
    fn part_paths() {
        let p = |s: &str, n| part_path(Path::new(s), n);
        assert_eq!(p("clean.csv", 1), Path::new("clean.part-001.csv"));
        assert_eq!(
            p("out/clean.csv", 12),
            Path::new("out/clean.part-012.csv")
        );
        assert_eq!(p("clean", 1000), Path::new("clean.part-1000"));
    }

    #[test]
    fn stale_parts_of_a_name_that_holds_000() {
        let dir = std::env::temp_dir()
            .join(format!("segprep-stale-parts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "1000.part-001.csv",
            "1000.part-002.csv",
            "1000.part-003.csv",
            "1000.part-1004.csv",
            "1999.part-000.csv",
            "1000.part-002.txt",
            "1000.part-02.csv",
        ] {
            std::fs::write(dir.join(name), "x\n").unwrap();
        }
        let mut stale = stale_parts(&dir.join("1000.csv"), 1);
        stale.sort();
        std::fs::remove_dir_all(&dir).unwrap();
        let names: Vec<_> =
            stale.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(
            names,
            ["1000.part-002.csv", "1000.part-003.csv", "1000.part-1004.csv"]
        );
    }
}
