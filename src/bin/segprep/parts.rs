//! The names of a split clean file's parts, and the parts an earlier,
//! longer split left behind.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The path of part `number` (1-based) of `output`: `clean.csv` gives
/// `clean.part-001.csv`; at least three digits. The name keeps the
/// output's bytes, UTF-8 or not.
pub fn part_path(output: &Path, number: usize) -> PathBuf {
    let mut name = OsString::from(output.file_stem().unwrap_or_default());
    name.push(format!(".part-{number:03}"));
    if let Some(ext) = output.extension() {
        name.push(".");
        name.push(ext);
    }
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
    // A part's name is the output's stem, `.part-`, the number, then the
    // output's extension.
    let stem = output.file_stem().unwrap_or_default();
    let prefix = [stem.as_encoded_bytes(), b".part-"].concat();
    let suffix = match output.extension() {
        Some(ext) => [b".", ext.as_encoded_bytes()].concat(),
        None => Vec::new(),
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let number = name
                .as_encoded_bytes()
                .strip_prefix(prefix.as_slice())
                .and_then(|rest| rest.strip_suffix(suffix.as_slice()))
                .filter(|n| n.len() >= 3 && n.iter().all(u8::is_ascii_digit));
            number
                .and_then(|n| {
                    std::str::from_utf8(n).ok()?.parse::<usize>().ok()
                })
                .is_some_and(|n| n > count)
        })
        .map(|entry| dir.join(entry.file_name()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
