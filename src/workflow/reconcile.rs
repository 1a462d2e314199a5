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
//! use segprep::workflow::reconcile::{reconcile, Callback, CleanSummary};
//!
//! let stats = br#"{"values_found": 12, "values_processed": 10,
//!                  "output": "clean.csv"}"#;
//! let callback = br#"{"db_name": "shop", "segment_name": "lapsed",
//!     "request_id": "r-1", "status": 201, "values_found": 10,
//!     "values_processed": 10, "user_count": 9}"#;
//! let stats = CleanSummary::from_json(stats, "stats.json")?;
//! let callback = Callback::from_json(callback, "callback.json")?;
//! let report = reconcile(&stats.uploaded(None)?, &callback);
//! assert!(report.consistent);
//! assert_eq!(report.all_rows_read, Some(true));
//! assert_eq!(report.match_rate, Some(0.9));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};

/// The status of a callback for a file the platform processed.
pub const SUCCESS_STATUS: u16 = 201;

fn malformed(input: &str, message: impl Into<String>) -> Error {
    Error::from(ErrorKind::Malformed {
        input: input.to_string(),
        message: message.into(),
    })
}

/// A JSON object and the name of the input it came from, for error
/// messages that say which file and which field.
struct Object<'a> {
    input: &'a str,
    what: &'static str,
    map: Map<String, Value>,
}

impl<'a> Object<'a> {
    fn parse(
        bytes: &[u8],
        input: &'a str,
        what: &'static str,
    ) -> Result<Object<'a>, Error> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            malformed(input, format!("not a JSON {what}: {e}"))
        })?;
        match value {
            Value::Object(map) => Ok(Object { input, what, map }),
            _ => Err(malformed(
                input,
                format!("not a JSON {what}: expected an object"),
            )),
        }
    }

    fn error(&self, message: String) -> Error {
        malformed(self.input, format!("not a valid {}: {message}", self.what))
    }

    /// A non-negative integer field; `None` when absent (or null).
    fn count(&self, key: &str) -> Result<Option<u64>, Error> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.error(format!(
                    "\"{key}\" is {v}, not a non-negative integer"
                ))
            }),
        }
    }

    fn required_count(&self, key: &str) -> Result<u64, Error> {
        self.count(key)?
            .ok_or_else(|| self.error(format!("\"{key}\" is missing")))
    }

    /// A string field; `None` when absent (or null).
    fn string(&self, key: &str) -> Result<Option<String>, Error> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => {
                Err(self.error(format!("\"{key}\" is {v}, not a string")))
            }
        }
    }

    /// A string or integer field, as text (ids come either way).
    fn id(&self, key: &str) -> Result<Option<String>, Error> {
        match self.map.get(key) {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => {
                Ok(Some(n.to_string()))
            }
            _ => self.string(key),
        }
    }
}

/// One part of a split clean file, from the statistics' `parts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartSummary {
    /// The part's path as `clean` wrote it.
    pub path: Option<String>,
    /// The values in the part.
    pub values: u64,
}

/// What reconciling needs from the statistics `clean --stats` wrote.
/// Other keys are ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanSummary {
    /// Rows in `clean`'s input.
    pub values_found: u64,
    /// Values `clean` wrote.
    pub values_processed: u64,
    /// The clean file's path, when the statistics name it.
    pub output: Option<String>,
    /// The parts of a split clean file; empty when it was not split.
    pub parts: Vec<PartSummary>,
}

