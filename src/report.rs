//! The JSON document of `check --format json`, whole or streamed.

use std::io::{self, Write};

use serde::Serialize;

use crate::sink::Finding;
use crate::stats::Stats;

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
            detail: finding.detail().to_string(),
        }
    }
}

/// The JSON document of `check --format json`: the statistics, whether
/// the file conforms, the file-level findings by name, and the
/// diagnostics in line order.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
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
