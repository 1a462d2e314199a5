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

/// `bytes` in standard base64 with padding (RFC 4648, section 4).
fn base64(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    base64_into(bytes, &mut out);
    String::from_utf8(out).expect("base64 is ASCII")
}

/// Appends `bytes` in base64 to `out`. A dozen lines rather than a
/// dependency the Python package would have to lock too. Pieces whose
/// lengths are multiples of 3 make the base64 of the whole, in pieces.
fn base64_into(bytes: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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
                out.push(ALPHABET[digit as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
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
/// shows millions of them holds none, and a long row goes out in pieces
/// rather than copied: the bytes are those of serde_json for the whole
/// [`CheckReport`], pretty printed ([`JsonReport::start`]) or on one
/// line ([`JsonReport::line`]).
#[derive(Debug)]
pub struct JsonReport<W> {
    out: W,
    pretty: bool,
    diagnostics: u64,
    /// A piece of a string, escaped; reused.
    scratch: Vec<u8>,
}

/// The most bytes of a row escaped or encoded at once.
const PIECE: usize = 48 << 10;

/// A diagnostic's row: a finding's bytes, or a [`Diagnostic`]'s text
/// and base64.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Bytes(&'a [u8]),
    Text(&'a str, Option<&'a str>),
}

impl<W: Write> JsonReport<W> {
    /// Writes everything before the first diagnostic of the pretty
    /// printed document.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn start(out: W, stats: &Stats) -> io::Result<Self> {
        Self::begin(out, stats, true)
    }

    /// Writes everything before the first diagnostic of the document on
    /// one line, for JSON Lines; [`JsonReport::finish`] ends the line.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn line(out: W, stats: &Stats) -> io::Result<Self> {
        Self::begin(out, stats, false)
    }

    fn begin(mut out: W, stats: &Stats, pretty: bool) -> io::Result<Self> {
        let report = CheckReport::new(stats, vec![]);
        let head = if pretty {
            serde_json::to_vec_pretty(&report)?
        } else {
            serde_json::to_vec(&report)?
        };
        // The diagnostics come last: the head ends with them, empty.
        let end: &[u8] = if pretty { b"[]\n}" } else { b"[]}" };
        let head = head
            .strip_suffix(end)
            .expect("the report ends with its diagnostics");
        out.write_all(head)?;
        out.write_all(b"[")?;
        Ok(JsonReport { out, pretty, diagnostics: 0, scratch: Vec::new() })
    }

    /// Writes one diagnostic; they come in line order.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn diagnostic(&mut self, diagnostic: &Diagnostic) -> io::Result<()> {
        let raw = Raw::Text(&diagnostic.raw, diagnostic.raw_base64.as_deref());
        self.object(
            diagnostic.line,
            diagnostic.rule,
            diagnostic.kind,
            raw,
            &diagnostic.detail,
            PIECE,
        )
    }

    /// Writes the diagnostic of `finding`, as [`JsonReport::diagnostic`]
    /// writes [`Diagnostic::new`] of it, without a copy of its row.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn finding(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        self.finding_in_pieces(finding, PIECE)
    }

    fn finding_in_pieces(
        &mut self,
        finding: &Finding<'_>,
        piece: usize,
    ) -> io::Result<()> {
        let rule = finding.rule();
        let detail = finding.detail().to_string();
        let raw = Raw::Bytes(finding.raw);
        self.object(
            finding.line,
            rule.name(),
            rule.kind_name(),
            raw,
            &detail,
            piece,
        )
    }

    /// Writes a diagnostic object as serde_json would, `raw` at most
    /// `piece` bytes at a time.
    fn object(
        &mut self,
        line: u64,
        rule: &str,
        kind: &str,
        raw: Raw<'_>,
        detail: &str,
        piece: usize,
    ) -> io::Result<()> {
        let before: &[u8] = match (self.pretty, self.diagnostics) {
            (true, 0) => b"\n    {",
            (true, _) => b",\n    {",
            (false, 0) => b"{",
            (false, _) => b",{",
        };
        self.out.write_all(before)?;
        self.key("line", true)?;
        serde_json::to_writer(&mut self.out, &line)?;
        self.key("rule", false)?;
        serde_json::to_writer(&mut self.out, rule)?;
        self.key("kind", false)?;
        serde_json::to_writer(&mut self.out, kind)?;
        self.key("raw", false)?;
        let base64 = match raw {
            Raw::Bytes(bytes) => {
                self.lossy(bytes, piece)?.then_some(Raw::Bytes(bytes))
            }
            Raw::Text(text, base64) => {
                self.text(text, piece)?;
                base64.map(|b| Raw::Text(b, None))
            }
        };
        if let Some(base64) = base64 {
            self.key("raw_base64", false)?;
            self.out.write_all(b"\"")?;
            match base64 {
                Raw::Bytes(bytes) => {
                    // Whole groups of 3 bytes until the last piece.
                    for group in bytes.chunks((piece / 3).max(1) * 3) {
                        self.scratch.clear();
                        base64_into(group, &mut self.scratch);
                        self.out.write_all(&self.scratch)?;
                    }
                }
                Raw::Text(text, _) => self.escaped(text, piece)?,
            }
            self.out.write_all(b"\"")?;
        }
        self.key("detail", false)?;
        serde_json::to_writer(&mut self.out, detail)?;
        self.out.write_all(if self.pretty { b"\n    }" } else { b"}" })?;
        self.diagnostics += 1;
        Ok(())
    }

    /// Writes a key of an object in the array, and what comes before it.
    fn key(&mut self, key: &str, first: bool) -> io::Result<()> {
        let out = &mut self.out;
        match (self.pretty, first) {
            (true, true) => out.write_all(b"\n      \"")?,
            (true, false) => out.write_all(b",\n      \"")?,
            (false, true) => out.write_all(b"\"")?,
            (false, false) => out.write_all(b",\"")?,
        }
        out.write_all(key.as_bytes())?;
        out.write_all(if self.pretty { b"\": " } else { b"\":" })
    }

    /// Writes `text` as a JSON string.
    fn text(&mut self, text: &str, piece: usize) -> io::Result<()> {
        self.out.write_all(b"\"")?;
        self.escaped(text, piece)?;
        self.out.write_all(b"\"")
    }

    /// Writes `bytes` as a JSON string, invalid UTF-8 replaced as
    /// [`String::from_utf8_lossy`] replaces it; whether any was.
    fn lossy(&mut self, bytes: &[u8], piece: usize) -> io::Result<bool> {
        let mut replaced = false;
        self.out.write_all(b"\"")?;
        for chunk in bytes.utf8_chunks() {
            self.escaped(chunk.valid(), piece)?;
            if !chunk.invalid().is_empty() {
                // One replacement per invalid sequence, as the lossy
                // conversion makes.
                self.escaped("\u{fffd}", piece)?;
                replaced = true;
            }
        }
        self.out.write_all(b"\"")?;
        Ok(replaced)
    }

    /// Writes `text` escaped as serde_json escapes it inside a string,
    /// in pieces of about `piece` bytes cut between characters: escapes
    /// are per character, so the pieces' escapes make the whole's.
    fn escaped(&mut self, mut text: &str, piece: usize) -> io::Result<()> {
        while !text.is_empty() {
            let mut end = piece.clamp(1, text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let (head, rest) = text.split_at(end);
            self.scratch.clear();
            serde_json::to_writer(&mut self.scratch, head)?;
            // Without the quotes around it.
            let inner = &self.scratch[1..self.scratch.len() - 1];
            self.out.write_all(inner)?;
            text = rest;
        }
        Ok(())
    }

    /// Closes the document (and its line) and hands the writer back,
    /// flushed.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn finish(mut self) -> io::Result<W> {
        let end: &[u8] = match (self.pretty, self.diagnostics) {
            (true, 0) => b"]\n}\n",
            (true, _) => b"\n  ]\n}\n",
            (false, _) => b"]}\n",
        };
        self.out.write_all(end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Detail, Reject};
    use crate::sink::FindingKind;

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

    /// The document serde_json writes for the whole report, pretty
    /// printed or on one line, with its line end.
    fn whole(
        stats: &Stats,
        diagnostics: Vec<Diagnostic>,
        pretty: bool,
    ) -> String {
        let report = CheckReport::new(stats, diagnostics);
        let mut whole = if pretty {
            serde_json::to_string_pretty(&report)
        } else {
            serde_json::to_string(&report)
        }
        .unwrap();
        whole.push('\n');
        whole
    }

    fn stats() -> Stats {
        Stats {
            input: "in.csv".into(),
            header: Some("id \"x\"\n".into()),
            warnings: vec!["a\nb".into()],
            ..Stats::default()
        }
    }

    #[test]
    fn the_streamed_json_report_is_the_one_serde_json_writes() {
        let stats = stats();
        let diagnostic = |line| Diagnostic {
            line,
            rule: "special-char",
            kind: "reject",
            raw: "a\n\"b\"\t\u{a0}".into(),
            raw_base64: (line == 2).then(|| "/w==".into()),
            detail: "the character '\"'".into(),
        };
        for pretty in [true, false] {
            for count in [0, 1, 3] {
                let diagnostics: Vec<Diagnostic> =
                    (1..=count).map(diagnostic).collect();
                let mut streamed =
                    JsonReport::begin(Vec::new(), &stats, pretty).unwrap();
                for d in &diagnostics {
                    streamed.diagnostic(d).unwrap();
                }
                let streamed = streamed.finish().unwrap();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    whole(&stats, diagnostics, pretty),
                    "{count} diagnostics, pretty {pretty}"
                );
            }
        }
    }

    proptest::proptest! {
        /// Rows of any bytes, escaped and encoded in pieces of any size:
        /// the document is the one of the whole strings.
        #[test]
        fn findings_in_pieces_are_written_as_whole_diagnostics(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(
                        b"a\"\\\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\x80"
                            .to_vec()
                    ),
                    0..24,
                ),
                0..4,
            ),
            piece in 1usize..10,
            pretty in proptest::bool::ANY,
        ) {
            let stats = stats();
            let findings: Vec<Finding<'_>> = rows
                .iter()
                .enumerate()
                .map(|(i, raw)| Finding {
                    line: i as u64 + 1,
                    raw,
                    kind: FindingKind::Reject(
                        Reject::InvalidUtf8,
                        Detail::InvalidUtf8 { at: i },
                    ),
                })
                .collect();
            let mut streamed =
                JsonReport::begin(Vec::new(), &stats, pretty).unwrap();
            for finding in &findings {
                streamed.finding_in_pieces(finding, piece).unwrap();
            }
            let streamed =
                String::from_utf8(streamed.finish().unwrap()).unwrap();
            let diagnostics = findings.iter().map(Diagnostic::new).collect();
            proptest::prop_assert_eq!(
                streamed,
                whole(&stats, diagnostics, pretty)
            );
        }
    }
}
