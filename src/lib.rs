//! segprep checks and cleans single-column identifier files for
//! MoEngage File Segment uploads.
//!
//! The platform downloads a one-column CSV and skips any row it does not
//! like: a trailing comma, quotes, a stray CR or space, an empty row, a
//! duplicate. segprep runs every row through the same pipeline the
//! command line uses, fixes what it safely can, and says exactly why it
//! dropped anything else.
//!
//! ```
//! use segprep::{IdType, Input, Order, PipelineBuilder};
//!
//! let pipeline = PipelineBuilder::new().id_type(IdType::Gaid).build()?;
//! let input = b"\xEF\xBB\xBFgaid\r\n\
//!     38400000-8CF0-11BD-B23E-10B96E40000D\r\n\
//!     38400000-8cf0-11bd-b23e-10b96e40000d,\n\
//!     00000000-0000-0000-0000-000000000000\n";
//! let run = pipeline.process(Input::read(&input[..], "segment.csv")?);
//!
//! let mut clean = Vec::new();
//! run.write_clean(&mut clean, Order::FirstSeen)?;
//! assert_eq!(clean, b"38400000-8cf0-11bd-b23e-10b96e40000d\n");
//!
//! let stats = run.stats();
//! assert_eq!(stats.values_found, 4);
//! assert_eq!(stats.values_processed, 1);
//! assert_eq!(stats.duplicates, 1);
//! assert_eq!(stats.header.as_deref(), Some("gaid"));
//! assert_eq!(stats.rejected(segprep::Reject::ZeroAdId), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Rows are processed in parallel over chunks cut at line feeds; results
//! are the same, byte for byte, for every thread count. The library never
//! prints: findings reach the caller through a [`Sink`].

#![deny(missing_docs)]

mod error;
mod input;
mod options;
mod pipeline;
#[cfg(any(test, feature = "reference"))]
#[doc(hidden)]
pub mod reference;
mod report;
mod rule;
mod sink;
mod stats;
pub mod workflow;

#[cfg(test)]
mod tests;

pub use crate::error::{Error, ErrorKind};
pub use crate::input::{
    Input, InputBuilder, MmapChoice, DEFAULT_MAX_INPUT_BYTES,
};
pub use crate::options::{
    AttributeType, Case, Encoding, HeaderMode, IdType, Order,
};
pub use crate::pipeline::{
    Column, Delimiter, Phase, Pipeline, PipelineBuilder, Run,
    DEFAULT_MAX_BYTES, DEFAULT_MAX_VALUE_LEN, MAX_THREADS,
};
pub use crate::report::{CheckReport, Diagnostic, JsonReport};
pub use crate::rule::{Detail, Fix, FixSet, Reject, Rule};
pub use crate::sink::{
    sinks, Finding, FindingDetail, FindingKind, Kept, Sink,
};
pub use crate::stats::{
    DiffStats, FileFinding, PartStats, RunOptions, Stats, StatsFile,
    WarningCode, CHECK_SCHEMA, DAILY_VALUE_LIMIT, DIFF_SCHEMA, STATS_SCHEMA,
};
