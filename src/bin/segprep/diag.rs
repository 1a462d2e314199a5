//! `check` output: diagnostics as text or JSON, and the summary.

use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use segprep::{
    Detail, FileFinding, Finding, FindingKind, Fix, IdType, JsonReport, Kept,
    Reject, Rule, RunOptions, Sink, Stats, WarningCode, DAILY_VALUE_LIMIT,
};

/// The longest raw text a human diagnostic shows, in characters.
const HUMAN_RAW_LIMIT: usize = 120;

/// Escapes a raw row for display: printable text as is, everything
/// invisible or invalid as an escape (`\r`, `\x00`, `\u{a0}`, `\xFF`).
pub fn escape(raw: &[u8], limit: Option<usize>) -> String {
    // A row shown cut to `limit` characters needs room for those only
    // (an escape takes at most 10 bytes), however long the row is.
    let room = limit.map_or(raw.len(), |limit| raw.len().min(limit * 10));
    let mut out = String::with_capacity(room + 2);
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

/// `n` with thousands separators: `4,324,325`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 4 / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun that agrees with it: `1 row`, `4,324,325 rows`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// A size for a person: `160,000,025 bytes (160.0 MB)`, in powers of
/// 1000 like the platform's 150 MB and the size suffixes.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    let exact = counted(n, "byte", "bytes");
    if n < 1000 {
        return exact;
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{exact} ({value:.1} {})", UNITS[unit])
}

/// Where diagnostics go.
pub enum Target<W> {
    /// Written as lines as they come.
    Human { out: W, file: String, styles: Styles },
    /// Written into the JSON document (or JSON Lines) as they come.
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
    /// Received `special-char` findings, and those whose character
    /// separates fields in common exports (by `SEPARATORS` index).
    special: (u64, [u64; SEPARATORS.len()]),
    /// `invalid-utf8` rows received, and how many read as Windows-1252
    /// text.
    not_utf8: (u64, u64),
    /// Per separator (by `SEPARATORS` index): the field count of the
    /// first row it splits, and whether every such row had that count.
    fields: [(usize, bool); SEPARATORS.len()],
    /// `special-char` and (for id type numeric) `bad-format` findings
    /// received, and how many of them look like phone numbers.
    phones: (u64, u64),
    /// What the hints depend on: the id type and the size limit.
    id_type: IdType,
    max_bytes: u64,
    /// The longest clean value with its LF, when the clean file is over
    /// `max_bytes`: a part must hold it.
    longest: Option<u64>,
}

/// Whether a row looks like a phone number written for people: 7 to 15
/// digits with spaces, dots, dashes or parentheses between them.
fn looks_like_phone(raw: &[u8]) -> bool {
    let text = raw.trim_ascii();
    let text = text.strip_prefix(b"+").unwrap_or(text);
    let digits = text.iter().filter(|b| b.is_ascii_digit()).count();
    let marks = text
        .iter()
        .filter(|b| matches!(b, b' ' | b'.' | b'-' | b'(' | b')'))
        .count();
    marks > 0 && (7..=15).contains(&digits) && digits + marks == text.len()
}

/// Whether bytes that are not UTF-8 read as Windows-1252 text: no
/// control character but tab, none of the five bytes it leaves
/// undefined, and some byte above ASCII.
fn reads_as_windows_1252(raw: &[u8]) -> bool {
    raw.iter().any(|&b| b >= 0x80)
        && raw.iter().all(|&b| {
            (b >= 0x20 || b == b'\t')
                && b != 0x7F
                && !matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)
        })
}

/// Field separators of common exports, and how `--delimiter` names them.
const SEPARATORS: [(char, &str); 4] =
    [('\t', "tab"), (';', ";"), ('|', "|"), (',', ",")];

