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
//! use segprep::request::{DataCenter, Operation, RequestBuilder};
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

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;
use crate::idtype::{is_email, AttributeType};

/// A File Segment API operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Create a segment from a file.
    Create,
    /// Add a file's users to a segment.
    Add,
    /// Remove a file's users from a segment.
    Remove,
    /// Replace a segment's users with a file's.
    Replace,
    /// Archive a segment.
    Archive,
    /// Bring an archived segment back.
    Unarchive,
}

impl Operation {
    /// Every operation's name, in the order of the documentation.
    pub const NAMES: &'static [&'static str] =
        &["create", "add", "remove", "replace", "archive", "unarchive"];

    const ALL: [Operation; 6] = [
        Operation::Create,
        Operation::Add,
        Operation::Remove,
        Operation::Replace,
        Operation::Archive,
        Operation::Unarchive,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Add => "add",
            Operation::Remove => "remove",
            Operation::Replace => "replace",
            Operation::Archive => "archive",
            Operation::Unarchive => "unarchive",
        }
    }

    /// Whether the operation sends a file (create, add, remove,
    /// replace) rather than only names a segment (archive, unarchive).
    pub fn sends_file(self) -> bool {
        !matches!(self, Operation::Archive | Operation::Unarchive)
    }

    /// The HTTP method and path the platform documents for the
    /// operation, if it documents one.
    pub fn endpoint(self) -> Option<(&'static str, &'static str)> {
        match self {
            Operation::Create => {
                Some(("POST", "/v2/custom-segments/file-segment"))
            }
            Operation::Archive => {
                Some(("PATCH", "/v2/custom-segments/archive"))
            }
            Operation::Unarchive => {
                Some(("PATCH", "/v2/custom-segments/unarchive"))
            }
            Operation::Add | Operation::Remove | Operation::Replace => None,
        }
    }
}

impl FromStr for Operation {
    type Err = String;

