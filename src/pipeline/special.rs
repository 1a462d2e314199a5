//! Step 8: the characters a value may not contain.

/// The denied set of step 8, after `--allow-chars`, `--deny-chars` and
/// `--ascii-only`.
#[derive(Clone, Debug)]
pub(crate) struct SpecialChars {
    ascii: [bool; 128],
    non_ascii: Vec<char>,
    ascii_only: bool,
}

/// Denied by default besides the ASCII control characters.
const DEFAULT_DENIED: &[char] = &[
    ' ', '"', '\'', '#', ',', ';', '\\', '|', '<', '>', '`', '\u{a0}',
    '\u{200b}', '\u{feff}',
];

impl SpecialChars {
    /// Builds the set. A character both allowed and denied is denied.
    pub(crate) fn new(allow: &str, deny: &str, ascii_only: bool) -> Self {
        let mut denied: Vec<char> = (0u8..0x20)
            .chain([0x7f])
            .map(char::from)
            .chain(DEFAULT_DENIED.iter().copied())
            .filter(|c| !allow.contains(*c))
            .collect();
        denied.extend(deny.chars());
        let mut ascii = [false; 128];
        let mut non_ascii = Vec::new();
        for c in denied {
            if c.is_ascii() {
                ascii[c as usize] = true;
            } else if !non_ascii.contains(&c) {
                non_ascii.push(c);
            }
        }
        SpecialChars { ascii, non_ascii, ascii_only }
    }

    /// Whether the ASCII byte `b` is denied.
    pub(crate) fn denies_ascii(&self, b: u8) -> bool {
        self.ascii[usize::from(b & 0x7f)] && b < 0x80
    }

    /// Whether any character of `chars` is allowed.
    pub(crate) fn allows_any(&self, chars: &str) -> bool {
        chars.chars().any(|c| {
            let mut buf = [0; 4];
            self.first_denied(c.encode_utf8(&mut buf)).is_none()
        })
    }

    /// The first denied character of `text`, if any.
    pub(crate) fn first_denied(&self, text: &str) -> Option<char> {
        if text.is_ascii() {
            let at = text.bytes().position(|b| self.ascii[usize::from(b)])?;
            return Some(char::from(text.as_bytes()[at]));
        }
        text.chars().find(|&c| {
            if c.is_ascii() {
                self.ascii[c as usize]
            } else {
                self.ascii_only || self.non_ascii.contains(&c)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let set = SpecialChars::new("", "", false);
        for c in "\"'#,;\\|<>` \t\r\n\0\u{7f}\u{a0}\u{200b}\u{feff}".chars() {
            assert_eq!(set.first_denied(&format!("ab{c}")), Some(c), "{c:?}");
        }
        assert_eq!(set.first_denied("a-b_c.d@e+f:g/h"), None);
        assert_eq!(set.first_denied("ñandú"), None);
    }

    #[test]
    fn allow_removes_and_deny_wins() {
        let set = SpecialChars::new("#;\u{a0}", ";ñ", false);
        assert_eq!(set.first_denied("a#b"), None);
        assert_eq!(set.first_denied("a\u{a0}b"), None);
        assert_eq!(set.first_denied("a;b"), Some(';'));
        assert_eq!(set.first_denied("ñ"), Some('ñ'));
    }

    #[test]
    fn ascii_only_ignores_allow() {
        let set = SpecialChars::new("é", "", true);
        assert_eq!(set.first_denied("café"), Some('é'));
        assert_eq!(set.first_denied("cafe"), None);
    }

    #[test]
    fn denies_ascii_matches_first_denied() {
        let set = SpecialChars::new("#", "x", false);
        for b in 0u8..128 {
            let text = char::from(b).to_string();
            assert_eq!(
                set.denies_ascii(b),
                set.first_denied(&text).is_some(),
                "{b}"
            );
        }
        assert!(!set.denies_ascii(0xc3));
    }
}