impl<W: Write> CheckSink<W> {
    /// A sink for the findings of a run with `stats`.
    pub fn new(target: Target<W>, max_per_rule: u64, stats: &Stats) -> Self {
        let totals =
            std::array::from_fn(|slot| rule_count(stats, slot_rule(slot)));
        let mut sink = CheckSink {
            target,
            max_per_rule,
            totals,
            seen: [None; SLOTS],
            open: 0,
            special: (0, [0; SEPARATORS.len()]),
            not_utf8: (0, 0),
            fields: [(0, true); SEPARATORS.len()],
            phones: (0, 0),
            id_type: IdType::String,
            max_bytes: u64::MAX,
            longest: None,
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

    /// Tells the hints the run's options.
    pub fn options(&mut self, options: &RunOptions) {
        self.id_type = options.id_type;
        self.max_bytes = options.max_bytes;
    }

    /// Tells the hints the longest clean value, with its LF.
    pub fn longest_value(&mut self, bytes: u64) {
        self.longest = Some(bytes);
    }

    /// Whether parts of `max_bytes` can hold the clean file: not when a
    /// value is longer (or the limit is 0).
    fn splittable(&self) -> bool {
        self.max_bytes > 0
            && self.longest.is_none_or(|longest| longest <= self.max_bytes)
    }

    pub fn into_target(self) -> Target<W> {
        self.target
    }

    /// Takes the target out, leaving the counts.
    pub fn take_target(&mut self) -> Target<W> {
        std::mem::replace(&mut self.target, Target::Quiet)
    }

    /// The line of the first finding of `rule`, if any.
    pub fn first_line(&self, rule: Rule) -> Option<u64> {
        self.seen[slot(rule)].map(|(_, line)| line)
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

    /// The separator of most received `special-char` findings, when it
    /// is at least half of them and splits each of those rows into the
    /// same number of fields: rows of several columns.
    pub fn separator(&self) -> Option<(char, &'static str)> {
        let (all, by_separator) = &self.special;
        let (i, &n) = by_separator.iter().enumerate().max_by_key(|p| p.1)?;
        let consistent = self.fields[i].1;
        (n > 0 && 2 * n >= *all && consistent).then_some(SEPARATORS[i])
    }

    /// Whether most received rejects that could be phone numbers are.
    fn phones(&self) -> bool {
        let (all, phones) = self.phones;
        phones > 0 && 2 * phones >= all
    }

    fn finding(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        if let FindingKind::Reject(Reject::InvalidUtf8, _) = finding.kind {
            self.not_utf8.0 += 1;
            self.not_utf8.1 += u64::from(reads_as_windows_1252(finding.raw));
        }
        if let FindingKind::Reject(Reject::SpecialChar, detail) = finding.kind
        {
            self.special.0 += 1;
            if let Detail::Char(c) = detail {
                if let Some(i) = SEPARATORS.iter().position(|s| s.0 == c) {
                    self.special.1[i] += 1;
                    let n = finding.raw.split(|&b| char::from(b) == c).count();
                    let (first, consistent) = &mut self.fields[i];
                    if *first == 0 {
                        *first = n;
                    }
                    *consistent &= *first == n;
                }
            }
        }
        let phone_rule = match finding.kind {
            FindingKind::Reject(Reject::SpecialChar, _) => true,
            FindingKind::Reject(Reject::BadFormat, _) => {
                self.id_type == IdType::Numeric
            }
            _ => false,
        };
        if phone_rule
            && matches!(self.id_type, IdType::String | IdType::Numeric)
        {
            self.phones.0 += 1;
            self.phones.1 += u64::from(looks_like_phone(finding.raw));
        }
        let rule = finding.rule();
        let slot = slot(finding.rule());
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
                let style = styles.rule(finding.rule().kind_name());
                writeln!(
                    out,
                    "{path}{file}{path:#}:{}: {style}{rule}{style:#} {}: \"{}\"",
                    finding.line,
                    finding.detail(),
                    escape(finding.raw, Some(HUMAN_RAW_LIMIT)),
                )
            }
            Target::Json(report) => report.finding(finding),
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

/// A rule as a number below `SLOTS`, so counting per rule compares no
/// strings.
fn slot(rule: Rule) -> usize {
    match rule {
        Rule::Fix(fix) => fix.index(),
        Rule::Reject(reject) => Fix::ALL.len() + reject.index(),
        Rule::Duplicate => SLOTS - 2,
        Rule::Header => SLOTS - 1,
    }
}

/// The rule at `slot`.
fn slot_rule(slot: usize) -> Rule {
    Rule::all().nth(slot).expect("a slot is below SLOTS")
}

/// Rules in pipeline order, with what to do about each.
const RULES: &[(Rule, &str)] = &[
    (Rule::Fix(Fix::Bom), "clean removes the byte order mark"),
    (Rule::Fix(Fix::Crlf), "clean removes the CR of Windows line ends"),
    (
        Rule::Reject(Reject::InvalidUtf8),
        "not UTF-8: export the file again as UTF-8",
    ),
    (Rule::Fix(Fix::Whitespace), "clean trims the white space around values"),
    (Rule::Fix(Fix::TrailingComma), "clean drops the empty fields at the end"),
    (Rule::Fix(Fix::Quoted), "clean removes the quotes"),
    (
        Rule::Fix(Fix::ExcelDecimal),
        "clean removes the .0 a spreadsheet added to the number",
    ),
    (
        Rule::Reject(Reject::BadQuoting),
        "broken quotes: fix them in the source",
    ),
    (Rule::Reject(Reject::EmptyRow), "clean drops empty rows"),
    (
        Rule::Reject(Reject::MultiColumn),
        "more than one column: pick one with --column N|NAME",
    ),
    (
        Rule::Reject(Reject::MissingColumn),
        "fewer fields than --column asks: a short or broken row",
    ),
    (Rule::Header, "row 1 is a header, not a value: clean drops it"),
    (
        Rule::Reject(Reject::ExcelScientific),
        "a spreadsheet wrote the number as 4.41E+11: export the column as \
         text",
    ),
    (Rule::Fix(Fix::Case), "clean folds letters to the id type's case"),
    (
        Rule::Fix(Fix::PhoneFormat),
        "clean writes + and digits (E.164 with --default-region)",
    ),
    (
        Rule::Reject(Reject::SpecialChar),
        "characters the platform refuses (--allow-chars to keep)",
    ),
    (Rule::Reject(Reject::TooLong), "longer than --max-value-len: not an id"),
    (
        Rule::Reject(Reject::BadFormat),
        "not the --id-type's format: wrong column or id type?",
    ),
    (
        Rule::Reject(Reject::ZeroAdId),
        "all-zero ad id: a device that opted out, matches nobody",
    ),
    (Rule::Reject(Reject::NotANumber), "not a decimal number"),
    (
        Rule::Reject(Reject::ImpreciseNumber),
        "above 2^53: a double would hold another id",
    ),
    (
        Rule::Fix(Fix::NumberFormat),
        "clean writes the number in canonical form",
    ),
    (Rule::Duplicate, "clean keeps the first occurrence"),
];

/// How many rows a rule counts in the statistics.
fn rule_count(stats: &Stats, rule: Rule) -> u64 {
    match rule {
        Rule::Fix(fix) => stats.fixed(fix),
        Rule::Reject(reject) => stats.rejected(reject),
        Rule::Duplicate => stats.duplicates,
        Rule::Header => u64::from(stats.header.is_some()),
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
        "\n{path}{file}{path:#}: {} (values_found), {} to upload \
         (values_processed)",
        counted(stats.values_found, "row", "rows"),
        counted(stats.values_processed, "value", "values"),
    )?;
    let rows: Vec<(Rule, &str, u64)> = RULES
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
        let hint = rule_hint(rule, sink).unwrap_or(hint.to_string());
        let first =
            sink.first_line(rule).map_or("-".to_string(), |l| l.to_string());
        let style = styles.rule(rule.kind_name());
        // Padded outside the style, so the colour covers the name only,
        // as on the diagnostic lines.
        let pad = 17usize.saturating_sub(rule.name().len());
        writeln!(
            out,
            "  {style}{rule}{style:#}{:pad$} {:>9} {first:>10}  {hint}",
            "",
            count(n)
        )?;
    }
    let clean_too_large = stats.clean_bytes > sink.max_bytes;
    // A part must hold a whole value: no advice to split when none can.
    let unsplittable = match sink.longest {
        Some(longest) if clean_too_large && !sink.splittable() => {
            Some(longest)
        }
        _ => None,
    };
    for finding in &stats.file_findings {
        let detail = match finding {
            FileFinding::TooLarge if unsplittable.is_some() => format!(
                "{}, over --max-bytes {}; so is the clean file ({}), and \
                 no part of it can be: its longest value takes {} with its \
                 LF",
                bytes(stats.content_bytes()),
                count(sink.max_bytes),
                bytes(stats.clean_bytes),
                bytes(unsplittable.unwrap_or_default()),
            ),
            FileFinding::TooLarge if clean_too_large => format!(
                "{}, over --max-bytes {}; so is the clean file ({}): \
                 clean --split-bytes {} writes it in parts",
                bytes(stats.content_bytes()),
                count(sink.max_bytes),
                bytes(stats.clean_bytes),
                count(sink.max_bytes),
            ),
            FileFinding::TooLarge => format!(
                "{}, over --max-bytes {}; the clean file fits ({}): upload \
                 the file clean writes",
                bytes(stats.content_bytes()),
                count(sink.max_bytes),
                bytes(stats.clean_bytes),
            ),
            FileFinding::EmptyFile => "no value would be uploaded".to_string(),
            FileFinding::Compressed => {
                "compressed: upload the plain CSV that clean writes"
                    .to_string()
            }
            FileFinding::Encoding => {
                "not UTF-8: upload the UTF-8 file that clean writes"
                    .to_string()
            }
            _ => String::new(),
        };
        let bad = styles.bad;
        writeln!(out, "  {bad}{}{bad:#}: {detail}", finding.name())?;
    }
    for (warning, code) in stats.warnings.iter().zip(stats.warning_codes()) {
        writeln!(out, "  warning: {warning}")?;
        if let Some(hint) = warning_hint(code) {
            writeln!(out, "    {hint}")?;
        }
    }
    let hidden = sink.hidden();
    if hidden > 0 {
        writeln!(
            out,
            "{dim}  ({} not shown; --max-diagnostics 0 shows all){dim:#}",
            counted(hidden, "more finding", "more findings"),
        )?;
    }
    if stats.conforms() {
        let good = styles.good;
        return writeln!(
            out,
            "{good}ready to upload{good:#}: the platform would keep {} as \
             they are",
            match stats.values_processed {
                1 => "the 1 value".to_string(),
                n => format!("all {} values", count(n)),
            }
        );
    }
    let dropped = stats.values_found - stats.values_processed;
    let mut reasons = Vec::new();
    if dropped > 0 {
        let rows = counted(dropped, "row", "rows");
        reasons.push(format!("{rows} would be dropped"));
    }
    if stats.fixed_counts().next().is_some() {
        reasons.push("values need fixing".to_string());
    }
    reasons.extend(stats.file_findings.iter().map(|f| f.name().to_string()));
    let bad = styles.bad;
    // Cleaning would write an empty file: nothing to run it for.
    let next = if stats.values_found == 0 {
        "the file has no rows: clean would write an empty file".to_string()
    } else if stats.values_processed == 0 {
        "clean would write an empty file, as no row passes: check \
         --id-type and --column, or fix the source"
            .to_string()
    } else if let Some(longest) = unsplittable {
        format!(
            "no file of at most --max-bytes {} can hold its longest value \
             ({})",
            count(sink.max_bytes),
            bytes(longest),
        )
    } else if clean_too_large {
        "run `segprep clean` with --split-bytes (it fixes what it can and \
         lists the rest with --rejects)"
            .to_string()
    } else {
        "run `segprep clean` (it fixes what it can and lists the rest with \
         --rejects)"
            .to_string()
    };
    writeln!(
        out,
        "{bad}not ready to upload{bad:#}: {}; {next}",
        reasons.join(", ")
    )
}

/// What to do about a rule, when the findings say more than the rule's
/// usual hint.
fn rule_hint<W: Write>(rule: Rule, sink: &CheckSink<W>) -> Option<String> {
    match rule {
        // Rows of several columns split by another character.
        Rule::Reject(Reject::SpecialChar) => {
            if let Some((c, name)) = sink.separator() {
                return Some(format!(
                    "values hold {c:?}: pick one column with --delimiter \
                     {name} --column N|NAME"
                ));
            }
            sink.phones().then(|| PHONE_HINT.to_string())
        }
        Rule::Reject(Reject::BadFormat) if sink.id_type == IdType::Numeric => {
            sink.phones().then(|| PHONE_HINT.to_string())
        }
        // Rows that are not UTF-8 but all read as Windows-1252.
        Rule::Reject(Reject::InvalidUtf8)
            if sink.not_utf8.0 > 0 && sink.not_utf8.1 == sink.not_utf8.0 =>
        {
            Some(
                "not UTF-8, but they read as Windows-1252: --encoding \
                 windows-1252 converts them"
                    .to_string(),
            )
        }
        _ => None,
    }
}

/// The hint for rows that are phone numbers written for people.
const PHONE_HINT: &str = "phone numbers with spaces, dots or parentheses: \
                          --id-type phone writes them as + and digits";

/// What the command line offers for a warning, in its flags' words.
pub fn warning_hint(code: WarningCode) -> Option<String> {
    match code {
        WarningCode::NoCountryCode => Some(
            "give --default-region CC (such as US) to write them as \
             +<country code><number>"
                .to_string(),
        ),
        WarningCode::DailyLimit => Some(format!(
            "clean --split-values {} writes parts of at most {} values, \
             one a day",
            DAILY_VALUE_LIMIT,
            count(DAILY_VALUE_LIMIT)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn numbers_for_people() {
        let counts = [(0, "0"), (999, "999"), (1000, "1,000")];
        for (n, text) in counts {
            assert_eq!(count(n), text);
        }
        assert_eq!(count(4_324_325), "4,324,325");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(counted(1, "row", "rows"), "1 row");
        assert_eq!(counted(0, "row", "rows"), "0 rows");
        assert_eq!(counted(1234, "row", "rows"), "1,234 rows");
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(1000), "1,000 bytes (1.0 KB)");
        assert_eq!(bytes(160_000_025), "160,000,025 bytes (160.0 MB)");
        assert_eq!(bytes(999_960), "999,960 bytes (1.0 MB)");
        assert_eq!(bytes(1_500_000_000), "1,500,000,000 bytes (1.5 GB)");
    }
}
