//! What a run hands to its caller, row by row, in line order.

use std::fmt;

use crate::rule::Detail;
use crate::rule::{Fix, FixSet, Reject};

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
    /// The stable rule name: a fix or reject name, `duplicate` or
    /// `header`.
    pub fn rule(&self) -> &'static str {
        match self.kind {
            FindingKind::Fix(fix) => fix.name(),
            FindingKind::Reject(reject, _) => reject.name(),
            FindingKind::Duplicate { .. } => "duplicate",
            FindingKind::Header => "header",
        }
    }

    /// `fix`, `reject`, `duplicate` or `header`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            FindingKind::Fix(_) => "fix",
            FindingKind::Reject(..) => "reject",
            FindingKind::Duplicate { .. } => "duplicate",
            FindingKind::Header => "header",
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

    /// Whether the sink wants more rows. [`Processed::emit`] stops, with
    /// success, as soon as this is `false`: a report that shows only the
    /// first findings of each rule can take its counts from the
    /// statistics and skip the rest of a large file.
    ///
    /// [`Processed::emit`]: crate::Processed::emit
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

/// Ready-made sinks.
pub mod sinks {
    use super::{Finding, FindingKind, Kept, Sink};
    use crate::rule::FixSet;

    /// An owned copy of a dropped row.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct DroppedRow {
        /// 1-based line number.
        pub line: u64,
        /// The rule name.
        pub rule: &'static str,
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
}