impl CleanSummary {
    /// Reads `clean --stats` output (`check --format json` output works
    /// too). `input` names the file in error messages.
    ///
    /// # Errors
    ///
    /// Not a JSON object; `values_found` or `values_processed` missing
    /// or not a non-negative integer; `parts` not a list of objects
    /// with `values`; an object that looks like a callback.
    pub fn from_json(
        bytes: &[u8],
        input: &str,
    ) -> Result<CleanSummary, Error> {
        let obj = Object::parse(bytes, input, "statistics object")?;
        if obj.map.contains_key("status") && obj.map.contains_key("request_id")
        {
            return Err(obj.error(
                "it has \"status\" and \"request_id\": is it the callback? \
                 (give it with --callback)"
                    .to_string(),
            ));
        }
        let values_found = obj.required_count("values_found")?;
        let values_processed = obj.required_count("values_processed")?;
        let output = obj.string("output")?;
        let mut parts = Vec::new();
        match obj.map.get("parts") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let Value::Object(map) = item else {
                        return Err(obj.error(format!(
                            "parts[{i}] is {item}, not an object"
                        )));
                    };
                    let part =
                        Object { input, what: obj.what, map: map.clone() };
                    let values = part.count("values")?.ok_or_else(|| {
                        obj.error(format!("parts[{i}] has no \"values\""))
                    })?;
                    parts.push(PartSummary {
                        path: part.string("path")?,
                        values,
                    });
                }
            }
            Some(v) => {
                return Err(obj.error(format!("\"parts\" is {v}, not a list")))
            }
        }
        Ok(CleanSummary { values_found, values_processed, output, parts })
    }

    /// The file that was uploaded: the whole clean file, or part `part`
    /// (1-based) of a split one.
    ///
    /// # Errors
    ///
    /// A split clean file of more than one part and no `part`; a `part`
    /// that the statistics do not have.
    pub fn uploaded(&self, part: Option<usize>) -> Result<Uploaded, Error> {
        match (part, self.parts.as_slice()) {
            (None, []) => Ok(Uploaded {
                path: self.output.clone(),
                values: self.values_processed,
            }),
            (None, [only]) => Ok(Uploaded::from(only)),
            (None, parts) => Err(Error::config(format!(
                "the statistics describe {} parts; say which one was \
                 uploaded with --part N",
                parts.len()
            ))),
            (Some(_), []) => Err(Error::config(
                "--part: the statistics describe a clean file that was not \
                 split",
            )),
            (Some(n), parts) => {
                match n.checked_sub(1).and_then(|i| parts.get(i)) {
                    Some(p) => Ok(Uploaded::from(p)),
                    None => Err(Error::config(format!(
                        "--part {n}: the statistics describe parts 1 to {}",
                        parts.len()
                    ))),
                }
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

impl From<&PartSummary> for Uploaded {
    fn from(part: &PartSummary) -> Uploaded {
        Uploaded { path: part.path.clone(), values: part.values }
    }
}

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
        let obj = Object::parse(bytes, input, "callback object")?;
        let status = obj.required_count("status")?;
        let status = u16::try_from(status)
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| {
                obj.error(format!(
                    "\"status\" is {status}, not an HTTP status code"
                ))
            })?;
        let mut callback = Callback {
            db_name: obj.string("db_name")?,
            segment_name: obj.string("segment_name")?,
            request_id: obj.id("request_id")?,
            status,
            error_message: obj.string("error_message")?,
            values_found: obj.count("values_found")?,
            values_processed: obj.count("values_processed")?,
            user_count: obj.count("user_count")?,
        };
        if callback.is_success() {
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
    /// A success, every row read, none skipped.
    pub consistent: bool,
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
    let consistent = callback.is_success()
        && all_rows_read == Some(true)
        && none_skipped == Some(true);
    Report {
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
        consistent,
    }
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

    fn stats() -> CleanSummary {
        CleanSummary::from_json(STATS.as_bytes(), "s.json").unwrap()
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

    #[test]
    fn stats_fields_and_extra_keys() {
        let s = stats();
        assert_eq!(s.values_found, 12);
        assert_eq!(s.values_processed, 10);
        assert_eq!(s.output.as_deref(), Some("clean.csv"));
        assert!(s.parts.is_empty());
        assert_eq!(
            s.uploaded(None).unwrap(),
            Uploaded { path: Some("clean.csv".into()), values: 10 }
        );
        assert_eq!(
            s.uploaded(Some(1)).unwrap_err().to_string(),
            "--part: the statistics describe a clean file that was not split"
        );
    }

    #[test]
    fn stats_errors() {
        for (text, needle) in [
            ("", "not a JSON statistics object"),
            ("[1]", "expected an object"),
            (r#"{"values_found": 1}"#, "\"values_processed\" is missing"),
            (
                r#"{"values_found": 1, "values_processed": -1}"#,
                "\"values_processed\" is -1",
            ),
            (
                r#"{"values_found": "1", "values_processed": 1}"#,
                "\"values_found\" is \"1\"",
            ),
            (
                r#"{"values_found": 1, "values_processed": 1, "output": 3}"#,
                "\"output\" is 3, not a string",
            ),
            (
                r#"{"status": 201, "request_id": "r", "values_found": 1,
                    "values_processed": 1, "user_count": 1}"#,
                "is it the callback?",
            ),
        ] {
            let err = CleanSummary::from_json(text.as_bytes(), "s.json")
                .expect_err(text)
                .to_string();
            assert!(err.starts_with("s.json: "), "{err}");
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn split_stats_need_a_part() {
        let text = json!({
            "values_found": 9, "values_processed": 7, "output": "c.csv",
            "parts": [
                {"path": "c.part-001.csv", "values": 4, "bytes": 8},
                {"path": "c.part-002.csv", "values": 3, "bytes": 6},
            ],
        })
        .to_string();
        let s = CleanSummary::from_json(text.as_bytes(), "s.json").unwrap();
        assert_eq!(
            s.uploaded(None).unwrap_err().to_string(),
            "the statistics describe 2 parts; say which one was uploaded \
             with --part N"
        );
        assert_eq!(
            s.uploaded(Some(2)).unwrap(),
            Uploaded { path: Some("c.part-002.csv".into()), values: 3 }
        );
        for n in [0, 3] {
            assert_eq!(
                s.uploaded(Some(n)).unwrap_err().to_string(),
                format!("--part {n}: the statistics describe parts 1 to 2")
            );
        }
        let text = r#"{"values_found": 1, "values_processed": 1,
                       "parts": [{"path": "p"}]}"#;
        let err = CleanSummary::from_json(text.as_bytes(), "s")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s: not a valid statistics object: parts[0] has no \"values\""
        );
    }

    #[test]
    fn consistent_success() {
        let r =
            reconcile(&stats().uploaded(None).unwrap(), &success(10, 10, 8));
        assert!(r.success && r.consistent);
        assert_eq!(r.all_rows_read, Some(true));
        assert_eq!(r.none_skipped, Some(true));
        assert_eq!(r.match_rate, Some(0.8));
        assert_eq!(r.request_id.as_deref(), Some("r1"));
        assert_eq!(r.file.as_deref(), Some("clean.csv"));
    }

    #[test]
    fn mismatches() {
        let up = stats().uploaded(None).unwrap();
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
        let up = stats().uploaded(None).unwrap();
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
        let r = reconcile(&stats().uploaded(None).unwrap(), &cb);
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
    }

    #[test]
    fn report_serializes_every_key() {
        let r =
            reconcile(&stats().uploaded(None).unwrap(), &success(10, 10, 5));
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
