//! The statistics of a run, in the platform's vocabulary, and the
//! statistics files that `clean --stats` and `diff --stats` write.

use serde::de::{self, DeserializeSeed, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::options::{AttributeType, Case, Encoding, HeaderMode, IdType};
use crate::pipeline::{Column, Delimiter};
use crate::rule::{Fix, Reject, Rule};

/// The `"schema"` of the statistics file that `clean --stats` writes.
pub const STATS_SCHEMA: &str = "segprep-stats/1";
/// The `"schema"` of the report of `check --format json` (each line of
/// JSON Lines included).
pub const CHECK_SCHEMA: &str = "segprep-check/1";
/// The `"schema"` of the statistics file that `diff --stats` writes.
pub const DIFF_SCHEMA: &str = "segprep-diff/1";

/// Refuses a `"schema"` of another major version than this segprep's:
/// its fields may mean something else. A document without one is older
/// than schemas and reads as version 1.
fn check_schema(schema: Option<&str>) -> Result<(), String> {
    let Some(schema) = schema else { return Ok(()) };
    match schema.split_once('/') {
        Some((name, "1")) if name.starts_with("segprep-") => Ok(()),
        Some((name, _)) if name.starts_with("segprep-") => Err(format!(
            "\"schema\" is {}: written by another version of segprep, \
             this one reads version 1",
            json::quote_str(schema)
        )),
        _ => Err(format!(
            "\"schema\" is {}, not a segprep document",
            json::quote_str(schema)
        )),
    }
}

/// What a warning is about: a stable code beside its text, for
/// scripts. The text may change between versions; the code does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningCode {
    /// Past the platform's default daily limit of users.
    DailyLimit,
    /// Phone numbers without a country code and no default region.
    NoCountryCode,
    /// CR line ends and no LF: the input reads as one row.
    CrLineEnds,
    /// Values that `--allow-chars` let through but read back as others.
    UnreadableValues,
    /// The input is over the size limit, its clean file is not.
    InputOverLimit,
    /// A warning this version does not know.
    Other,
}

impl WarningCode {
    /// Every code.
    pub const ALL: [WarningCode; 6] = [
        WarningCode::DailyLimit,
        WarningCode::NoCountryCode,
        WarningCode::CrLineEnds,
        WarningCode::UnreadableValues,
        WarningCode::InputOverLimit,
        WarningCode::Other,
    ];

    /// The code's stable name.
    pub fn name(self) -> &'static str {
        match self {
            WarningCode::DailyLimit => "daily-limit",
            WarningCode::NoCountryCode => "no-country-code",
            WarningCode::CrLineEnds => "cr-line-ends",
            WarningCode::UnreadableValues => "unreadable-values",
            WarningCode::InputOverLimit => "input-over-limit",
            WarningCode::Other => "other",
        }
    }

    /// The code of a warning's text. The texts are written in the
    /// pipeline and by the binaries; each has a phrase of its own.
    pub fn of(text: &str) -> WarningCode {
        const PHRASES: [(&str, WarningCode); 5] = [
            ("default daily limit", WarningCode::DailyLimit),
            ("no country code", WarningCode::NoCountryCode),
            ("CR line endings and no LF", WarningCode::CrLineEnds),
            ("--allow-chars let through", WarningCode::UnreadableValues),
            ("the clean file fits", WarningCode::InputOverLimit),
        ];
        PHRASES
            .iter()
            .find(|(phrase, _)| text.contains(phrase))
            .map_or(WarningCode::Other, |&(_, code)| code)
    }
}

/// The options of a run that decide its result, as the JSON documents
/// echo them (`"options"`): the pipeline's, with defaults resolved (the
/// id type's case), not the command line as typed. The thread count is
/// left out: results are the same for every one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    /// `--id-type`.
    #[serde(with = "named")]
    pub id_type: IdType,
    /// `--attribute-type`.
    #[serde(with = "named")]
    pub attribute_type: AttributeType,
    /// The case folding used: `--case`, or the id type's default.
    #[serde(with = "named")]
    pub case: Case,
    /// `--header`.
    #[serde(with = "named")]
    pub header: HeaderMode,
    /// `--attribute-name`.
    pub attribute_name: Option<String>,
    /// `--column`: a number or a name.
    #[serde(with = "column")]
    pub column: Option<Column>,
    /// The delimiter the run used, as `--delimiter` spells it (`tab`,
    /// `;`): with `--delimiter auto`, the one picked for this input.
    #[serde(with = "named")]
    pub delimiter: Delimiter,
    /// `--default-region`.
    pub default_region: Option<String>,
    /// `--allow-chars`.
    pub allow_chars: String,
    /// `--deny-chars`.
    pub deny_chars: String,
    /// `--ascii-only`.
    pub ascii_only: bool,
    /// `--max-value-len`.
    pub max_value_len: u64,
    /// `--max-bytes`.
    pub max_bytes: u64,
    /// `--max-input-bytes` (0: no cap).
    pub max_input_bytes: u64,
    /// `--encoding`.
    #[serde(with = "named")]
    pub encoding: Encoding,
}

