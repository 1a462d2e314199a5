//! File Segment API request bodies.
//!
//! A request body that the platform rejects costs one of its ten file
//! operations an hour, and a malformed URL or e-mail is found only when
//! the callback (or no callback) arrives. So the body is checked here,
//! before anything is sent: the name is not blank, URLs are absolute
//! `http` or `https` URLs with a host, e-mails pass the `email` id type's
//! check, and every option belongs to the operation it is given to.
//!
//! ```
//! use segprep::workflow::request::{DataCenter, Operation, RequestBuilder};
//!
//! let request = RequestBuilder::new(Operation::Create)
//!     .name("lapsed_buyers")
//!     .attribute_name("email")
//!     .file_url("https://files.example.com/lapsed.csv")
//!     .expiry_days(30)
//!     .data_center("01".parse::<DataCenter>()?)
//!     .build()?;
//! let json = serde_json::to_value(&request)?;
//! assert_eq!(json["method"], "POST");
//! assert_eq!(
//!     json["url"],
//!     "https://api-01.moengage.com/v2/custom-segments/file-segment"
//! );
//! assert_eq!(json["body"]["expiry_time"], 30);
//! assert!(json["body"].get("callback_url").is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod data_center;
mod http_url;
mod operation;

pub use body::{Body, Call, Request};
pub use data_center::DataCenter;
pub use operation::Operation;

use std::convert::Infallible;

use crate::error::Error;
use crate::options::{AttributeType, HeaderMode, IdType};
use crate::pipeline::{Pipeline, PipelineBuilder};
use crate::sink::{Finding, Kept, Sink};
use http_url::checked_url;

/// The largest `expiry_time`: 2^53 - 1, the largest whole number that a
/// JSON reader holding numbers as doubles (JavaScript, many others)
/// reads exactly. The platform counts days, so the body carries the
/// number as given; a larger one could reach it as another number.
pub const MAX_EXPIRY_DAYS: u64 = (1 << 53) - 1;

fn too_many_days(text: impl std::fmt::Display) -> Error {
    Error::config(format!(
        "`expiry_days` '{text}': at most {MAX_EXPIRY_DAYS} (2^53 - 1), the \
         largest whole number every JSON reader holds exactly"
    ))
}

/// Parses `--expiry-days`: ASCII digits only (no sign, no fraction, no
/// spaces). Zero parses; [`RequestBuilder::build`] refuses it, and
/// anything above [`MAX_EXPIRY_DAYS`].
///
/// # Errors
///
/// Anything that is not a whole number, or one too large for `u64`.
pub fn parse_days(text: &str) -> Result<u64, Error> {
    let not_whole = || {
        Error::config(format!(
            "`expiry_days` '{text}': not a whole number of days"
        ))
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_whole());
    }
    text.parse().map_err(|_| too_many_days(text))
}

/// The most characters of an e-mail an error message shows.
const SHOWN_CHARS: usize = 200;

/// `text` for a one-line message: escaped as a Rust string would be
/// (`\n`, `\u{1b}`), cut after [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    let mut out: String =
        text.chars().take(SHOWN_CHARS).flat_map(char::escape_debug).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        out.push_str("...");
    }
    out
}

/// The checks an e-mail must pass: those of `--id-type email`. An e-mail
/// passes when a one-row file holding it would be kept unchanged.
fn email_pipeline() -> Result<Pipeline, Error> {
    PipelineBuilder::new()
        .id_type(IdType::Email)
        .header(HeaderMode::No)
        .threads(1)
        .build()
}

/// Why `email` would not be kept unchanged, in the engine's words; `None`
/// when it would.
fn email_problem(pipeline: &Pipeline, email: &str) -> Option<String> {
    let mut file = email.as_bytes().to_vec();
    file.push(b'\n');
    let run = pipeline.process(crate::Input::from_bytes(file, "e-mail"));
    let stats = run.stats();
    if stats.conforms() {
        return None;
    }
    if stats.values_found != 1 {
        return Some("it holds a line break".to_string());
    }
    let mut first = FirstFinding(None);
    let Ok(()) = run.emit(&mut first);
    Some(first.0.unwrap_or_else(|| {
        let findings: Vec<_> =
            stats.file_findings.iter().map(|f| f.name()).collect();
        findings.join(", ")
    }))
}