    fn from_str(s: &str) -> Result<Operation, String> {
        Operation::ALL.into_iter().find(|op| op.name() == s).ok_or_else(|| {
            format!(
                "unknown operation '{s}' (expected one of: {})",
                Operation::NAMES.join(", ")
            )
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A MoEngage data center: the `DC` of `https://api-DC.moengage.com`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataCenter(&'static str);

impl DataCenter {
    /// Every data center the platform documents.
    pub const NAMES: &'static [&'static str] =
        &["01", "02", "03", "04", "05", "06", "101"];

    /// The data center's name, as in the API host (`01`, ..., `101`).
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The API's base URL in this data center, without a final `/`.
    pub fn api_base(self) -> String {
        format!("https://api-{}.moengage.com", self.0)
    }
}

impl FromStr for DataCenter {
    type Err = Error;

    /// Parses a data center name exactly as the platform writes it (`1`
    /// is not `01`).
    fn from_str(s: &str) -> Result<DataCenter, Error> {
        match DataCenter::NAMES.iter().find(|&&name| name == s) {
            Some(&name) => Ok(DataCenter(name)),
            None => Err(Error::config(format!(
                "--dc '{s}': unknown data center (expected one of: {})",
                DataCenter::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Parses `--expiry-days`: ASCII digits only (no sign, no fraction, no
/// spaces). Zero parses; [`RequestBuilder::build`] refuses it.
///
/// # Errors
///
/// Anything that is not a whole number, or one too large for `u64`.
pub fn parse_days(text: &str) -> Result<u64, Error> {
    let not_whole = || {
        Error::config(format!(
            "--expiry-days '{text}': not a whole number of days"
        ))
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_whole());
    }
    text.parse().map_err(|_| {
        Error::config(format!("--expiry-days '{text}': too large"))
    })
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
                return Err(Error::config(format!("{op} needs --name")));
            }
            Some(name) if name.trim().is_empty() => {
                return Err(Error::config("--name must not be empty"));
            }
            Some(name) => name.to_string(),
        };
        let mut body = Body { name, ..Body::default() };
        if op.sends_file() {
            body.attribute_name = match self.attribute_name.as_deref() {
                None => {
                    return Err(Error::config(format!(
                        "{op} needs --attribute-name"
                    )));
                }
                Some(a) if a.trim().is_empty() => {
                    return Err(Error::config(
                        "--attribute-name must not be empty",
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
                        "{op} needs --file-url"
                    )));
                }
                Some(url) => Some(checked_url("--file-url", url)?),
            };
            body.callback_url = self
                .callback_url
                .as_deref()
                .map(|url| checked_url("--callback-url", url))
                .transpose()?;
            for email in &self.emails {
                if !is_email(email.as_bytes()) {
                    return Err(Error::config(format!(
                        "--email '{email}': not an e-mail address: one @, \
                         a local part and a dotted domain"
                    )));
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
                        "create needs --expiry-days (a whole number of \
                         days, at least 1)",
                    ));
                }
                Some(0) => {
                    return Err(Error::config(
                        "--expiry-days must be at least 1",
                    ));
                }
                Some(days) => Some(days),
            };
        }
        if let Some(id) = &self.segment_id {
            if id.trim().is_empty() {
                return Err(Error::config("--segment-id must not be empty"));
            }
            body.cs_id = Some(id.clone());
        }
        let Some(dc) = self.data_center else {
            return Ok(Request::Body(body));
        };
        let Some((method, path)) = op.endpoint() else {
            return Err(Error::config(format!(
                "--dc: endpoint not documented for {op} (only for create, \
                 archive and unarchive); print the body without --dc"
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
            ("--attribute-name", self.attribute_name.is_some()),
            ("--attribute-type", self.attribute_type.is_some()),
            ("--file-url", self.file_url.is_some()),
            ("--callback-url", self.callback_url.is_some()),
            ("--email", !self.emails.is_empty()),
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
                "--expiry-days is not used by {op} (only by create)"
            )));
        }
        if op.sends_file() && self.segment_id.is_some() {
            return Err(Error::config(format!(
                "--segment-id is not used by {op} (only by archive and \
                 unarchive)"
            )));
        }
        Ok(())
    }
}

/// A request body. Keys that were not given are left out, never null;
/// keys come in the platform's documented order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Body {
    /// `name`.
    pub name: String,
    /// `attribute_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<String>,
    /// `attribute_type`: `string` or `double`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_type: Option<&'static str>,
    /// `file_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// `callback_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// `emails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// `expiry_time`, in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<u64>,
    /// `cs_id`: the segment's id, for archive and unarchive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_id: Option<String>,
}

/// A body with the method and URL to send it to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    /// `POST` or `PATCH`.
    pub method: &'static str,
    /// The endpoint in the chosen data center.
    pub url: String,
    /// What to send.
    pub body: Body,
}

/// What `segprep request` prints: the body alone, or, with a data
/// center, the whole call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Request {
    /// The body alone.
    Body(Body),
    /// `{"method", "url", "body"}`.
    Call(Call),
}

impl Request {
    /// The body, wrapped or not.
    pub fn body(&self) -> &Body {
        match self {
            Request::Body(body) => body,
            Request::Call(call) => &call.body,
        }
    }
}

/// Why a text is not an absolute `http` or `https` URL with a host.
#[derive(Clone, Debug, PartialEq, Eq)]
enum UrlProblem {
    Empty,
    Space,
    NotAbsolute,
    Scheme(String),
    NoHost,
    BadHost,
    BadPort,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Empty => f.write_str("empty"),
            UrlProblem::Space => {
                f.write_str("has a space or control character; encode it")
            }
            UrlProblem::NotAbsolute => f.write_str(
                "not an absolute URL; give the whole address, starting \
                 with https://",
            ),
            UrlProblem::Scheme(scheme) => {
                write!(f, "the scheme is {scheme}, not http or https")
            }
            UrlProblem::NoHost => f.write_str("no host after the scheme"),
            UrlProblem::BadHost => f.write_str("not a valid host name"),
            UrlProblem::BadPort => f.write_str("not a valid port"),
        }
    }
}

