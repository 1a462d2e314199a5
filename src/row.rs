//! Steps 2 to 10 for one row: a fast path for rows of plain ASCII value
//! characters, and the general path for everything else.

use crate::field::read_row;
use crate::idtype::{Normalized, Rejection, ValueRules};
use crate::rule::FixSet;

/// Per-worker buffers, so a changed value costs no allocation.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) value: Vec<u8>,
}

/// Where a kept row's value is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A slice of the row, unchanged.
    Borrowed(&'a [u8]),
    /// Changed; in `Scratch::value`.
    Scratch,
}

/// The compiled per-row rules.
#[derive(Clone, Debug)]
pub(crate) struct RowRules {
    pub(crate) value: ValueRules,
    /// Bytes that steps 3 to 8 leave alone in any row made only of them:
    /// ASCII, not white space, not `"` or `,`, and allowed by step 8 in
    /// either case.
    plain: [bool; 256],
}

impl RowRules {
    pub(crate) fn new(value: ValueRules) -> RowRules {
        let mut plain = [false; 256];
        for b in 0u8..0x80 {
            let structural = matches!(b, b' ' | b'\t' | b'"' | b',');
            let denied = value.special.denies_ascii(b)
                || value.special.denies_ascii(b.to_ascii_lowercase())
                || value.special.denies_ascii(b.to_ascii_uppercase());
            plain[usize::from(b)] = !structural && !denied;
        }
        RowRules { value, plain }
    }

    /// Runs steps 3 to 10 on a row without its terminator (and, for row
    /// 1, without the BOM). Fixes are added to `fixes`.
    pub(crate) fn process<'a>(
        &self,
        raw: &'a [u8],
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Result<Value<'a>, Rejection> {
        if !raw.is_empty() && raw.iter().all(|&b| self.plain[usize::from(b)]) {
            // One unquoted field with nothing to trim: steps 3 to 5 and 8
            // cannot change or reject it.
            return Ok(
                match self.value.apply(raw, true, &mut scratch.value, fixes)? {
                    Normalized::Same => Value::Borrowed(raw),
                    Normalized::Changed => Value::Scratch,
                },
            );
        }
        let field = read_row(raw)?;
        *fixes = field.fixes.iter().chain(fixes.iter()).collect();
        let bytes = field.value.as_bytes();
        match self.value.apply(bytes, false, &mut scratch.value, fixes)? {
            Normalized::Changed => Ok(Value::Scratch),
            Normalized::Same => match field.value {
                std::borrow::Cow::Borrowed(value) => {
                    Ok(Value::Borrowed(value.as_bytes()))
                }
                std::borrow::Cow::Owned(value) => {
                    scratch.value = value.into_bytes();
                    Ok(Value::Scratch)
                }
            },
        }
    }
}
