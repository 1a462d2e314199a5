//! The JSON document of `check --format json`, whole or streamed.

use std::io::{self, Write};

use serde::Serialize;

use crate::sink::Finding;
use crate::stats::{Stats, CHECK_SCHEMA};

/// One diagnostic of the JSON format: a finding about one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: u64,
    /// The rule's name.
    pub rule: &'static str,
    /// `fix`, `reject`, `duplicate` or `header`.
    pub kind: &'static str,
    /// The row as it was (invalid UTF-8 replaced by U+FFFD).
    pub raw: String,
    /// The row's bytes exactly, in base64 (RFC 4648), when they are not
    /// UTF-8 and `raw` cannot hold them: what `rg --json` does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_base64: Option<String>,
    /// Why, in words.
    pub detail: String,
}

impl Diagnostic {
    /// The diagnostic of `finding`.
    pub fn new(finding: &Finding<'_>) -> Diagnostic {
        let rule = finding.rule();
        Diagnostic {
            line: finding.line,
            rule: rule.name(),
            kind: rule.kind_name(),
            raw: String::from_utf8_lossy(finding.raw).into_owned(),
            raw_base64: std::str::from_utf8(finding.raw)
                .is_err()
                .then(|| base64(finding.raw)),
            detail: finding.detail().to_string(),
        }
    }
}

/// `bytes` in standard base64 with padding (RFC 4648, section 4). A
/// dozen lines rather than a dependency the Python package would have
/// to lock too.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        // Four 6-bit digits; a short group pads the ones it lacks.
        for i in 0..4 {
            if i <= group.len() {
                let digit = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[digit as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The JSON document of `check --format json`: the statistics, whether
/// the file conforms, the file-level findings by name, and the
/// diagnostics in line order.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    /// The document's name and version: [`CHECK_SCHEMA`].
    pub schema: &'static str,
    /// The statistics of the run.
    #[serde(flatten)]
    pub stats: &'a Stats,
    /// Whether the file could be uploaded as it is.
    pub conforms: bool,
    /// The file-level findings' names.
    pub file_findings: Vec<&'static str>,
    /// The diagnostics, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> CheckReport<'a> {
    /// The report of a run with `stats` and these diagnostics.
    pub fn new(stats: &'a Stats, diagnostics: Vec<Diagnostic>) -> Self {
        CheckReport {
            schema: CHECK_SCHEMA,
            stats,
            conforms: stats.conforms(),
            file_findings: stats
                .file_findings
                .iter()
                .map(|f| f.name())
                .collect(),
            diagnostics,
        }
    }
}

/// Writes the JSON document as the diagnostics come, so that a run that
/// shows millions of them holds none: the bytes are those of serde_json's
/// pretty printer for the whole [`CheckReport`].
#[derive(Debug)]
pub struct JsonReport<W> {
    out: W,
    diagnostics: u64,
}

impl<W: Write> JsonReport<W> {
    /// Writes everything before the first diagnostic.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn start(mut out: W, stats: &Stats) -> io::Result<Self> {
        let head =
            serde_json::to_vec_pretty(&CheckReport::new(stats, vec![]))?;
        // The diagnostics come last: the head ends with them, empty.
        let head = head
            .strip_suffix(b"[]\n}")
            .expect("the report ends with its diagnostics");
        out.write_all(head)?;
        out.write_all(b"[")?;
        Ok(JsonReport { out, diagnostics: 0 })
    }

    /// Writes one diagnostic; they come in line order.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn diagnostic(&mut self, diagnostic: &Diagnostic) -> io::Result<()> {
        let text = serde_json::to_string_pretty(diagnostic)?;
        let before: &[u8] = if self.diagnostics == 0 { b"\n" } else { b",\n" };
        self.out.write_all(before)?;
        // Strings are escaped, so the printer's lines are the object's;
        // each moves in by the array's depth.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(b"    ")?;
            self.out.write_all(line.as_bytes())?;
        }
        self.diagnostics += 1;
        Ok(())
    }

    /// Closes the document and hands the writer back, flushed.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn finish(mut self) -> io::Result<W> {
        let end: &[u8] =
            if self.diagnostics == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" };
        self.out.write_all(end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_the_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (text, encoded) in vectors {
            assert_eq!(base64(text.as_bytes()), encoded, "{text:?}");
        }
        assert_eq!(base64(b"\xff\xfe\x00a"), "//4AYQ==");
    }

    #[test]
    fn the_streamed_json_report_is_the_pretty_printed_one() {
        let stats = Stats {
            input: "in.csv".into(),
            header: Some("id \"x\"\n".into()),
            warnings: vec!["a\nb".into()],
            ..Stats::default()
        };
        let diagnostic = |line| Diagnostic {
            line,
            rule: "special-char",
            kind: "reject",
            raw: "a\n\"b\"\t\u{a0}".into(),
            raw_base64: (line == 2).then(|| "/w==".into()),
            detail: "the character '\"'".into(),
        };
        for count in [0, 1, 3] {
            let diagnostics: Vec<Diagnostic> =
                (1..=count).map(diagnostic).collect();
            let mut streamed = JsonReport::start(Vec::new(), &stats).unwrap();
            for d in &diagnostics {
                streamed.diagnostic(d).unwrap();
            }
            let streamed = streamed.finish().unwrap();
            let mut whole = serde_json::to_vec_pretty(&CheckReport::new(
                &stats,
                diagnostics,
            ))
            .unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{count} diagnostics"
            );
        }
    }
}