/// Options as their names: written with `Display`, read with `FromStr`.
mod named {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<T: Display, S: Serializer>(
        value: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(super) fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr<Err: Display>,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// A column as a JSON number (its 1-based position) or string (its
/// header name).
mod column {
    use serde::{de, Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use crate::pipeline::Column;

    pub(super) fn serialize<S: Serializer>(
        column: &Option<Column>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match column {
            None => s.serialize_none(),
            Some(Column::Number(n)) => s.serialize_u64(*n as u64),
            Some(Column::Name(name)) => s.serialize_str(name),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Column>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(name) => Ok(Some(Column::Name(name))),
            Value::Number(n) => match n.as_u64().map(usize::try_from) {
                Some(Ok(n)) if n > 0 => Ok(Some(Column::Number(n))),
                _ => Err(de::Error::custom(format_args!(
                    "column {n} is not a column number"
                ))),
            },
            v => Err(de::Error::custom(format_args!(
                "column {v} is not a number or a name"
            ))),
        }
    }
}

/// A finding about the whole file rather than a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileFinding {
    /// The input is over `--max-bytes`.
    TooLarge,
    /// No value would be processed.
    EmptyFile,
    /// The input is compressed; the platform takes plain CSV.
    Compressed,
    /// The input is not UTF-8; the platform takes UTF-8.
    Encoding,
}

impl FileFinding {
    /// The finding's stable name.
    pub fn name(self) -> &'static str {
        match self {
            FileFinding::TooLarge => "too-large",
            FileFinding::EmptyFile => "empty-file",
            FileFinding::Compressed => "compressed",
            FileFinding::Encoding => "encoding",
        }
    }
}

/// The platform's default daily limit of users added through file
/// segments.
pub const DAILY_VALUE_LIMIT: u64 = 2_000_000;

/// Counts of one run. Every input row is counted exactly once:
/// `values_found = values_processed + duplicates + sum(rejected) + header`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// The input's name as given (`-` for standard input).
    pub input: String,
    /// The input's size in bytes (compressed, for gzip input).
    pub bytes: u64,
    /// The decompressed size, for gzip input.
    pub uncompressed_bytes: Option<u64>,
    /// Rows in the input, the header and empty rows included.
    pub values_found: u64,
    /// Values written to the clean file.
    pub values_processed: u64,
    /// Rows dropped as duplicates.
    pub duplicates: u64,
    /// The header row's raw text (invalid UTF-8 replaced), if one was
    /// dropped.
    pub header: Option<String>,
    /// Warnings that do not affect conformance.
    pub warnings: Vec<String>,
    /// File-level findings.
    pub file_findings: Vec<FileFinding>,
    /// The size of the clean file: every kept value plus its LF.
    pub clean_bytes: u64,
    /// The options of the run, when known: written as `"options"`.
    pub options: Option<RunOptions>,
    pub(crate) rejected: [u64; Reject::ALL.len()],
    pub(crate) fixed: [u64; Fix::ALL.len()],
}

impl Stats {
    /// Rows rejected by `reject`.
    pub fn rejected(&self, reject: Reject) -> u64 {
        self.rejected[reject.index()]
    }

    /// Kept rows that `fix` changed (for `bom`: 1 when the input started
    /// with one).
    pub fn fixed(&self, fix: Fix) -> u64 {
        self.fixed[fix.index()]
    }

    /// The size of the text the rows come from: decompressed, for gzip
    /// input.
    pub fn content_bytes(&self) -> u64 {
        self.uncompressed_bytes.unwrap_or(self.bytes)
    }

    /// All rejected rows.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }

    /// The non-zero reject counts, in pipeline order.
    pub fn rejected_counts(&self) -> impl Iterator<Item = (Reject, u64)> + '_ {
        Reject::ALL
            .into_iter()
            .map(|r| (r, self.rejected(r)))
            .filter(|&(_, n)| n > 0)
    }

    /// The non-zero fix counts, in pipeline order.
    pub fn fixed_counts(&self) -> impl Iterator<Item = (Fix, u64)> + '_ {
        Fix::ALL
            .into_iter()
            .map(|f| (f, self.fixed(f)))
            .filter(|&(_, n)| n > 0)
    }

    /// The code of each warning, in the order of `warnings`.
    pub fn warning_codes(&self) -> impl Iterator<Item = WarningCode> + '_ {
        self.warnings.iter().map(|w| WarningCode::of(w))
    }

    /// Whether the counting identity holds.
    pub fn is_balanced(&self) -> bool {
        self.values_found
            == self.values_processed
                + self.duplicates
                + self.rejected_total()
                + u64::from(self.header.is_some())
    }

    /// Whether the file could be uploaded as it is: no finding of any
    /// kind, so the platform would keep every row unchanged.
    pub fn conforms(&self) -> bool {
        self.file_findings.is_empty()
            && self.values_processed == self.values_found
            && self.fixed.iter().all(|&n| n == 0)
    }
}

struct Counts<'a, T>(&'a [(T, u64)]);

impl<T: Copy + Into<Rule>> Serialize for Counts<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for &(key, n) in self.0 {
            map.serialize_entry(key.into().name(), &n)?;
        }
        map.end()
    }
}

impl Stats {
    /// The entries of [`Stats`]'s JSON object, for documents that add
    /// their own after them.
    fn serialize_entries<M: SerializeMap>(
        &self,
        map: &mut M,
    ) -> Result<(), M::Error> {
        let rejected: Vec<_> = self.rejected_counts().collect();
        let fixed: Vec<_> = self.fixed_counts().collect();
        map.serialize_entry("input", &self.input)?;
        map.serialize_entry("bytes", &self.bytes)?;
        if let Some(n) = self.uncompressed_bytes {
            map.serialize_entry("uncompressed_bytes", &n)?;
        }
        map.serialize_entry("values_found", &self.values_found)?;
        map.serialize_entry("values_processed", &self.values_processed)?;
        map.serialize_entry("duplicates", &self.duplicates)?;
        map.serialize_entry("header", &self.header)?;
        map.serialize_entry("rejected", &Counts(&rejected))?;
        map.serialize_entry("fixed", &Counts(&fixed))?;
        map.serialize_entry("warnings", &self.warnings)?;
        let codes: Vec<&str> =
            self.warning_codes().map(|c| c.name()).collect();
        map.serialize_entry("warning_codes", &codes)?;
        if let Some(options) = &self.options {
            map.serialize_entry("options", options)?;
        }
        Ok(())
    }
}

impl Serialize for Stats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.serialize_entries(&mut map)?;
        map.end()
    }
}

/// Reads the JSON that [`Stats`] writes (a [`StatsFile`] or the report
/// of `check --format json` read too). `clean_bytes` is read from a
/// statistics file's `output_bytes`, and is 0 without it;
/// `file_findings` is not in the JSON (it depends on the run's options)
/// and comes back empty. See [`StatsFile`] for what is refused.
impl<'de> Deserialize<'de> for Stats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Stats, D::Error> {
        StatsFile::deserialize(d).map(|file| file.stats)
    }
}

/// The statistics `clean --stats` writes: the run's [`Stats`], then
/// `output` and `output_bytes`, then `parts` when the clean file was
/// split.
///
/// A document of its own rather than more fields of [`Stats`]: a run
/// knows its counts but not where its clean file went, so `Stats` stays
/// what [`Pipeline::process`](crate::Pipeline::process) returns, with no
/// field left unset. `output_bytes` is `stats.clean_bytes`, written once.
///
/// Reading is strict about what segprep writes and lenient about the
/// rest: every key of [`Stats`] must be there with its type
/// (`uncompressed_bytes` only for gzip input), `output` and
/// `output_bytes` come together, and `rejected` and `fixed` hold rule
/// names only. A key given twice, at any depth, is refused rather than
/// taken last. Keys it does not know are ignored, so the report of
/// `check --format json` reads as statistics without an output.
///
/// ```
/// use segprep::{Input, PipelineBuilder, StatsFile};
///
/// let pipeline = PipelineBuilder::new().threads(1).build()?;
/// let run = pipeline.process(Input::from_bytes(b"a\nb\na\n".to_vec(), "in.csv"));
/// let file = StatsFile {
///     stats: run.stats().clone(),
///     output: Some("clean.csv".to_string()),
///     parts: None,
/// };
/// let text = serde_json::to_string(&file)?;
/// assert!(text.ends_with(r#""output":"clean.csv","output_bytes":4}"#));
/// assert_eq!(serde_json::from_str::<StatsFile>(&text)?, file);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsFile {
    /// The run's counts.
    pub stats: Stats,
    /// The clean file's path as given (`-` for standard output); `None`
    /// leaves out both `output` and `output_bytes`.
    pub output: Option<String>,
    /// The parts of a split clean file, in order; `None` when it was not
    /// split.
    pub parts: Option<Vec<PartStats>>,
}

