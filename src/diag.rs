//! `check` output: diagnostics as text or JSON, and the summary.

use std::fmt::Write as _;
use std::io::{self, Write};

use segprep::{Finding, Kept, Sink, Stats};
use serde::Serialize;

/// The longest raw text a human diagnostic shows, in characters.
const HUMAN_RAW_LIMIT: usize = 120;

/// Escapes a raw row for display: printable text as is, everything
/// invisible or invalid as an escape (`\r`, `\x00`, `\u{a0}`, `\xFF`).
pub fn escape(raw: &[u8], limit: Option<usize>) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    let mut shown = 0;
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if limit.is_some_and(|limit| shown >= limit) {
                let _ = write!(out, "...({} bytes in all)", raw.len());
                return out;
            }
            shown += 1;
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02X}", c as u32);
                }
                c if c == ' ' || c.is_ascii() => out.push(c),
                c if c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}') =>
                {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            shown += 1;
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// One diagnostic of the JSON format.
#[derive(Debug, Serialize)]
pub struct Diagnostic {
    line: u64,
    rule: &'static str,
    kind: &'static str,
    raw: String,
    detail: String,
}

/// The JSON document of `check --format json`.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    #[serde(flatten)]
    pub stats: &'a Stats,
    pub conforms: bool,
    pub file_findings: Vec<&'static str>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where diagnostics go.
pub enum Target<W> {
    /// Written as lines as they come.
    Human { out: W, file: String },
    /// Collected for the JSON document.
    Json(Vec<Diagnostic>),
}

/// Receives the findings of `check`, capped per rule.
pub struct CheckSink<W> {
    target: Target<W>,
    max_per_rule: u64,
    shown: Vec<(&'static str, u64)>,
    /// Findings past the cap.
    pub hidden: u64,
}

impl<W: Write> CheckSink<W> {
    pub fn new(target: Target<W>, max_per_rule: u64) -> Self {
        CheckSink { target, max_per_rule, shown: Vec::new(), hidden: 0 }
    }

    pub fn into_target(self) -> Target<W> {
        self.target
    }

    fn finding(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        let rule = finding.rule();
        let count = match self.shown.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, n)) => n,
            None => {
                self.shown.push((rule, 0));
                &mut self.shown.last_mut().expect("just pushed").1
            }
        };
        if self.max_per_rule != 0 && *count >= self.max_per_rule {
            self.hidden += 1;
            return Ok(());
        }
        *count += 1;
        match &mut self.target {
            Target::Human { out, file } => writeln!(
                out,
                "{file}:{}: {rule} {}: \"{}\"",
                finding.line,
                finding.detail(),
                escape(finding.raw, Some(HUMAN_RAW_LIMIT)),
            ),
            Target::Json(diagnostics) => {
                diagnostics.push(Diagnostic {
                    line: finding.line,
                    rule,
                    kind: finding.kind_name(),
                    raw: String::from_utf8_lossy(finding.raw).into_owned(),
                    detail: finding.detail().to_string(),
                });
                Ok(())
            }
        }
    }
}

impl<W: Write> Sink for CheckSink<W> {
    type Error = io::Error;

    fn kept(&mut self, row: &Kept<'_>) -> io::Result<()> {
        for finding in row.findings() {
            self.finding(&finding)?;
        }
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        self.finding(finding)
    }
}

/// Writes the human summary that follows the diagnostics.
pub fn write_summary(
    out: &mut impl Write,
    file: &str,
    stats: &Stats,
    hidden: u64,
) -> io::Result<()> {
    for finding in &stats.file_findings {
        let detail = match finding {
            segprep::FileFinding::TooLarge => {
                format!("{} bytes, over --max-bytes", stats.content_bytes())
            }
            segprep::FileFinding::Compressed => "the input is gzip; upload \
                 the plain CSV that `segprep clean` writes"
                .to_string(),
            segprep::FileFinding::EmptyFile => {
                "no value would be processed".to_string()
            }
            _ => String::new(),
        };
        writeln!(out, "{file}: {} {detail}", finding.name())?;
    }
    let rejected = stats.rejected_total();
    writeln!(
        out,
        "\n{file}: {} rows (values_found): {} kept (values_processed), {} \
         duplicate, {} rejected, {} header",
        stats.values_found,
        stats.values_processed,
        stats.duplicates,
        rejected,
        u64::from(stats.header.is_some()),
    )?;
    let list = |counts: Vec<(&str, u64)>| {
        counts
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if rejected > 0 {
        let counts = stats.rejected_counts().map(|(r, n)| (r.name(), n));
        writeln!(out, "  rejected: {}", list(counts.collect()))?;
    }
    let fixed: Vec<_> =
        stats.fixed_counts().map(|(f, n)| (f.name(), n)).collect();
    if !fixed.is_empty() {
        writeln!(out, "  fixed:    {}", list(fixed))?;
    }
    for warning in &stats.warnings {
        writeln!(out, "  warning:  {warning}")?;
    }
    if hidden > 0 {
        writeln!(
            out,
            "  ({hidden} more findings not shown; --max-diagnostics 0 shows \
             all)"
        )?;
    }
    if stats.conforms() {
        writeln!(out, "{file}: conforms: ready to upload as it is")
    } else {
        writeln!(
            out,
            "{file}: does not conform: run `segprep clean` to fix it"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_invisible_and_invalid() {
        assert_eq!(escape(b"a#bc", None), "a#bc");
        assert_eq!(escape(b" a\t\"\\", None), " a\\t\\\"\\\\");
        assert_eq!(
            escape("é\u{a0}\u{200b}\u{feff}".as_bytes(), None),
            "é\\u{a0}\\u{200b}\\u{feff}"
        );
        assert_eq!(escape(b"\x00\x7f\xff\r", None), "\\x00\\x7F\\xFF\\r");
        assert_eq!(escape(b"abcdef", Some(3)), "abc...(6 bytes in all)");
    }
}
