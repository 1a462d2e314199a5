//! Reconciling the platform's processing callback with `clean`'s
//! statistics.
//!
//! The platform says how many rows it found in the uploaded file
//! (`values_found`), how many it kept (`values_processed`) and how many
//! users they matched (`user_count`). `clean` said how many values it
//! wrote. If the platform found a different number of rows, it did not
//! read the file `clean` wrote (a stale upload, a different part, a
//! truncated download); if it kept fewer than it found, it skipped
//! values that `clean` thought were fine.
//!
//! ```
//! use segprep::workflow::reconcile::{
//!     read_stats, reconcile, uploaded, Callback,
//! };
//!
//! let stats = br#"{"input": "in.csv", "bytes": 40, "values_found": 12,
//!     "values_processed": 10, "duplicates": 2, "header": null,
//!     "rejected": {}, "fixed": {}, "warnings": [],
//!     "output": "clean.csv", "output_bytes": 30}"#;
//! let callback = br#"{"db_name": "shop", "segment_name": "lapsed",
//!     "request_id": "r-1", "status": 201, "values_found": 10,
//!     "values_processed": 10, "user_count": 9}"#;
//! let stats = read_stats(stats, "stats.json")?;
//! let callback = Callback::from_json(callback, "callback.json")?;
//! let report = reconcile(&uploaded(&stats, None)?, &callback);
//! assert!(report.consistent);
//! assert_eq!(report.all_rows_read, Some(true));
//! assert_eq!(report.match_rate, Some(0.9));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Both inputs may start with a UTF-8 byte order mark. A key given
//! twice is refused, not taken last; keys not named here are ignored.

use serde::de::DeserializeSeed;
use serde::Serialize;
use serde_json::error::Category;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::stats::json::{Known, Object};
use crate::stats::{PartStats, StatsFile};

/// The status of a callback for a file the platform processed.
pub const SUCCESS_STATUS: u16 = 201;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn malformed(input: &str, message: impl Into<String>) -> Error {
    Error::from(ErrorKind::Malformed {
        input: input.to_string(),
        message: message.into(),
    })
}

/// A serde_json error as a message: not JSON at all, or JSON of the
/// wrong shape.
fn json_error(input: &str, what: &str, err: serde_json::Error) -> Error {
    match err.classify() {
        Category::Data => {
            malformed(input, format!("not a valid {what}: {err}"))
        }
        _ => malformed(input, format!("not a JSON {what}: {err}")),
    }
}

/// The known keys of the object in `bytes`, a byte order mark skipped.
fn read_object(
    bytes: &[u8],
    keys: &[&str],
) -> Result<Map<String, Value>, serde_json::Error> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = Known(keys).deserialize(&mut de)?;
    de.end()?;
    Ok(map)
}

/// Reads the statistics `clean --stats` wrote (the report of `check
/// --format json` reads too, without an output). `input` names the file
/// in error messages.
///
/// # Errors
///
/// Not JSON; not a [`StatsFile`] (a key missing, twice, or of the wrong
/// type), with a hint when it looks like the callback.
pub fn read_stats(bytes: &[u8], input: &str) -> Result<StatsFile, Error> {
    let text = bytes.strip_prefix(BOM).unwrap_or(bytes);
    serde_json::from_slice(text).map_err(|err| {
        let callback = read_object(bytes, &["status", "request_id"])
            .is_ok_and(|map| map.len() == 2);
        if callback {
            malformed(
                input,
                "not a valid statistics object: it has \"status\" and \
                 \"request_id\": is it the callback? (give it as the \
                 callback)",
            )
        } else {
            json_error(input, "statistics object", err)
        }
    })
}

/// The file that was uploaded: the whole clean file, or part `part`
/// (1-based) of a split one.
///
/// # Errors
///
/// A split clean file of more than one part and no `part`; a `part`
/// that the statistics do not have.
pub fn uploaded(
    stats: &StatsFile,
    part: Option<usize>,
) -> Result<Uploaded, Error> {
    match (part, stats.parts.as_deref().unwrap_or_default()) {
        (None, []) => Ok(Uploaded {
            path: stats.output.clone(),
            values: stats.stats.values_processed,
        }),
        (None, [only]) => Ok(Uploaded::from(only)),
        (None, parts) => Err(Error::config(format!(
            "the statistics describe {} parts; say which one was \
             uploaded (part N)",
            parts.len()
        ))),
        (Some(_), []) => Err(Error::config(
            "part: the statistics describe a clean file that was not \
             split",
        )),
        (Some(n), parts) => {
            match n.checked_sub(1).and_then(|i| parts.get(i)) {
                Some(p) => Ok(Uploaded::from(p)),
                None => Err(Error::config(format!(
                    "part {n}: the statistics describe parts 1 to {}",
                    parts.len()
                ))),
            }
        }
    }
}

