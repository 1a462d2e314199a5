//! `check` output: diagnostics as text or JSON, and the summary.

use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use segprep::{
    FileFinding, Finding, FindingKind, Fix, Kept, Reject, Sink, Stats,
};
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
pub struct JsonReport<W> {
    out: W,
    diagnostics: u64,
}

impl<W: Write> JsonReport<W> {
    /// Writes everything before the first diagnostic.
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

    fn diagnostic(&mut self, diagnostic: &Diagnostic) -> io::Result<()> {
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
    pub fn finish(mut self) -> io::Result<W> {
        let end: &[u8] =
            if self.diagnostics == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" };
        self.out.write_all(end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Where diagnostics go.
pub enum Target<W> {
    /// Written as lines as they come.
    Human { out: W, file: String, styles: Styles },
    /// Written into the JSON document as they come.
    Json(JsonReport<W>),
    /// Counted only (`--quiet`).
    Quiet,
}

/// Terminal styles; all empty when colours are off.
#[derive(Clone, Copy, Debug, Default)]
pub struct Styles {
    path: Style,
    fix: Style,
    reject: Style,
    dropped: Style,
    good: Style,
    bad: Style,
    dim: Style,
}

impl Styles {
    pub fn new(color: bool) -> Styles {
        if !color {
            return Styles::default();
        }
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        Styles {
            path: fg(AnsiColor::Magenta),
            fix: fg(AnsiColor::Yellow),
            reject: fg(AnsiColor::Red).bold(),
            dropped: fg(AnsiColor::Cyan),
            good: fg(AnsiColor::Green).bold(),
            bad: fg(AnsiColor::Red).bold(),
            dim: Style::new().dimmed(),
        }
    }

    fn rule(&self, kind: &str) -> Style {
        match kind {
            "fix" => self.fix,
            "reject" => self.reject,
            _ => self.dropped,
        }
    }
}

/// Receives the findings of `check`, capped per rule.
pub struct CheckSink<W> {
    target: Target<W>,
    max_per_rule: u64,
    /// Per rule (by `slot`): its findings in the statistics.
    totals: [u64; SLOTS],
    /// Per rule: findings received, and the line of the first.
    seen: [Option<(u64, u64)>; SLOTS],
    /// Rules with findings still to show.
    open: usize,
}

impl<W: Write> CheckSink<W> {
    /// A sink for the findings of a run with `stats`.
    pub fn new(target: Target<W>, max_per_rule: u64, stats: &Stats) -> Self {
        let totals =
            std::array::from_fn(|slot| rule_count(stats, slot_name(slot)));
        let mut sink = CheckSink {
            target,
            max_per_rule,
            totals,
            seen: [None; SLOTS],
            open: 0,
        };
        sink.open = (0..SLOTS).filter(|&slot| sink.to_show(slot) > 0).count();
        sink
    }

    /// How many findings of the rule at `slot` are shown.
    fn to_show(&self, slot: usize) -> u64 {
        match self.max_per_rule {
            0 => self.totals[slot],
            max => self.totals[slot].min(max),
        }
    }

    pub fn into_target(self) -> Target<W> {
        self.target
    }

    /// Takes the target out, leaving the counts.
    pub fn take_target(&mut self) -> Target<W> {
        std::mem::replace(&mut self.target, Target::Quiet)
    }

    /// The line of the first finding of `rule`, if any.
    pub fn first_line(&self, rule: &str) -> Option<u64> {
        let slot = (0..SLOTS).find(|&slot| slot_name(slot) == rule)?;
        self.seen[slot].map(|(_, line)| line)
    }

    /// Findings past the cap. Once every rule has shown its share, the
    /// rest of each rule is its total less what was received.
    pub fn hidden(&self) -> u64 {
        (0..SLOTS)
            .map(|slot| {
                let received = self.seen[slot].map_or(0, |(n, _)| n);
                let shown = match self.max_per_rule {
                    0 => received,
                    max => received.min(max),
                };
                let all = if self.open == 0 {
                    self.totals[slot].max(received)
                } else {
                    received
                };
                all - shown
            })
            .sum()
    }

    fn finding(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        let rule = finding.rule();
        let slot = slot(finding);
        let to_show = self.to_show(slot);
        let (received, _) = self.seen[slot].get_or_insert((0, finding.line));
        *received += 1;
        if *received == to_show {
            self.open -= 1;
        }
        if self.max_per_rule != 0 && *received > self.max_per_rule {
            return Ok(());
        }
        match &mut self.target {
            Target::Human { out, file, styles } => {
                let path = styles.path;
                let style = styles.rule(finding.kind_name());
                writeln!(
                    out,
                    "{path}{file}{path:#}:{}: {style}{rule}{style:#} {}: \"{}\"",
                    finding.line,
                    finding.detail(),
                    escape(finding.raw, Some(HUMAN_RAW_LIMIT)),
                )
            }
            Target::Json(report) => report.diagnostic(&Diagnostic {
                line: finding.line,
                rule,
                kind: finding.kind_name(),
                raw: String::from_utf8_lossy(finding.raw).into_owned(),
                detail: finding.detail().to_string(),
            }),
            Target::Quiet => Ok(()),
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

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn wants_more(&self) -> bool {
        self.open > 0
    }
}

/// Every rule: the fixes, the rejects, `duplicate` and `header`.
const SLOTS: usize = Fix::ALL.len() + Reject::ALL.len() + 2;

/// A finding's rule as a number below `SLOTS`, so counting per rule
/// compares no strings.
fn slot(finding: &Finding<'_>) -> usize {
    match finding.kind {
        FindingKind::Fix(fix) => fix.index(),
        FindingKind::Reject(reject, _) => Fix::ALL.len() + reject.index(),
        FindingKind::Duplicate { .. } => SLOTS - 2,
        _ => SLOTS - 1,
    }
}

fn slot_name(slot: usize) -> &'static str {
    let fixes = Fix::ALL.len();
    match slot {
        s if s < fixes => Fix::ALL[s].name(),
        s if s < fixes + Reject::ALL.len() => Reject::ALL[s - fixes].name(),
        s if s == SLOTS - 2 => "duplicate",
        _ => "header",
    }
}

/// Rule names in pipeline order, with what to do about each.
const RULES: &[(&str, &str)] = &[
    ("bom", "clean removes the byte order mark"),
    ("crlf", "clean removes the CR of Windows line ends"),
    ("invalid-utf8", "not UTF-8: export the file again as UTF-8"),
    ("whitespace", "clean trims the white space around values"),
    ("trailing-comma", "clean drops the empty fields at the end"),
    ("quoted", "clean removes the quotes"),
    ("bad-quoting", "broken quotes: fix them in the source"),
    ("empty-row", "clean drops empty rows"),
    ("multi-column", "more than one column: export the id column alone"),
    ("header", "row 1 is a header, not a value: clean drops it"),
    ("case", "clean folds letters to the id type's case"),
    ("phone-format", "clean removes phone punctuation"),
    (
        "special-char",
        "characters the platform refuses (--allow-chars to keep)",
    ),
    ("too-long", "longer than --max-value-len: not an id"),
    ("bad-format", "not the --id-type's format: wrong column or id type?"),
    ("zero-ad-id", "all-zero ad id: a device that opted out, matches nobody"),
    ("not-a-number", "not a decimal number"),
    ("imprecise-number", "above 2^53: a double would hold another id"),
    ("number-format", "clean writes the number in canonical form"),
    ("duplicate", "clean keeps the first occurrence"),
];

/// How many rows a rule counts in the statistics.
fn rule_count(stats: &Stats, rule: &str) -> u64 {
    if let Some(fix) = Fix::ALL.into_iter().find(|f| f.name() == rule) {
        return stats.fixed(fix);
    }
    if let Some(r) = Reject::ALL.into_iter().find(|r| r.name() == rule) {
        return stats.rejected(r);
    }
    match rule {
        "duplicate" => stats.duplicates,
        "header" => u64::from(stats.header.is_some()),
        _ => 0,
    }
}

/// Writes the human summary that follows the diagnostics: totals, a line
/// per rule with its count, first line and what to do, then a verdict.
pub fn write_summary<W: Write>(
    out: &mut impl Write,
    file: &str,
    stats: &Stats,
    sink: &CheckSink<W>,
    styles: &Styles,
) -> io::Result<()> {
    let path = styles.path;
    let dim = styles.dim;
    writeln!(
        out,
        "\n{path}{file}{path:#}: {} rows (values_found), {} values to upload \
         (values_processed)",
        stats.values_found, stats.values_processed,
    )?;
    let rows: Vec<(&str, &str, u64)> = RULES
        .iter()
        .map(|&(rule, hint)| (rule, hint, rule_count(stats, rule)))
        .filter(|&(.., n)| n > 0)
        .collect();
    if !rows.is_empty() {
        writeln!(
            out,
            "{dim}  {:<17} {:>9} {:>10}  what to do{dim:#}",
            "rule", "rows", "first line"
        )?;
    }
    for (rule, hint, n) in rows {
        let first =
            sink.first_line(rule).map_or("-".to_string(), |l| l.to_string());
        let kind = if Fix::ALL.iter().any(|f| f.name() == rule) {
            "fix"
        } else {
            "reject"
        };
        let style = styles.rule(kind);
        writeln!(
            out,
            "  {style}{rule:<17}{style:#} {n:>9} {first:>10}  {hint}"
        )?;
    }
    for finding in &stats.file_findings {
        let detail = match finding {
            FileFinding::TooLarge => format!(
                "{} bytes, over --max-bytes: use clean --split-bytes",
                stats.content_bytes()
            ),
            FileFinding::EmptyFile => "no value would be uploaded".to_string(),
            FileFinding::Compressed => {
                "gzip: upload the plain CSV that clean writes".to_string()
            }
            _ => String::new(),
        };
        let bad = styles.bad;
        writeln!(out, "  {bad}{}{bad:#}: {detail}", finding.name())?;
    }
    for warning in &stats.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    let hidden = sink.hidden();
    if hidden > 0 {
        writeln!(
            out,
            "{dim}  ({} more findings not shown; --max-diagnostics 0 shows \
             all){dim:#}",
            hidden
        )?;
    }
    if stats.conforms() {
        let good = styles.good;
        return writeln!(
            out,
            "{good}ready to upload{good:#}: the platform would keep all {} \
             values as they are",
            stats.values_processed
        );
    }
    let dropped = stats.values_found - stats.values_processed;
    let mut reasons = Vec::new();
    if dropped > 0 {
        reasons.push(format!("{dropped} rows would be dropped"));
    }
    if stats.fixed_counts().next().is_some() {
        reasons.push("values need fixing".to_string());
    }
    reasons.extend(stats.file_findings.iter().map(|f| f.name().to_string()));
    let bad = styles.bad;
    writeln!(
        out,
        "{bad}not ready to upload{bad:#}: {}; run `segprep clean` (it fixes \
         what it can and lists the rest with --rejects)",
        reasons.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_json_report_is_the_pretty_printed_one() {
        let mut stats = Stats::default();
        stats.input = "in.csv".into();
        stats.header = Some("id \"x\"\n".into());
        stats.warnings = vec!["a\nb".into()];
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