/// The URL, owned, when it is an absolute `http` or `https` URL with a
/// host; else an error naming the option.
fn checked_url(flag: &str, url: &str) -> Result<String, Error> {
    match check_http_url(url) {
        Ok(()) => Ok(url.to_string()),
        Err(problem) => {
            Err(Error::config(format!("{flag} '{url}': {problem}")))
        }
    }
}

/// Checks `scheme://[userinfo@]host[:port][/path][?query][#fragment]`,
/// scheme `http` or `https` in any case (RFC 3986, section 3). Only the
/// parts before the path are looked at closely: the platform downloads
/// whatever path and query it is given.
fn check_http_url(url: &str) -> Result<(), UrlProblem> {
    if url.is_empty() {
        return Err(UrlProblem::Empty);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Space);
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(UrlProblem::NotAbsolute);
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok {
        return Err(UrlProblem::NotAbsolute);
    }
    if !scheme.eq_ignore_ascii_case("http")
        && !scheme.eq_ignore_ascii_case("https")
    {
        return Err(UrlProblem::Scheme(scheme.to_string()));
    }
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(UrlProblem::NoHost);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let Some((ip, after)) = inner.split_once(']') else {
            return Err(UrlProblem::BadHost);
        };
        let ip_ok = ip.contains(':')
            && ip.bytes().all(|b| b.is_ascii_hexdigit() || b":.".contains(&b));
        if !ip_ok {
            return Err(UrlProblem::BadHost);
        }
        match after {
            "" => (ip, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (ip, Some(port)),
                None => return Err(UrlProblem::BadHost),
            },
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(UrlProblem::NoHost);
    }
    if !host_port.starts_with('[') && !is_host_name(host) {
        return Err(UrlProblem::BadHost);
    }
    if let Some(port) = port {
        let digits =
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || port.parse::<u16>().is_err() {
            return Err(UrlProblem::BadPort);
        }
    }
    Ok(())
}

