//! What a run hands to its caller, row by row, in line order.

use std::fmt;

use crate::rule::{Detail, Fix, FixSet, Reject, Rule};

/// A row that the pipeline keeps (or would keep, were it not a
/// duplicate): its normalized value and the fixes that made it.
#[derive(Clone, Copy, Debug)]
pub struct Kept<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    /// The value written to the clean file.
    pub value: &'a [u8],
    /// The row as it was, without its terminator (and, in row 1, without
    /// the byte order mark).
    pub raw: &'a [u8],
    /// The fixes that changed the row.
    pub fixes: FixSet,
}

/// Why a row shows up in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// A kept row was changed.
    Fix(Fix),
    /// The row was rejected.
    Reject(Reject, Detail),
    /// The row repeats the value of an earlier kept row.
    Duplicate {
        /// The line of the first occurrence.
        first: u64,
    },
    /// The row is the header.
    Header,
}

/// One finding about one row.
#[derive(Clone, Copy, Debug)]
pub struct Finding<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    /// The row as it was, without its terminator.
    pub raw: &'a [u8],
    /// What was found.
    pub kind: FindingKind,
}

impl Finding<'_> {
    /// The rule: a fix or a reject, `duplicate` or `header`.
    pub fn rule(&self) -> Rule {
        match self.kind {
            FindingKind::Fix(fix) => Rule::Fix(fix),
            FindingKind::Reject(reject, _) => Rule::Reject(reject),
            FindingKind::Duplicate { .. } => Rule::Duplicate,
            FindingKind::Header => Rule::Header,
        }
    }

    /// A short human explanation; `Display` of [`FindingDetail`].
    pub fn detail(&self) -> FindingDetail {
        FindingDetail(self.kind)
    }
}

/// Renders why a finding was made.
#[derive(Clone, Copy, Debug)]
pub struct FindingDetail(FindingKind);

impl fmt::Display for FindingDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            FindingKind::Fix(fix) => f.write_str(fix.describe()),
            FindingKind::Reject(_, detail) => detail.fmt(f),
            FindingKind::Duplicate { first } => {
                write!(f, "same value as line {first}")
            }
            FindingKind::Header => f.write_str("header row, not a value"),
        }
    }
}

impl<'a> Kept<'a> {
    /// One `Fix` finding per fix, in pipeline order.
    pub fn findings(&self) -> impl Iterator<Item = Finding<'a>> + '_ {
        self.fixes.iter().map(move |fix| Finding {
            line: self.line,
            raw: self.raw,
            kind: FindingKind::Fix(fix),
        })
    }
}

/// Receives the rows of a run in line order, on the caller's thread.
///
/// Every input row reaches exactly one of the two methods: `kept` for the
/// values of the clean file, `dropped` for rejects, duplicates and the
/// header.
///
/// ```
/// use segprep::{Finding, Input, Kept, PipelineBuilder, Rule, Sink};
///
/// /// Counts kept rows and remembers the lines of duplicates.
/// #[derive(Default)]
/// struct Tally {
///     kept: u64,
///     duplicates: Vec<u64>,
/// }
///
/// impl Sink for Tally {
///     type Error = std::convert::Infallible;
///
///     fn kept(&mut self, _row: &Kept<'_>) -> Result<(), Self::Error> {
///         self.kept += 1;
///         Ok(())
///     }
///
///     fn dropped(&mut self, f: &Finding<'_>) -> Result<(), Self::Error> {
///         if f.rule() == Rule::Duplicate {
///             self.duplicates.push(f.line);
///         }
///         Ok(())
///     }
/// }
///
/// let pipeline = PipelineBuilder::new().build()?;
/// let run = pipeline.process(Input::from_bytes(b"a\nb\na\n".to_vec(), "x"));
/// let mut tally = Tally::default();
/// run.emit(&mut tally).unwrap();
/// assert_eq!((tally.kept, tally.duplicates), (2, vec![3]));
/// # Ok::<(), segprep::Error>(())
/// ```
pub trait Sink {
    /// The error the sink can fail with; it stops the run.
    type Error;

    /// A row whose value goes to the clean file.
    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Self::Error>;

    /// A row that was dropped, with the one finding that says why.
    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), Self::Error> {
        let _ = finding;
        Ok(())
    }

    /// Whether `kept` wants the rows that no fix changed. A sink that
    /// only reports findings returns `false` and gets only changed rows
    /// (and all dropped ones), which saves a pass over most of a clean
    /// file.
    fn unchanged_rows(&self) -> bool {
        true
    }

    /// Whether the sink wants more rows. [`Run::emit`] stops, with
    /// success, as soon as this is `false`: a report that shows only the
    /// first findings of each rule can take its counts from the
    /// statistics and skip the rest of a large file.
    ///
    /// [`Run::emit`]: crate::Run::emit
    fn wants_more(&self) -> bool {
        true
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    type Error = S::Error;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Self::Error> {
        (**self).kept(row)
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), Self::Error> {
        (**self).dropped(finding)
    }

    fn unchanged_rows(&self) -> bool {
        (**self).unchanged_rows()
    }

    fn wants_more(&self) -> bool {
        (**self).wants_more()
    }
}

pub mod sinks;
