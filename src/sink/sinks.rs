//! Ready-made sinks: collect every row, call closures, or write the
//! rejects file.

use std::io::{self, Write};

use super::{Finding, FindingKind, Kept, Sink};
use crate::rule::{FixSet, Rule};

/// An owned copy of a dropped row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedRow {
    /// 1-based line number.
    pub line: u64,
    /// The rule that dropped it.
    pub rule: Rule,
    /// The finding's kind.
    pub kind: FindingKind,
    /// The row as it was.
    pub raw: Vec<u8>,
}

/// An owned copy of a kept row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptRow {
    /// 1-based line number.
    pub line: u64,
    /// The clean value.
    pub value: Vec<u8>,
    /// The fixes that changed it.
    pub fixes: FixSet,
}

/// Collects every row, for tests and small inputs.
#[derive(Clone, Debug, Default)]
pub struct Collect {
    /// The kept rows, in line order.
    pub kept: Vec<KeptRow>,
    /// The dropped rows, in line order.
    pub dropped: Vec<DroppedRow>,
}

impl Sink for Collect {
    type Error = std::convert::Infallible;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Self::Error> {
        self.kept.push(KeptRow {
            line: row.line,
            value: row.value.to_vec(),
            fixes: row.fixes,
        });
        Ok(())
    }

    fn dropped(&mut self, f: &Finding<'_>) -> Result<(), Self::Error> {
        self.dropped.push(DroppedRow {
            line: f.line,
            rule: f.rule(),
            kind: f.kind,
            raw: f.raw.to_vec(),
        });
        Ok(())
    }
}

/// A sink of two closures, one for kept rows and one for dropped rows:
/// the quickest way to a sink for a one-off job. Made by [`from_fns`].
///
/// ```
/// use segprep::{sinks, Input, PipelineBuilder};
///
/// let pipeline = PipelineBuilder::new().build()?;
/// let run = pipeline.process(Input::from_bytes(b"u1\n\"u2\"\nu1\n".to_vec(), "x"));
/// let (mut kept, mut dropped) = (Vec::new(), Vec::new());
/// run.emit(sinks::from_fns(
///     |row| {
///         kept.push(row.value.to_vec());
///         Ok::<(), std::convert::Infallible>(())
///     },
///     |finding| {
///         dropped.push((finding.line, finding.rule().name()));
///         Ok(())
///     },
/// ))
/// .unwrap();
/// assert_eq!(kept, [b"u1".to_vec(), b"u2".to_vec()]);
/// assert_eq!(dropped, [(3, "duplicate")]);
/// # Ok::<(), segprep::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FnSink<K, D> {
    kept: K,
    dropped: D,
}

