//! The statistics of a run, in the platform's vocabulary.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::rule::{Fix, Reject};

/// A finding about the whole file rather than a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileFinding {
    /// The input is over `--max-bytes`.
    TooLarge,
    /// No value would be processed.
    EmptyFile,
    /// The input is compressed; the platform takes plain CSV.
    Compressed,
    /// The input is not UTF-8; the platform takes UTF-8.
    Encoding,
}

impl FileFinding {
    /// The finding's stable name.
    pub fn name(self) -> &'static str {
        match self {
            FileFinding::TooLarge => "too-large",
            FileFinding::EmptyFile => "empty-file",
            FileFinding::Compressed => "compressed",
            FileFinding::Encoding => "encoding",
        }
    }
}

/// The platform's default daily limit of users added through file
/// segments.
pub const DAILY_VALUE_LIMIT: u64 = 2_000_000;

/// Counts of one run. Every input row is counted exactly once:
/// `values_found = values_processed + duplicates + sum(rejected) + header`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// The input's name as given (`-` for standard input).
    pub input: String,
    /// The input's size in bytes (compressed, for gzip input).
    pub bytes: u64,
    /// The decompressed size, for gzip input.
    pub uncompressed_bytes: Option<u64>,
    /// Rows in the input, the header and empty rows included.
    pub values_found: u64,
    /// Values written to the clean file.
    pub values_processed: u64,
    /// Rows dropped as duplicates.
    pub duplicates: u64,
    /// The header row's raw text (invalid UTF-8 replaced), if one was
    /// dropped.
    pub header: Option<String>,
    /// Warnings that do not affect conformance.
    pub warnings: Vec<String>,
    /// File-level findings.
    pub file_findings: Vec<FileFinding>,
    /// The size of the clean file: every kept value plus its LF.
    pub clean_bytes: u64,
    pub(crate) rejected: [u64; Reject::ALL.len()],
    pub(crate) fixed: [u64; Fix::ALL.len()],
}

impl Stats {
    /// Rows rejected by `reject`.
    pub fn rejected(&self, reject: Reject) -> u64 {
        self.rejected[reject.index()]
    }

    /// Kept rows that `fix` changed (for `bom`: 1 when the input started
    /// with one).
    pub fn fixed(&self, fix: Fix) -> u64 {
        self.fixed[fix.index()]
    }

    /// The size of the text the rows come from: decompressed, for gzip
    /// input.
    pub fn content_bytes(&self) -> u64 {
        self.uncompressed_bytes.unwrap_or(self.bytes)
    }

    /// All rejected rows.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }

    /// The non-zero reject counts, in pipeline order.
    pub fn rejected_counts(&self) -> impl Iterator<Item = (Reject, u64)> + '_ {
        Reject::ALL
            .into_iter()
            .map(|r| (r, self.rejected(r)))
            .filter(|&(_, n)| n > 0)
    }

    /// The non-zero fix counts, in pipeline order.
    pub fn fixed_counts(&self) -> impl Iterator<Item = (Fix, u64)> + '_ {
        Fix::ALL
            .into_iter()
            .map(|f| (f, self.fixed(f)))
            .filter(|&(_, n)| n > 0)
    }

    /// Whether the counting identity holds.
    pub fn is_balanced(&self) -> bool {
        self.values_found
            == self.values_processed
                + self.duplicates
                + self.rejected_total()
                + u64::from(self.header.is_some())
    }

    /// Whether the file could be uploaded as it is: no finding of any
    /// kind, so the platform would keep every row unchanged.
    pub fn conforms(&self) -> bool {
        self.file_findings.is_empty()
            && self.values_processed == self.values_found
            && self.fixed.iter().all(|&n| n == 0)
    }
}

struct Counts<'a, T>(&'a [(T, u64)]);

impl<T: Copy + Into<&'static str>> Serialize for Counts<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for &(key, n) in self.0 {
            map.serialize_entry(key.into(), &n)?;
        }
        map.end()
    }
}

impl From<Reject> for &'static str {
    fn from(r: Reject) -> &'static str {
        r.name()
    }
}

impl From<Fix> for &'static str {
    fn from(f: Fix) -> &'static str {
        f.name()
    }
}

impl Serialize for Stats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rejected: Vec<_> = self.rejected_counts().collect();
        let fixed: Vec<_> = self.fixed_counts().collect();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("input", &self.input)?;
        map.serialize_entry("bytes", &self.bytes)?;
        if let Some(n) = self.uncompressed_bytes {
            map.serialize_entry("uncompressed_bytes", &n)?;
        }
        map.serialize_entry("values_found", &self.values_found)?;
        map.serialize_entry("values_processed", &self.values_processed)?;
        map.serialize_entry("duplicates", &self.duplicates)?;
        map.serialize_entry("header", &self.header)?;
        map.serialize_entry("rejected", &Counts(&rejected))?;
        map.serialize_entry("fixed", &Counts(&fixed))?;
        map.serialize_entry("warnings", &self.warnings)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_in_spec_order_and_only_non_zero_counts() {
        let mut stats = Stats {
            input: "data.csv".into(),
            bytes: 10,
            values_found: 4,
            values_processed: 2,
            duplicates: 1,
            ..Stats::default()
        };
        stats.rejected[Reject::SpecialChar.index()] = 1;
        stats.fixed[Fix::Crlf.index()] = 2;
        let json = serde_json::to_string(&stats).unwrap();
        assert_eq!(
            json,
            r#"{"input":"data.csv","bytes":10,"values_found":4,"values_processed":2,"duplicates":1,"header":null,"rejected":{"special-char":1},"fixed":{"crlf":2},"warnings":[]}"#
        );
        assert!(stats.is_balanced());
        assert!(!stats.conforms());
    }
}