/// The first finding of a run, as `rule, detail`.
struct FirstFinding(Option<String>);

impl FirstFinding {
    fn note(&mut self, finding: Option<Finding<'_>>) {
        if let (None, Some(f)) = (&self.0, finding) {
            self.0 = Some(format!("{}, {}", f.rule(), f.detail()));
        }
    }
}

impl Sink for FirstFinding {
    type Error = Infallible;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Infallible> {
        self.note(row.findings().next());
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), Infallible> {
        self.note(Some(*finding));
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }
}

/// The inputs of one request; [`build`](RequestBuilder::build) checks
/// them against each other and the operation.
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    operation: Operation,
    name: Option<String>,
    attribute_name: Option<String>,
    attribute_type: Option<AttributeType>,
    file_url: Option<String>,
    callback_url: Option<String>,
    emails: Vec<String>,
    expiry_days: Option<u64>,
    segment_id: Option<String>,
    data_center: Option<DataCenter>,
}

impl RequestBuilder {
    /// A request for `operation` with nothing set yet.
    pub fn new(operation: Operation) -> RequestBuilder {
        RequestBuilder {
            operation,
            name: None,
            attribute_name: None,
            attribute_type: None,
            file_url: None,
            callback_url: None,
            emails: Vec::new(),
            expiry_days: None,
            segment_id: None,
            data_center: None,
        }
    }

    /// The segment's name (`name`); required by every operation.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }

    /// The user attribute the file's values identify (`attribute_name`).
    pub fn attribute_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.attribute_name = Some(name.into());
        self
    }

    /// The attribute's type (`attribute_type`); `string` when not set.
    pub fn attribute_type(&mut self, kind: AttributeType) -> &mut Self {
        self.attribute_type = Some(kind);
        self
    }

    /// Where the platform downloads the file (`file_url`).
    pub fn file_url(&mut self, url: impl Into<String>) -> &mut Self {
        self.file_url = Some(url.into());
        self
    }

    /// Where the platform posts its processing result (`callback_url`).
    pub fn callback_url(&mut self, url: impl Into<String>) -> &mut Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Adds an address that receives the processing result (`emails`).
    pub fn email(&mut self, email: impl Into<String>) -> &mut Self {
        self.emails.push(email.into());
        self
    }

    /// The segment's lifetime in days (`expiry_time`); required by
    /// `create`, at least 1.
    pub fn expiry_days(&mut self, days: u64) -> &mut Self {
        self.expiry_days = Some(days);
        self
    }

    /// The segment's id (`cs_id`), for archive and unarchive.
    pub fn segment_id(&mut self, id: impl Into<String>) -> &mut Self {
        self.segment_id = Some(id.into());
        self
    }

    /// Wraps the body in `{"method", "url", "body"}` for this data
    /// center.
    pub fn data_center(&mut self, dc: DataCenter) -> &mut Self {
        self.data_center = Some(dc);
        self
    }

    /// Checks the inputs and builds the request.
    ///
    /// `expiry_time` holds `--expiry-days` as given, a number of days:
    /// the platform documents `expiry_time` as the segment's expiry time
    /// in days (its example sends `30`), so no conversion to seconds or
    /// to a date is made.
    ///
    /// # Errors
    ///
    /// A missing or blank name; for create, add, remove and replace a
    /// missing or blank attribute name or a missing file URL; a URL that
    /// is not an absolute `http` or `https` URL with a host; an e-mail
    /// that the `email` id type would reject; a missing (create) or zero
    /// expiry; an option the operation does not take; a data center for
    /// an operation whose endpoint the platform does not document.
    pub fn build(&self) -> Result<Request, Error> {
        let op = self.operation;
        self.check_options()?;
        let name = match self.name.as_deref() {
            None => {
                return Err(Error::config(format!("{op} needs `name`")));
            }
            Some(name) if name.trim().is_empty() => {
                return Err(Error::config("`name` must not be empty"));
            }
            Some(name) => name.to_string(),
        };
        let mut body = Body { name, ..Body::default() };
        if op.sends_file() {
            body.attribute_name = match self.attribute_name.as_deref() {
                None => {
                    return Err(Error::config(format!(
                        "{op} needs `attribute_name`"
                    )));
                }
                Some(a) if a.trim().is_empty() => {
                    return Err(Error::config(
                        "`attribute_name` must not be empty",
                    ));
                }
                Some(a) => Some(a.to_string()),
            };
            body.attribute_type = Some(
                self.attribute_type.unwrap_or(AttributeType::String).name(),
            );
            body.file_url = match self.file_url.as_deref() {
                None => {
                    return Err(Error::config(format!(
                        "{op} needs `file_url`"
                    )));
                }
                Some(url) => Some(checked_url("`file_url`", url)?),
            };
            body.callback_url = self
                .callback_url
                .as_deref()
                .map(|url| checked_url("`callback_url`", url))
                .transpose()?;
            if !self.emails.is_empty() {
                let pipeline = email_pipeline()?;
                for email in &self.emails {
                    if let Some(problem) = email_problem(&pipeline, email) {
                        return Err(Error::config(format!(
                            "`email` '{}': not an e-mail address that \
                             the email id type keeps unchanged: {problem}",
                            shown(email)
                        )));
                    }
                }
            }
            if !self.emails.is_empty() {
                body.emails = Some(self.emails.clone());
            }
        }
        if op == Operation::Create {
            body.expiry_time = match self.expiry_days {
                None => {
                    return Err(Error::config(
                        "create needs `expiry_days` (a whole number of \
                         days, at least 1)",
                    ));
                }
                Some(0) => {
                    return Err(Error::config(
                        "`expiry_days` must be at least 1",
                    ));
                }
                Some(days) if days > MAX_EXPIRY_DAYS => {
                    return Err(too_many_days(days));
                }
                Some(days) => Some(days),
            };
        }
        if let Some(id) = &self.segment_id {
            if id.trim().is_empty() {
                return Err(Error::config("`segment_id` must not be empty"));
            }
            body.cs_id = Some(id.clone());
        }
        let Some(dc) = self.data_center else {
            return Ok(Request::Body(body));
        };
        let Some((method, path)) = op.endpoint() else {
            return Err(Error::config(format!(
                "`data_center`: endpoint not documented for {op} (only for create, \
                 archive and unarchive); print the body without `data_center`"
            )));
        };
        Ok(Request::Call(Call {
            method,
            url: format!("{}{path}", dc.api_base()),
            body,
        }))
    }

    /// Refuses options that the operation does not send, rather than
    /// leaving them silently out of the body.
    fn check_options(&self) -> Result<(), Error> {
        let op = self.operation;
        let file_only = [
            ("`attribute_name`", self.attribute_name.is_some()),
            ("`attribute_type`", self.attribute_type.is_some()),
            ("`file_url`", self.file_url.is_some()),
            ("`callback_url`", self.callback_url.is_some()),
            ("`email`", !self.emails.is_empty()),
        ];
        if !op.sends_file() {
            if let Some((flag, _)) = file_only.iter().find(|(_, set)| *set) {
                return Err(Error::config(format!(
                    "{flag} is not used by {op} (only by create, add, \
                     remove and replace)"
                )));
            }
        }
        if op != Operation::Create && self.expiry_days.is_some() {
            return Err(Error::config(format!(
                "`expiry_days` is not used by {op} (only by create)"
            )));
        }
        if op.sends_file() && self.segment_id.is_some() {
            return Err(Error::config(format!(
                "`segment_id` is not used by {op} (only by archive and \
                 unarchive)"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn file_request(op: Operation) -> RequestBuilder {
        let mut b = RequestBuilder::new(op);
        b.name("seg")
            .attribute_name("uid")
            .file_url("https://h.example/f.csv");
        b
    }

    fn json_of(b: &RequestBuilder) -> Value {
        serde_json::to_value(b.build().expect("a valid request")).unwrap()
    }

    fn error_of(b: &RequestBuilder) -> String {
        b.build().expect_err("an invalid request").to_string()
    }

    #[test]
    fn create_body_in_documented_order() {
        let mut b = file_request(Operation::Create);
        b.attribute_type(AttributeType::Double)
            .callback_url("http://cb.example:8080/moe?x=1")
            .email("a@b.co")
            .email("c@d.example.org")
            .expiry_days(30);
        let text = serde_json::to_string(&b.build().unwrap()).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"name":"seg","attribute_name":"uid","#,
                r#""attribute_type":"double","#,
                r#""file_url":"https://h.example/f.csv","#,
                r#""callback_url":"http://cb.example:8080/moe?x=1","#,
                r#""emails":["a@b.co","c@d.example.org"],"expiry_time":30}"#,
            )
        );
    }

    #[test]
    fn optional_keys_are_left_out() {
        for op in [Operation::Add, Operation::Remove, Operation::Replace] {
            assert_eq!(
                json_of(&file_request(op)),
                json!({
                    "name": "seg",
                    "attribute_name": "uid",
                    "attribute_type": "string",
                    "file_url": "https://h.example/f.csv",
                })
            );
        }
        let mut b = RequestBuilder::new(Operation::Archive);
        b.name("seg");
        assert_eq!(json_of(&b), json!({"name": "seg"}));
        b.segment_id("65a1");
        assert_eq!(json_of(&b), json!({"name": "seg", "cs_id": "65a1"}));
    }

    #[test]
    fn data_center_wraps_documented_endpoints() {
        let dc: DataCenter = "101".parse().unwrap();
        let mut b = file_request(Operation::Create);
        b.expiry_days(1).data_center(dc);
        let v = json_of(&b);
        assert_eq!(v["method"], "POST");
        assert_eq!(
            v["url"],
            "https://api-101.moengage.com/v2/custom-segments/file-segment"
        );
        assert_eq!(v["body"]["expiry_time"], 1);
        for (op, path) in [
            (Operation::Archive, "archive"),
            (Operation::Unarchive, "unarchive"),
        ] {
            let mut b = RequestBuilder::new(op);
            b.name("seg").data_center("03".parse().unwrap());
            assert_eq!(
                json_of(&b),
                json!({
                    "method": "PATCH",
                    "url": format!(
                        "https://api-03.moengage.com/v2/custom-segments/{path}"
                    ),
                    "body": {"name": "seg"},
                })
            );
        }
        for op in [Operation::Add, Operation::Remove, Operation::Replace] {
            let mut b = file_request(op);
            b.data_center(dc);
            assert!(error_of(&b).contains("endpoint not documented"));
        }
    }
    #[test]
    fn names_must_not_be_blank() {
        let mut b = file_request(Operation::Add);
        b.name("");
        assert!(error_of(&b).contains("`name` must not be empty"));
        b.name("  ");
        assert!(error_of(&b).contains("`name` must not be empty"));
        assert_eq!(
            error_of(RequestBuilder::new(Operation::Archive).name("")),
            "`name` must not be empty"
        );
        assert!(error_of(&RequestBuilder::new(Operation::Archive))
            .contains("archive needs `name`"));
        let mut b = file_request(Operation::Add);
        b.attribute_name("");
        assert!(error_of(&b).contains("`attribute_name` must not be empty"));
    }

    #[test]
    fn expiry_days() {
        let b = file_request(Operation::Create);
        assert!(error_of(&b).contains("create needs `expiry_days`"));
        let mut b = file_request(Operation::Create);
        b.expiry_days(0);
        assert!(error_of(&b).contains("at least 1"));
        let mut b = file_request(Operation::Add);
        b.expiry_days(3);
        assert!(error_of(&b).contains("not used by add"));
        assert_eq!(parse_days("30").unwrap(), 30);
        assert_eq!(parse_days("007").unwrap(), 7);
        for bad in ["", "-1", "+1", "1.5", "1e3", " 3", "x"] {
            assert_eq!(
                parse_days(bad).unwrap_err().to_string(),
                format!("`expiry_days` '{bad}': not a whole number of days"),
                "{bad:?}"
            );
        }
        assert!(parse_days("99999999999999999999999")
            .unwrap_err()
            .to_string()
            .contains("at most 9007199254740991"));
        let mut b = file_request(Operation::Create);
        b.expiry_days(MAX_EXPIRY_DAYS);
        assert_eq!(json_of(&b)["expiry_time"], MAX_EXPIRY_DAYS);
        b.expiry_days(MAX_EXPIRY_DAYS + 1);
        assert_eq!(
            error_of(&b),
            "`expiry_days` '9007199254740992': at most 9007199254740991 \
             (2^53 - 1), the largest whole number every JSON reader holds \
             exactly"
        );
    }

    #[test]
    fn options_foreign_to_the_operation_are_refused() {
        let mut b = RequestBuilder::new(Operation::Unarchive);
        b.name("seg").file_url("https://h.example/f.csv");
        assert!(error_of(&b).contains("`file_url` is not used by unarchive"));
        let mut b = RequestBuilder::new(Operation::Archive);
        b.name("seg").attribute_type(AttributeType::String);
        assert_eq!(
            error_of(&b),
            "`attribute_type` is not used by archive (only by create, add, \
             remove and replace)"
        );
        let mut b = file_request(Operation::Create);
        b.expiry_days(1).segment_id("x");
        assert!(error_of(&b).contains("`segment_id` is not used by create"));
        let mut b = RequestBuilder::new(Operation::Add);
        b.name("seg").attribute_name("uid");
        assert!(error_of(&b).contains("add needs `file_url`"));
    }

    #[test]
    fn emails_use_the_email_id_type_check() {
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a@b..co", "a@.b.co"] {
            let mut b = file_request(Operation::Add);
            b.email("ok@b.co").email(bad);
            let err = error_of(&b);
            assert!(err.contains("not an e-mail address"), "{bad:?}: {err}");
        }
        for (bad, reason) in [
            ("", "empty-row, no value in the row"),
            ("a@b", "bad-format, not an e-mail address"),
            ("a@b.co\n", "it holds a line break"),
            ("a@b.co\r", "crlf, CR before LF removed"),
            (" a@b.co", "whitespace, white space around the value removed"),
            ("\"a@b.co\"", "quoted, quotes removed"),
            ("a@b.co,", "trailing-comma, trailing empty fields removed"),
            ("a@b.co,c@d.co", "multi-column, 2 fields where 1 is allowed"),
            ("a\tb@c.co", "special-char, value has '\\t'"),
            ("\u{feff}a@b.co", "bom, byte order mark removed"),
        ] {
            let mut b = file_request(Operation::Add);
            b.email(bad);
            let err = error_of(&b);
            let head = format!(
                "`email` '{}': not an e-mail address that the email id type \
                 keeps unchanged: {reason}",
                bad.escape_debug()
            );
            assert!(err.starts_with(&head), "{bad:?}: {err}");
        }
        let long = "a".repeat(300);
        let mut b = file_request(Operation::Add);
        b.email(format!("{long}@b.co"));
        let err = error_of(&b);
        assert!(err.starts_with(&format!("`email` '{}...'", &long[..200])));
        assert!(err.ends_with("too-long, 305 bytes, over the limit of 256"));
    }

    #[test]
    fn url_errors_name_the_option() {
        let mut b = file_request(Operation::Add);
        b.callback_url("ftp://h/x");
        let err = error_of(&b);
        assert!(err.starts_with("`callback_url` 'ftp://h/x': "), "{err}");
    }
}