/// A [`Sink`] that calls `kept` for each kept row and `dropped` for each
/// dropped row.
pub fn from_fns<K, D, E>(kept: K, dropped: D) -> FnSink<K, D>
where
    K: FnMut(&Kept<'_>) -> Result<(), E>,
    D: FnMut(&Finding<'_>) -> Result<(), E>,
{
    FnSink { kept, dropped }
}

impl<K, D, E> Sink for FnSink<K, D>
where
    K: FnMut(&Kept<'_>) -> Result<(), E>,
    D: FnMut(&Finding<'_>) -> Result<(), E>,
{
    type Error = E;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), E> {
        (self.kept)(row)
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), E> {
        (self.dropped)(finding)
    }
}

/// Writes dropped rows as the records of the rejects file:
/// `line,rule,detail,raw`, quoted as the `csv` crate quotes (only fields
/// that hold a comma, a quote, a CR or an LF), `raw` as its bytes were.
/// The header line is [`RejectsCsv::HEADER`]; [`Run::write_rejects`]
/// writes it and every record, on several threads.
///
/// Records are quoted here rather than by the csv writer: its work per
/// field was a quarter of a `clean --rejects` run on a file of
/// duplicates, and it took time quadratic in a long field's runs
/// without quotes. A long row goes to the writer as it is, not copied.
///
/// [`Run::write_rejects`]: crate::Run::write_rejects
#[derive(Debug)]
pub struct RejectsCsv<W> {
    out: W,
    /// The record being written (or its start, for a long one), and a
    /// detail's text, reused so that a record costs no allocation.
    record: Vec<u8>,
    detail: Vec<u8>,
    /// Rules whose rows are left out.
    omit: Vec<Rule>,
}

/// The most a record holds before it goes out: a longer row's bytes are
/// written straight from the input.
const RECORD_MAX: usize = 64 << 10;

impl<W: Write> RejectsCsv<W> {
    /// The rejects file's header line.
    pub const HEADER: &'static [u8] = b"line,rule,detail,raw\n";

    /// Writes records (not the header) to `out`.
    pub fn new(out: W) -> Self {
        RejectsCsv {
            out,
            record: Vec::new(),
            detail: Vec::new(),
            omit: Vec::new(),
        }
    }

    /// Leaves out the rows dropped by these rules.
    #[must_use]
    pub fn omitting(mut self, rules: &[Rule]) -> Self {
        self.omit = rules.to_vec();
        self
    }

    /// The writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Adds `bytes` to the record, or writes the record out first when
    /// they do not fit, and long `bytes` straight after it.
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.record.len() + bytes.len() > RECORD_MAX {
            self.out.write_all(&self.record)?;
            self.record.clear();
            if bytes.len() > RECORD_MAX {
                return self.out.write_all(bytes);
            }
        }
        self.record.extend_from_slice(bytes);
        Ok(())
    }

    /// Adds a field, in quotes with each quote doubled when it needs
    /// them.
    fn field(&mut self, field: &[u8]) -> io::Result<()> {
        if !needs_quotes(field) {
            return self.put(field);
        }
        self.put(b"\"")?;
        let mut from = 0;
        for at in memchr::memchr_iter(b'"', field) {
            // The quote ends this piece and starts the next: doubled.
            self.put(&field[from..=at])?;
            from = at;
        }
        self.put(&field[from..])?;
        self.put(b"\"")
    }

    fn record(
        &mut self,
        line: &[u8],
        rule: &str,
        detail: &[u8],
        raw: &[u8],
    ) -> io::Result<()> {
        self.record.clear();
        // Rule names are kebab-case and lines digits: never quoted.
        self.put(line)?;
        self.put(b",")?;
        self.put(rule.as_bytes())?;
        self.put(b",")?;
        self.field(detail)?;
        self.put(b",")?;
        self.field(raw)?;
        self.put(b"\n")?;
        self.out.write_all(&self.record)
    }
}

/// Whether the csv writer would quote `field`: it holds a comma, a quote,
/// a CR or an LF.
fn needs_quotes(field: &[u8]) -> bool {
    memchr::memchr3(b',', b'"', b'\r', field).is_some()
        || memchr::memchr(b'\n', field).is_some()
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut n = n;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &digits[at..]
}

impl<W: Write> Sink for RejectsCsv<W> {
    type Error = io::Error;

    fn kept(&mut self, _: &Kept<'_>) -> io::Result<()> {
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> io::Result<()> {
        if !self.omit.is_empty() && self.omit.contains(&finding.rule()) {
            return Ok(());
        }
        let mut digits = [0; 20];
        let mut first_digits = [0; 20];
        let line = decimal(finding.line, &mut digits);
        let mut detail = std::mem::take(&mut self.detail);
        detail.clear();
        match finding.kind {
            // The most common by far, without the formatting machinery.
            FindingKind::Duplicate { first } => {
                detail.extend_from_slice(b"same value as line ");
                detail.extend_from_slice(decimal(first, &mut first_digits));
            }
            _ => write!(detail, "{}", finding.detail())?,
        }
        let result =
            self.record(line, finding.rule().name(), &detail, finding.raw);
        self.detail = detail;
        result
    }
}