/// One part of a split clean file, in [`StatsFile::parts`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartStats {
    /// The part's path.
    pub path: String,
    /// The values in the part.
    pub values: u64,
    /// The part's size: its values and their LFs.
    pub bytes: u64,
}

impl Serialize for StatsFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("schema", STATS_SCHEMA)?;
        self.stats.serialize_entries(&mut map)?;
        if let Some(output) = &self.output {
            map.serialize_entry("output", output)?;
            map.serialize_entry("output_bytes", &self.stats.clean_bytes)?;
        }
        if let Some(parts) = &self.parts {
            map.serialize_entry("parts", parts)?;
        }
        map.end()
    }
}

/// The keys a statistics file may hold, in the order they are written.
const FILE_KEYS: [&str; 16] = [
    "schema",
    "input",
    "bytes",
    "uncompressed_bytes",
    "values_found",
    "values_processed",
    "duplicates",
    "header",
    "rejected",
    "fixed",
    "warnings",
    "warning_codes",
    "options",
    "output",
    "output_bytes",
    "parts",
];

impl<'de> Deserialize<'de> for StatsFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StatsFile, D::Error> {
        let map = json::Known(&FILE_KEYS).deserialize(d)?;
        // Raised after the object was read: a position would point at
        // its end, not at the field.
        StatsFile::from_object(&json::Object(&map)).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for PartStats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PartStats, D::Error> {
        let json::Unique(value) = json::Unique::deserialize(d)?;
        PartStats::from_value("the part", &value).map_err(de::Error::custom)
    }
}

impl StatsFile {
    fn from_object(obj: &json::Object<'_>) -> Result<StatsFile, String> {
        obj.require(&[
            "input",
            "bytes",
            "values_found",
            "values_processed",
            "duplicates",
            "header",
            "rejected",
            "fixed",
            "warnings",
        ])?;
        let mut stats = Stats {
            input: obj.required_string("input")?,
            bytes: obj.required_count("bytes")?,
            uncompressed_bytes: obj.count("uncompressed_bytes")?,
            values_found: obj.required_count("values_found")?,
            values_processed: obj.required_count("values_processed")?,
            duplicates: obj.required_count("duplicates")?,
            header: obj.string("header")?,
            warnings: obj.strings("warnings")?,
            options: match obj.get("options") {
                None => None,
                Some(v) => Some(
                    RunOptions::deserialize(v)
                        .map_err(|e| format!("\"options\": {e}"))?,
                ),
            },
            ..Stats::default()
        };
        check_schema(obj.string("schema")?.as_deref())?;
        // The codes follow from the texts; a list that does not pair
        // with them is not what segprep wrote.
        if obj.get("warning_codes").is_some() {
            let codes = obj.strings("warning_codes")?;
            if codes.len() != stats.warnings.len() {
                return Err(format!(
                    "\"warning_codes\" has {} codes for {} warnings",
                    codes.len(),
                    stats.warnings.len()
                ));
            }
        }
        read_counts(obj, "rejected", &Reject::ALL, &mut stats.rejected)?;
        read_counts(obj, "fixed", &Fix::ALL, &mut stats.fixed)?;
        let output =
            match (obj.string("output")?, obj.count("output_bytes")?) {
                (Some(output), Some(bytes)) => {
                    stats.clean_bytes = bytes;
                    Some(output)
                }
                (None, None) => None,
                (Some(_), None) => {
                    return Err("\"output\" comes without \"output_bytes\""
                        .to_string())
                }
                (None, Some(_)) => {
                    return Err("\"output_bytes\" comes without \"output\""
                        .to_string())
                }
            };
        let parts = match obj.get("parts") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        PartStats::from_value(&format!("parts[{i}]"), item)
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(v) => return Err(json::wrong("\"parts\"", v, "a list")),
        };
        Ok(StatsFile { stats, output, parts })
    }
}