/// A registered name or IPv4 address: dot-separated labels, none empty
/// (one final dot allowed), of letters, digits, `-`, `_`, `~`,
/// percent-escapes and non-ASCII letters (internationalized names).
fn is_host_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.split('.').all(|label| {
        !label.is_empty()
            && label.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, '-' | '_' | '~' | '%')
            })
    })
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
    fn operation_names_round_trip() {
        for (op, name) in Operation::ALL.iter().zip(Operation::NAMES) {
            assert_eq!(op.name(), *name);
            assert_eq!(name.parse::<Operation>(), Ok(*op));
        }
        assert!("delete".parse::<Operation>().is_err());
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
    fn data_centers() {
        for name in DataCenter::NAMES {
            assert_eq!(name.parse::<DataCenter>().unwrap().name(), *name);
        }
        for bad in ["1", "07", "", "100", " 01"] {
            assert!(bad.parse::<DataCenter>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_must_not_be_blank() {
        let mut b = file_request(Operation::Add);
        b.name("");
        assert!(error_of(&b).contains("--name must not be empty"));
        b.name("  ");
        assert!(error_of(&b).contains("--name must not be empty"));
        assert!(error_of(RequestBuilder::new(Operation::Archive).name(""))
            .contains("--name"));
        assert!(error_of(&RequestBuilder::new(Operation::Archive))
            .contains("archive needs --name"));
        let mut b = file_request(Operation::Add);
        b.attribute_name("");
        assert!(error_of(&b).contains("--attribute-name must not be empty"));
    }

    #[test]
    fn expiry_days() {
        let b = file_request(Operation::Create);
        assert!(error_of(&b).contains("create needs --expiry-days"));
        let mut b = file_request(Operation::Create);
        b.expiry_days(0);
        assert!(error_of(&b).contains("at least 1"));
        let mut b = file_request(Operation::Add);
        b.expiry_days(3);
        assert!(error_of(&b).contains("not used by add"));
        assert_eq!(parse_days("30").unwrap(), 30);
        assert_eq!(parse_days("007").unwrap(), 7);
        for bad in ["", "-1", "+1", "1.5", "1e3", " 3", "x"] {
            assert!(parse_days(bad).is_err(), "{bad:?}");
        }
        assert!(parse_days("99999999999999999999999")
            .unwrap_err()
            .to_string()
            .contains("too large"));
    }

    #[test]
    fn options_foreign_to_the_operation_are_refused() {
        let mut b = RequestBuilder::new(Operation::Unarchive);
        b.name("seg").file_url("https://h.example/f.csv");
        assert!(error_of(&b).contains("--file-url is not used by unarchive"));
        let mut b = RequestBuilder::new(Operation::Archive);
        b.name("seg").attribute_type(AttributeType::String);
        assert!(error_of(&b).contains("--attribute-type"));
        let mut b = file_request(Operation::Create);
        b.expiry_days(1).segment_id("x");
        assert!(error_of(&b).contains("--segment-id is not used by create"));
        let mut b = RequestBuilder::new(Operation::Add);
        b.name("seg").attribute_name("uid");
        assert!(error_of(&b).contains("add needs --file-url"));
    }

    #[test]
    fn emails_use_the_email_id_type_check() {
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a@b..co", "a@.b.co"] {
            let mut b = file_request(Operation::Add);
            b.email("ok@b.co").email(bad);
            let err = error_of(&b);
            assert!(err.contains("not an e-mail address"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn urls() {
        let good = [
            "http://h",
            "https://h.example/f.csv",
            "HTTPS://H.EXAMPLE/F.CSV",
            "https://user:pw@h.example:443/a/b.csv?sig=x&y=1#frag",
            "http://127.0.0.1:8080",
            "http://[::1]:80/x",
            "https://h.example./x",
            "https://bücher.example/x",
            "https://h.example?x",
        ];
        for url in good {
            assert_eq!(check_http_url(url), Ok(()), "{url}");
        }
        let bad = [
            ("", UrlProblem::Empty),
            ("data.csv", UrlProblem::NotAbsolute),
            ("/abs/path.csv", UrlProblem::NotAbsolute),
            ("//h.example/x", UrlProblem::NotAbsolute),
            ("ftp://h.example/x", UrlProblem::Scheme("ftp".into())),
            ("s3://bucket/x", UrlProblem::Scheme("s3".into())),
            ("http:/h.example/x", UrlProblem::NoHost),
            ("http:h.example", UrlProblem::NoHost),
            ("http://", UrlProblem::NoHost),
            ("http:///x.csv", UrlProblem::NoHost),
            ("http://user@/x", UrlProblem::NoHost),
            ("http://:80/x", UrlProblem::NoHost),
            ("http://h..example/x", UrlProblem::BadHost),
            ("http://h_x^y/x", UrlProblem::BadHost),
            ("http://[::1/x", UrlProblem::BadHost),
            ("http://[zz]/x", UrlProblem::BadHost),
            ("http://h:/x", UrlProblem::BadPort),
            ("http://h:99999/x", UrlProblem::BadPort),
            ("http://h:8o/x", UrlProblem::BadPort),
            ("http://h.example/a b.csv", UrlProblem::Space),
        ];
        for (url, problem) in bad {
            assert_eq!(check_http_url(url), Err(problem), "{url}");
        }
        let mut b = file_request(Operation::Add);
        b.callback_url("ftp://h/x");
        let err = error_of(&b);
        assert!(err.starts_with("--callback-url 'ftp://h/x': "), "{err}");
    }
}
