//! The operations of the File Segment API and the endpoints it
//! documents for them.

use std::fmt;
use std::str::FromStr;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_round_trip() {
        // The spec's list, in the order of the documentation.
        assert_eq!(
            Operation::NAMES,
            ["create", "add", "remove", "replace", "archive", "unarchive"]
        );
        assert_eq!(Operation::ALL.len(), Operation::NAMES.len());
        for (op, name) in Operation::ALL.iter().zip(Operation::NAMES) {
            assert_eq!(op.name(), *name);
            assert_eq!(op.to_string(), *name);
            assert_eq!(name.parse::<Operation>(), Ok(*op));
        }
        assert_eq!(
            "delete".parse::<Operation>(),
            Err("unknown operation 'delete' (expected one of: create, add, \
                 remove, replace, archive, unarchive)"
                .to_string())
        );
    }
}