/// The file that was uploaded, as `clean` wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploaded {
    /// Its path, when the statistics name it.
    pub path: Option<String>,
    /// The values in it.
    pub values: u64,
}

impl From<&PartStats> for Uploaded {
    fn from(part: &PartStats) -> Uploaded {
        Uploaded { path: Some(part.path.clone()), values: part.values }
    }
}

/// The keys of a callback; others are ignored.
const CALLBACK_KEYS: [&str; 8] = [
    "db_name",
    "segment_name",
    "request_id",
    "status",
    "error_message",
    "values_found",
    "values_processed",
    "user_count",
];

/// The callback the platform posts after processing a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Callback {
    /// `db_name`.
    pub db_name: Option<String>,
    /// `segment_name`.
    pub segment_name: Option<String>,
    /// `request_id` (a string or an integer, kept as text).
    pub request_id: Option<String>,
    /// `status`: 201 on success; anything else is a failure.
    pub status: u16,
    /// `error_message`, on failure.
    pub error_message: Option<String>,
    /// Rows the platform found in the file.
    pub values_found: Option<u64>,
    /// Values the platform kept.
    pub values_processed: Option<u64>,
    /// Users the kept values matched.
    pub user_count: Option<u64>,
}

impl Callback {
    /// Reads a callback. `input` names the file in error messages.
    ///
    /// A success (status 201) must carry `values_found`,
    /// `values_processed` and `user_count`. A failure (any other
    /// status) need not carry `error_message`: the failure is the news,
    /// and a missing message should not hide it. Fields that are present
    /// must have the right type; unknown keys are ignored.
    ///
    /// # Errors
    ///
    /// Not a JSON object; `status` missing or not an HTTP status code
    /// (100 to 599); a success without its counts; a field of the wrong
    /// type.
    pub fn from_json(bytes: &[u8], input: &str) -> Result<Callback, Error> {
        let what = "callback object";
        let map = read_object(bytes, &CALLBACK_KEYS)
            .map_err(|err| json_error(input, what, err))?;
        Callback::from_object(&Object(&map))
            .map_err(|m| malformed(input, format!("not a valid {what}: {m}")))
    }

    fn from_object(obj: &Object<'_>) -> Result<Callback, String> {
        let status = obj.required_count("status")?;
        let status = u16::try_from(status)
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| {
                format!("\"status\" is {status}, not an HTTP status code")
            })?;
        // Ids come as strings or integers.
        let request_id = match obj.get("request_id") {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => {
                Some(n.to_string())
            }
            _ => obj.string("request_id")?,
        };
        let mut callback = Callback {
            db_name: obj.string("db_name")?,
            segment_name: obj.string("segment_name")?,
            request_id,
            status,
            error_message: obj.string("error_message")?,
            values_found: obj.count("values_found")?,
            values_processed: obj.count("values_processed")?,
            user_count: obj.count("user_count")?,
        };
        if callback.is_success() {
            obj.require(&["values_found", "values_processed", "user_count"])?;
            callback.values_found = Some(obj.required_count("values_found")?);
            callback.values_processed =
                Some(obj.required_count("values_processed")?);
            callback.user_count = Some(obj.required_count("user_count")?);
        }
        Ok(callback)
    }

    /// Whether the platform processed the file.
    pub fn is_success(&self) -> bool {
        self.status == SUCCESS_STATUS
    }
}

/// The outcome of comparing a callback with the uploaded file's
/// statistics; `--format json` prints it as it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The callback's status.
    pub status: u16,
    /// Whether the status is the success status, 201.
    pub success: bool,
    /// The callback's `error_message`.
    pub error_message: Option<String>,
    /// The callback's `db_name`.
    pub db_name: Option<String>,
    /// The callback's `segment_name`.
    pub segment_name: Option<String>,
    /// The callback's `request_id`.
    pub request_id: Option<String>,
    /// The uploaded file's path, from the statistics.
    pub file: Option<String>,
    /// Values in the uploaded file: `clean`'s `values_processed` (or the
    /// part's `values`).
    pub written: u64,
    /// The platform's `values_found`.
    pub values_found: Option<u64>,
    /// The platform's `values_processed`.
    pub values_processed: Option<u64>,
    /// The platform's `user_count`.
    pub user_count: Option<u64>,
    /// The platform found as many rows as `clean` wrote: it read the
    /// file `clean` wrote, all of it. `None` without counts.
    pub all_rows_read: Option<bool>,
    /// The platform kept every row it found. `None` without counts.
    pub none_skipped: Option<bool>,
    /// `user_count / values_processed`; `None` without counts or when
    /// no value was processed.
    pub match_rate: Option<f64>,
    /// A success, every row read, none skipped, and no more users than
    /// values.
    pub consistent: bool,
}