impl PartStats {
    /// `what` names the part in messages.
    fn from_value(what: &str, value: &Value) -> Result<PartStats, String> {
        let Value::Object(map) = value else {
            return Err(json::wrong(what, value, "an object"));
        };
        for key in ["path", "values", "bytes"] {
            if !map.contains_key(key) {
                return Err(format!("{what} has no \"{key}\""));
            }
        }
        let context = |key| format!("{what} \"{key}\"");
        let path = match &map["path"] {
            Value::String(path) => path.clone(),
            v => return Err(json::wrong(&context("path"), v, "a string")),
        };
        Ok(PartStats {
            path,
            values: json::count(&context("values"), &map["values"])?,
            bytes: json::count(&context("bytes"), &map["bytes"])?,
        })
    }
}

/// Reads `rejected` or `fixed`: rule names and their counts.
fn read_counts<T: Copy + Into<Rule>>(
    obj: &json::Object<'_>,
    key: &str,
    rules: &[T],
    counts: &mut [u64],
) -> Result<(), String> {
    let map = match obj.get(key) {
        Some(Value::Object(map)) => map,
        Some(v) => {
            return Err(json::wrong(&format!("\"{key}\""), v, "an object"))
        }
        None => {
            return Err(json::wrong(
                &format!("\"{key}\""),
                &Value::Null,
                "an object",
            ))
        }
    };
    for (name, n) in map {
        let Some(i) = rules.iter().position(|&r| r.into().name() == name)
        else {
            return Err(format!(
                "\"{key}\" has {}, not the name of a rule",
                json::quote_str(name)
            ));
        };
        counts[i] =
            json::count(&format!("\"{key}\" {}", json::quote_str(name)), n)?;
    }
    Ok(())
}

/// The statistics `diff --stats` writes: each input's [`Stats`] and the
/// delta's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct DiffStats {
    /// OLD's statistics.
    pub old: Stats,
    /// NEW's statistics.
    pub new: Stats,
    /// Values of NEW that OLD lacks.
    pub added: u64,
    /// Values of OLD that NEW lacks.
    pub removed: u64,
    /// Values in both.
    pub unchanged: u64,
}

impl Serialize for DiffStats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("schema", DIFF_SCHEMA)?;
        map.serialize_entry("old", &self.old)?;
        map.serialize_entry("new", &self.new)?;
        map.serialize_entry("added", &self.added)?;
        map.serialize_entry("removed", &self.removed)?;
        map.serialize_entry("unchanged", &self.unchanged)?;
        map.end()
    }
}

pub(crate) mod json {
    //! Reading JSON written by segprep or posted by the platform: each
    //! key once, and messages that quote the input briefly and escaped.

    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{
        self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny,
        MapAccess, SeqAccess, Unexpected, Visitor,
    };
    use serde_json::{Map, Value};

    /// The most characters of input a message quotes.
    const QUOTE_LIMIT: usize = 200;

    /// `value` as JSON text, cut after [`QUOTE_LIMIT`] characters: a
    /// message is one line for a human, whatever the input holds.
    pub(crate) fn quote(value: &Value) -> String {
        let text = value.to_string();
        let mut out = String::with_capacity(text.len().min(QUOTE_LIMIT + 3));
        for (i, c) in text.chars().enumerate() {
            if i == QUOTE_LIMIT {
                out.push_str("...");
                break;
            }
            // JSON escapes the C0 controls; DEL and C1 are left raw.
            if c.is_control() {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `text` as a quoted JSON string, cut like [`quote`].
    pub(crate) fn quote_str(text: &str) -> String {
        quote(&Value::String(text.to_string()))
    }

    /// "`what` is `value`, not `expected`".
    pub(crate) fn wrong(what: &str, value: &Value, expected: &str) -> String {
        format!("{what} is {}, not {expected}", quote(value))
    }

    /// A non-negative integer.
    pub(crate) fn count(what: &str, value: &Value) -> Result<u64, String> {
        value
            .as_u64()
            .ok_or_else(|| wrong(what, value, "a non-negative integer"))
    }

    /// A JSON value whose objects, at any depth, have each key once:
    /// serde_json's `Value` keeps the last of two, so a forged second
    /// key would win over the one a reader checked.
    pub(crate) struct Unique(pub(crate) Value);

    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(
            d: D,
        ) -> Result<Unique, D::Error> {
            d.deserialize_any(UniqueVisitor).map(Unique)
        }
    }

    struct UniqueVisitor;

    impl<'de> Visitor<'de> for UniqueVisitor {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }

        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }

        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(Unique(item)) = seq.next_element()? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }

        fn visit_map<A: MapAccess<'de>>(
            self,
            mut access: A,
        ) -> Result<Value, A::Error> {
            let mut map = Map::new();
            while let Some(key) = access.next_key::<String>()? {
                if map.contains_key(&key) {
                    return Err(duplicate(&key));
                }
                let Unique(value) = access.next_value()?;
                map.insert(key, value);
            }
            Ok(Value::Object(map))
        }
    }

    fn duplicate<E: de::Error>(key: &str) -> E {
        E::custom(format_args!("duplicate key {}", quote_str(key)))
    }

    /// Reads a top-level object: the keys in the list whole (each a
    /// [`Unique`] value), the others skipped unread. No key may come
    /// twice, known or not.
    pub(crate) struct Known<'k>(pub(crate) &'k [&'k str]);

    impl<'de> DeserializeSeed<'de> for Known<'_> {
        type Value = Map<String, Value>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Known<'_> {
        type Value = Map<String, Value>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        // The default would quote the whole string.
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::invalid_type(Unexpected::Other("a string"), &self))
        }

        fn visit_map<A: MapAccess<'de>>(
            self,
            mut access: A,
        ) -> Result<Self::Value, A::Error> {
            let mut seen = HashSet::new();
            let mut map = Map::new();
            while let Some(key) = access.next_key::<String>()? {
                if seen.contains(&key) {
                    return Err(duplicate(&key));
                }
                if self.0.contains(&key.as_str()) {
                    let Unique(value) = access.next_value()?;
                    map.insert(key.clone(), value);
                } else {
                    access.next_value::<IgnoredAny>()?;
                }
                seen.insert(key);
            }
            Ok(map)
        }
    }

    /// Typed reads of an object's fields, with messages that name the
    /// key. A null field counts as absent where the field is optional.
    pub(crate) struct Object<'a>(pub(crate) &'a Map<String, Value>);

    impl Object<'_> {
        /// The field, unless absent or null.
        pub(crate) fn get(&self, key: &str) -> Option<&Value> {
            self.0.get(key).filter(|v| !v.is_null())
        }

        /// Refuses an object without one of `keys` (null is there).
        pub(crate) fn require(&self, keys: &[&str]) -> Result<(), String> {
            let missing: Vec<String> = keys
                .iter()
                .filter(|key| !self.0.contains_key(**key))
                .map(|key| format!("\"{key}\""))
                .collect();
            match missing.as_slice() {
                [] => Ok(()),
                [one] => Err(format!("{one} is missing")),
                [init @ .., last] => {
                    Err(format!("{} and {last} are missing", init.join(", ")))
                }
            }
        }

        /// An optional non-negative integer.
        pub(crate) fn count(&self, key: &str) -> Result<Option<u64>, String> {
            self.get(key).map(|v| count(&format!("\"{key}\""), v)).transpose()
        }

        /// A non-negative integer that must be there.
        pub(crate) fn required_count(&self, key: &str) -> Result<u64, String> {
            match self.0.get(key) {
                None => Err(format!("\"{key}\" is missing")),
                Some(v) => count(&format!("\"{key}\""), v),
            }
        }

        /// An optional string.
        pub(crate) fn string(
            &self,
            key: &str,
        ) -> Result<Option<String>, String> {
            match self.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v) => Err(wrong(&format!("\"{key}\""), v, "a string")),
            }
        }

        /// A string that must be there.
        pub(crate) fn required_string(
            &self,
            key: &str,
        ) -> Result<String, String> {
            match self.0.get(key) {
                None => Err(format!("\"{key}\" is missing")),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(v) => Err(wrong(&format!("\"{key}\""), v, "a string")),
            }
        }

        /// A list of strings that must be there.
        pub(crate) fn strings(
            &self,
            key: &str,
        ) -> Result<Vec<String>, String> {
            let what = format!("\"{key}\"");
            match self.0.get(key) {
                None => Err(format!("{what} is missing")),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s.clone()),
                        v => Err(format!(
                            "{what} holds {}, not a string",
                            quote(v)
                        )),
                    })
                    .collect(),
                Some(v) => Err(wrong(&what, v, "a list of strings")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    #[test]
    fn json_keys_in_spec_order_and_only_non_zero_counts() {
        let mut stats = Stats {
            input: "data.csv".into(),
            bytes: 10,
            values_found: 4,
            values_processed: 2,
            duplicates: 1,
            ..Stats::default()
        };
        stats.rejected[Reject::SpecialChar.index()] = 1;
        stats.fixed[Fix::Crlf.index()] = 2;
        let json = serde_json::to_string(&stats).unwrap();
        assert_eq!(
            json,
            r#"{"input":"data.csv","bytes":10,"values_found":4,"values_processed":2,"duplicates":1,"header":null,"rejected":{"special-char":1},"fixed":{"crlf":2},"warnings":[],"warning_codes":[]}"#
        );
        assert!(stats.is_balanced());
        assert!(!stats.conforms());
    }

    /// Statistics with every key of the JSON set.
    fn full_stats() -> Stats {
        let mut stats = Stats {
            input: "in \"x\".csv.gz".into(),
            bytes: 10,
            uncompressed_bytes: Some(40),
            values_found: 9,
            values_processed: 3,
            duplicates: 2,
            header: Some("user_id\u{fffd}\t".into()),
            warnings: vec!["a\nb".into(), "c".into()],
            clean_bytes: 12,
            ..Stats::default()
        };
        stats.rejected[Reject::EmptyRow.index()] = 1;
        stats.rejected[Reject::SpecialChar.index()] = 2;
        stats.fixed[Fix::Bom.index()] = 1;
        stats.fixed[Fix::Whitespace.index()] = 3;
        stats
    }

    /// `value` to pretty JSON, back, and to JSON again: equal values and
    /// equal bytes.
    fn round_trip<T>(value: &T) -> String
    where
        T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug,
    {
        let text = serde_json::to_string_pretty(value).unwrap();
        let back: T = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, value, "{text}");
        assert_eq!(serde_json::to_string_pretty(&back).unwrap(), text);
        text
    }

    #[test]
    fn a_stats_file_round_trips() {
        let file = StatsFile {
            stats: full_stats(),
            output: Some("clean.csv".into()),
            parts: Some(vec![
                PartStats {
                    path: "clean.part-001.csv".into(),
                    values: 2,
                    bytes: 8,
                },
                PartStats {
                    path: "clean.part-002.csv".into(),
                    values: 1,
                    bytes: 4,
                },
            ]),
        };
        round_trip(&file);
        assert_eq!(
            serde_json::to_string(&file).unwrap(),
            concat!(
                r#"{"schema":"segprep-stats/1","#,
                r#""input":"in \"x\".csv.gz","bytes":10,"#,
                r#""uncompressed_bytes":40,"values_found":9,"#,
                r#""values_processed":3,"duplicates":2,"#,
                "\"header\":\"user_id\u{fffd}\\t\",",
                r#""rejected":{"empty-row":1,"special-char":2},"#,
                r#""fixed":{"bom":1,"whitespace":3},"#,
                r#""warnings":["a\nb","c"],"#,
                r#""warning_codes":["other","other"],"#,
                r#""output":"clean.csv","output_bytes":12,"parts":["#,
                r#"{"path":"clean.part-001.csv","values":2,"bytes":8},"#,
                r#"{"path":"clean.part-002.csv","values":1,"bytes":4}]}"#,
            )
        );

        // No parts, an empty list of parts, no output.
        round_trip(&StatsFile { parts: None, ..file.clone() });
        round_trip(&StatsFile { parts: Some(vec![]), ..file.clone() });
        let mut bare = StatsFile { output: None, parts: None, ..file };
        bare.stats.clean_bytes = 0;
        round_trip(&bare);
        round_trip(&StatsFile::default());
    }

    #[test]
    fn stats_round_trip_without_what_their_json_lacks() {
        // `clean_bytes` is written by a statistics file only.
        let stats = Stats { clean_bytes: 0, ..full_stats() };
        round_trip(&stats);
        let text = serde_json::to_string(&full_stats()).unwrap();
        let back: Stats = serde_json::from_str(&text).unwrap();
        assert_eq!(back, stats);
    }

    #[test]
    fn a_run_round_trips() {
        let pipeline = crate::PipelineBuilder::new()
            .id_type(crate::IdType::Numeric)
            .threads(1)
            .build()
            .unwrap();
        let input = b"\xEF\xBB\xBFid\r\n1\r\n 2\n1\n\nx#\n3,\n";
        let run = pipeline
            .process(crate::Input::from_bytes(input.to_vec(), "in.csv"));
        let stats = run.stats().clone();
        assert!(stats.file_findings.is_empty());
        assert!(stats.header.is_some() && stats.rejected_total() > 0);
        assert!(stats.fixed_counts().count() > 1 && stats.duplicates > 0);
        let file = StatsFile { stats, output: Some("-".into()), parts: None };
        round_trip(&file);
        let diff = DiffStats {
            old: file.stats.clone(),
            new: full_stats(),
            added: 1,
            removed: 2,
            unchanged: 3,
        };
        let text = serde_json::to_string(&diff).unwrap();
        let back: DiffStats = serde_json::from_str(&text).unwrap();
        assert_eq!(back.old, Stats { clean_bytes: 0, ..diff.old.clone() });
        assert_eq!(back.new, Stats { clean_bytes: 0, ..diff.new.clone() });
        assert_eq!((back.added, back.removed, back.unchanged), (1, 2, 3));
    }

    #[test]
    fn options_schema_and_warning_codes_round_trip() {
        let mut stats = full_stats();
        stats.warnings = vec![
            "2000001 values: past the platform's default daily limit of \
             2000000 users through file segments"
                .into(),
            "something new".into(),
        ];
        stats.options = Some(RunOptions {
            id_type: IdType::Phone,
            attribute_type: AttributeType::String,
            case: Case::Keep,
            header: HeaderMode::Yes,
            attribute_name: Some("phone".into()),
            column: Some(Column::Name("mobile".into())),
            delimiter: Delimiter::Char(b'\t'),
            default_region: Some("US".into()),
            allow_chars: "#".into(),
            deny_chars: "x".into(),
            ascii_only: true,
            max_value_len: 30,
            max_bytes: 100,
            max_input_bytes: 0,
            encoding: Encoding::Windows1252,
        });
        let file =
            StatsFile { stats, output: Some("c.csv".into()), parts: None };
        let text = round_trip(&file);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema"], STATS_SCHEMA);
        assert_eq!(
            value["warning_codes"],
            serde_json::json!(["daily-limit", "other"])
        );
        assert_eq!(value["options"]["delimiter"], "tab");
        assert_eq!(value["options"]["column"], "mobile");
        let mut numbered = file.clone();
        numbered.stats.options.as_mut().unwrap().column =
            Some(Column::Number(2));
        let text = round_trip(&numbered);
        assert!(text.contains("\"column\": 2"), "{text}");

        // Another major version, codes that do not pair, a bad option.
        for (from, to, message) in [
            (STATS_SCHEMA, "segprep-stats/2", "another version"),
            (STATS_SCHEMA, "users/1", "not a segprep document"),
            ("\"other\"", "\"other\", \"x\"", "3 codes for 2"),
            ("\"tab\"", "\"wide\"", "unknown delimiter"),
        ] {
            let changed = text.replacen(from, to, 1);
            assert_ne!(changed, text);
            let err = serde_json::from_str::<StatsFile>(&changed)
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{err}");
        }
        // A file from before schemas and codes still reads.
        let mut old: Value = serde_json::from_str(&text).unwrap();
        let map = old.as_object_mut().unwrap();
        for key in ["schema", "warning_codes", "options"] {
            map.remove(key);
        }
        let back: StatsFile = serde_json::from_value(old).unwrap();
        assert_eq!(back.stats.options, None);
        assert_eq!(back.stats.warnings, file.stats.warnings);
    }

    #[test]
    fn reading_refuses_keys_twice_at_any_depth() {
        let file = StatsFile {
            stats: full_stats(),
            output: Some("c.csv".into()),
            parts: Some(vec![PartStats {
                path: "p".into(),
                values: 3,
                bytes: 12,
            }]),
        };
        let text = serde_json::to_string(&file).unwrap();
        for (from, to, key) in [
            ("\"bytes\":10,", "\"bytes\":10,\"bytes\":11,", "bytes"),
            ("{\"schema\"", "{\"zz\":1,\"zz\":1,\"schema\"", "zz"),
            (
                "\"empty-row\":1",
                "\"empty-row\":1,\"empty-row\":1",
                "empty-row",
            ),
            ("\"values\":3", "\"values\":3,\"values\":4", "values"),
        ] {
            let twice = text.replacen(from, to, 1);
            assert_ne!(twice, text);
            let err = serde_json::from_str::<StatsFile>(&twice)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("duplicate key \"{key}\" at line 1")),
                "{err}"
            );
        }
    }
}
