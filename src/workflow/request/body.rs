//! What a built request serializes to.

use serde::Serialize;

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