impl Report {
    /// Whether the platform reports more users than the values it kept:
    /// it matches a value to one user at most, so such counts cannot be
    /// right (a match rate over 100%).
    pub fn users_exceed_values(&self) -> bool {
        matches!(
            (self.user_count, self.values_processed),
            (Some(users), Some(processed)) if users > processed
        )
    }
}

/// Compares the callback with the file that was uploaded.
pub fn reconcile(uploaded: &Uploaded, callback: &Callback) -> Report {
    let all_rows_read = callback.values_found.map(|f| f == uploaded.values);
    let none_skipped = callback
        .values_found
        .zip(callback.values_processed)
        .map(|(found, processed)| found == processed);
    let match_rate = callback
        .user_count
        .zip(callback.values_processed)
        .filter(|&(_, processed)| processed > 0)
        .map(|(users, processed)| users as f64 / processed as f64);
    let mut report = Report {
        status: callback.status,
        success: callback.is_success(),
        error_message: callback.error_message.clone(),
        db_name: callback.db_name.clone(),
        segment_name: callback.segment_name.clone(),
        request_id: callback.request_id.clone(),
        file: uploaded.path.clone(),
        written: uploaded.values,
        values_found: callback.values_found,
        values_processed: callback.values_processed,
        user_count: callback.user_count,
        all_rows_read,
        none_skipped,
        match_rate,
        consistent: false,
    };
    report.consistent = report.success
        && all_rows_read == Some(true)
        && none_skipped == Some(true)
        && !report.users_exceed_values();
    report
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const STATS: &str = r#"{
        "input": "in.csv", "bytes": 40, "values_found": 12,
        "values_processed": 10, "duplicates": 2, "header": null,
        "rejected": {}, "fixed": {}, "warnings": [],
        "output": "clean.csv", "output_bytes": 30
    }"#;

    fn stats() -> StatsFile {
        read_stats(STATS.as_bytes(), "s.json").unwrap()
    }

    fn callback(v: Value) -> Result<Callback, Error> {
        Callback::from_json(v.to_string().as_bytes(), "cb.json")
    }

    fn success(found: u64, processed: u64, users: u64) -> Callback {
        callback(json!({
            "db_name": "shop", "segment_name": "seg", "request_id": "r1",
            "status": 201, "values_found": found,
            "values_processed": processed, "user_count": users,
        }))
        .unwrap()
    }

    /// `STATS` with `key` set to `value` (removed when `None`).
    fn stats_with(key: &str, value: Option<Value>) -> String {
        let mut v: Value = serde_json::from_str(STATS).unwrap();
        let map = v.as_object_mut().unwrap();
        match value {
            Some(value) => map.insert(key.to_string(), value),
            None => map.remove(key),
        };
        v.to_string()
    }

    #[test]
    fn stats_fields_and_extra_keys() {
        let s = stats();
        assert_eq!(s.stats.values_found, 12);
        assert_eq!(s.stats.values_processed, 10);
        assert_eq!(s.stats.clean_bytes, 30);
        assert_eq!(s.output.as_deref(), Some("clean.csv"));
        assert_eq!(s.parts, None);
        assert_eq!(
            uploaded(&s, None).unwrap(),
            Uploaded { path: Some("clean.csv".into()), values: 10 }
        );
        assert_eq!(
            uploaded(&s, Some(1)).unwrap_err().to_string(),
            "part: the statistics describe a clean file that was not split"
        );
        // Unknown keys (here those of `check --format json`) are ignored.
        let check = stats_with("conforms", Some(json!(false)));
        let check = read_stats(check.as_bytes(), "s.json").unwrap();
        assert_eq!(check, s);
        // A byte order mark is skipped.
        let bom = format!("\u{feff}{STATS}");
        assert_eq!(read_stats(bom.as_bytes(), "s.json").unwrap(), s);
    }

    #[test]
    fn stats_errors() {
        let cases = [
            ("".to_string(), "not a JSON statistics object"),
            ("[1]".to_string(), "expected an object"),
            ("\"x\"".to_string(), "invalid type: a string"),
            (
                r#"{"values_found": 1}"#.to_string(),
                "\"input\", \"bytes\", \"values_processed\", \
                 \"duplicates\", \"header\", \"rejected\", \"fixed\" and \
                 \"warnings\" are missing",
            ),
            (
                stats_with("values_processed", None),
                "\"values_processed\" is missing",
            ),
            (
                stats_with("values_processed", Some(json!(-1))),
                "\"values_processed\" is -1, not a non-negative integer",
            ),
            (
                stats_with("values_found", Some(json!("1"))),
                "\"values_found\" is \"1\"",
            ),
            (
                stats_with("values_found", Some(Value::Null)),
                "\"values_found\" is null",
            ),
            (
                stats_with("output", Some(json!(3))),
                "\"output\" is 3, not a string",
            ),
            (
                stats_with("output_bytes", None),
                "\"output\" comes without \"output_bytes\"",
            ),
            (
                stats_with("rejected", Some(json!({"nope": 1}))),
                "\"rejected\" has \"nope\", not the name of a rule",
            ),
            (
                stats_with("fixed", Some(json!({"crlf": 1.5}))),
                "\"fixed\" \"crlf\" is 1.5, not a non-negative integer",
            ),
            (
                stats_with("warnings", Some(json!(["a", 2]))),
                "\"warnings\" holds 2, not a string",
            ),
            (
                stats_with("parts", Some(json!({}))),
                "\"parts\" is {}, not a list",
            ),
            (
                r#"{"status": 201, "request_id": "r", "values_found": 1,
                    "values_processed": 1, "user_count": 1}"#
                    .to_string(),
                "is it the callback?",
            ),
        ];
        for (text, needle) in cases {
            let err = read_stats(text.as_bytes(), "s.json")
                .expect_err(&text)
                .to_string();
            assert!(err.starts_with("s.json: "), "{err}");
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn split_stats_need_a_part() {
        let parts = json!([
            {"path": "c.part-001.csv", "values": 4, "bytes": 8},
            {"path": "c.part-002.csv", "values": 3, "bytes": 6},
        ]);
        let text = stats_with("parts", Some(parts));
        let s = read_stats(text.as_bytes(), "s.json").unwrap();
        assert_eq!(
            uploaded(&s, None).unwrap_err().to_string(),
            "the statistics describe 2 parts; say which one was uploaded \
             (part N)"
        );
        assert_eq!(
            uploaded(&s, Some(2)).unwrap(),
            Uploaded { path: Some("c.part-002.csv".into()), values: 3 }
        );
        for n in [0, 3] {
            assert_eq!(
                uploaded(&s, Some(n)).unwrap_err().to_string(),
                format!("part {n}: the statistics describe parts 1 to 2")
            );
        }
        let text = stats_with("parts", Some(json!([{"path": "p"}])));
        let err = read_stats(text.as_bytes(), "s").unwrap_err().to_string();
        assert_eq!(
            err,
            "s: not a valid statistics object: parts[0] has no \"values\""
        );
    }

    #[test]
    fn consistent_success() {
        let r =
            reconcile(&uploaded(&stats(), None).unwrap(), &success(10, 10, 8));
        assert!(r.success && r.consistent);
        assert_eq!(r.all_rows_read, Some(true));
        assert_eq!(r.none_skipped, Some(true));
        assert_eq!(r.match_rate, Some(0.8));
        assert_eq!(r.request_id.as_deref(), Some("r1"));
        assert_eq!(r.file.as_deref(), Some("clean.csv"));
    }

    #[test]
    fn mismatches() {
        let up = uploaded(&stats(), None).unwrap();
        let r = reconcile(&up, &success(11, 11, 11));
        assert_eq!(r.all_rows_read, Some(false));
        assert_eq!(r.none_skipped, Some(true));
        assert!(!r.consistent);
        let r = reconcile(&up, &success(10, 9, 9));
        assert_eq!(r.all_rows_read, Some(true));
        assert_eq!(r.none_skipped, Some(false));
        assert_eq!(r.match_rate, Some(1.0));
        assert!(!r.consistent);
    }

    #[test]
    fn zero_values_processed_has_no_match_rate() {
        let up = Uploaded { path: None, values: 0 };
        let r = reconcile(&up, &success(0, 0, 0));
        assert_eq!(r.match_rate, None);
        assert!(r.consistent);
        let up = uploaded(&stats(), None).unwrap();
        let r = reconcile(&up, &success(10, 0, 0));
        assert_eq!(r.match_rate, None);
        assert_eq!(r.none_skipped, Some(false));
        assert!(!r.consistent);
    }

    #[test]
    fn failure_status() {
        let cb = callback(json!({
            "db_name": "shop", "segment_name": "seg", "request_id": 77,
            "status": 400, "error_message": "file not reachable",
        }))
        .unwrap();
        assert!(!cb.is_success());
        let r = reconcile(&uploaded(&stats(), None).unwrap(), &cb);
        assert!(!r.consistent && !r.success);
        assert_eq!(r.status, 400);
        assert_eq!(r.error_message.as_deref(), Some("file not reachable"));
        assert_eq!(r.request_id.as_deref(), Some("77"));
        assert_eq!(r.all_rows_read, None);
        assert_eq!(r.match_rate, None);
        let bare = callback(json!({"status": 500})).unwrap();
        assert_eq!(bare.error_message, None);
    }

    #[test]
    fn callback_errors() {
        for (v, needle) in [
            (json!({}), "\"status\" is missing"),
            (json!({"status": "201"}), "\"status\" is \"201\""),
            (json!({"status": 42}), "not an HTTP status code"),
            (json!({"status": 70000}), "not an HTTP status code"),
            (
                json!({"status": 201, "values_found": 1,
                       "values_processed": 1}),
                "\"user_count\" is missing",
            ),
            (
                json!({"status": 201, "values_found": 1.5,
                       "values_processed": 1, "user_count": 1}),
                "\"values_found\" is 1.5",
            ),
            (
                json!({"status": 400, "error_message": ["x"]}),
                "\"error_message\" is [\"x\"], not a string",
            ),
            (json!([]), "expected an object"),
            (
                json!({"status": 500, "request_id": ["x".repeat(300)]}),
                &format!("\"request_id\" is [\"{}...,", "x".repeat(198)),
            ),
            (
                json!({"status": "\u{1b}\u{7f}\u{9b}"}),
                r#""status" is "\u001b\u007f\u009b", not a non-negative"#,
            ),
        ] {
            let err = callback(v.clone()).expect_err(&v.to_string());
            let err = err.to_string();
            assert!(err.starts_with("cb.json: "), "{err}");
            assert!(err.contains(needle), "{v}: {err}");
        }
        let err = Callback::from_json(b"{\"status\": 201,", "cb.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a JSON callback object"), "{err}");
        for (text, key) in [
            (r#"{"status": 400, "status": 201}"#, "status"),
            (r#"{"status": 500, "x": {}, "x": 1}"#, "x"),
        ] {
            let err = Callback::from_json(text.as_bytes(), "cb.json")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!(
                    "cb.json: not a valid callback object: duplicate key \
                     \"{key}\" at line 1"
                )),
                "{text}: {err}"
            );
        }
        // Inside a key that is ignored, nothing is read.
        let text = r#"{"status": 500, "x": [{"k": 1, "k": 2}]}"#;
        assert!(Callback::from_json(text.as_bytes(), "cb.json").is_ok());
    }

    #[test]
    fn callback_with_a_byte_order_mark() {
        let text = b"\xEF\xBB\xBF{\"status\": 500}";
        let cb = Callback::from_json(text, "cb.json").unwrap();
        assert_eq!(cb.status, 500);
    }

    #[test]
    fn more_users_than_values_is_not_consistent() {
        let up = uploaded(&stats(), None).unwrap();
        let r = reconcile(&up, &success(10, 10, 750));
        assert_eq!(r.match_rate, Some(75.0));
        assert!(r.users_exceed_values());
        assert!(!r.consistent);
        let r = reconcile(&up, &success(10, 10, 10));
        assert!(!r.users_exceed_values() && r.consistent);
        let empty = Uploaded { path: None, values: 0 };
        let r = reconcile(&empty, &success(0, 0, 1));
        assert_eq!(r.match_rate, None);
        assert!(r.users_exceed_values());
        assert!(!r.consistent);
    }

    #[test]
    fn report_serializes_every_key() {
        let r =
            reconcile(&uploaded(&stats(), None).unwrap(), &success(10, 10, 5));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            json!({
                "status": 201, "success": true, "error_message": null,
                "db_name": "shop", "segment_name": "seg",
                "request_id": "r1", "file": "clean.csv", "written": 10,
                "values_found": 10, "values_processed": 10,
                "user_count": 5, "all_rows_read": true,
                "none_skipped": true, "match_rate": 0.5,
                "consistent": true,
            })
        );
    }
}
