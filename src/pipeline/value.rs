//! The value checks of pipeline steps 7 to 10.

use std::io::Write as _;

use crate::options::{Case, IdType};
use crate::pipeline::phone::{PhoneRegion, MAX_E164};
use crate::pipeline::special::SpecialChars;
use crate::rule::{Detail, Fix, FixSet, Reject, Rejection};

/// Whether `holds` is true of every byte, 32 bytes at a time with no
/// branch per byte, so that the compiler can unroll or vectorize the test:
/// a value can be a whole 150 MB line. The rest has no branch per byte
/// either: most values are shorter than a block.
#[inline]
pub(crate) fn all_bytes(bytes: &[u8], holds: impl Fn(u8) -> bool) -> bool {
    let mut blocks = bytes.chunks_exact(32);
    blocks
        .by_ref()
        .all(|block| block.iter().fold(true, |all, &b| all & holds(b)))
        && blocks.remainder().iter().fold(true, |all, &b| all & holds(b))
}

/// Steps 7 to 10 for one id type and attribute type.
#[derive(Clone, Debug)]
pub(crate) struct ValueRules {
    pub(crate) id_type: IdType,
    pub(crate) double: bool,
    pub(crate) case: Case,
    pub(crate) special: SpecialChars,
    pub(crate) max_value_len: usize,
    /// With id type `phone`: write numbers in E.164 for this region.
    pub(crate) phone_region: Option<PhoneRegion>,
}

/// Where the value ended up after steps 7 to 10.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Normalized {
    /// The value is unchanged.
    Same,
    /// The value changed and is now in the scratch buffer.
    Changed,
    /// The value is this many bytes at the start of the input value.
    Prefix(usize),
}

/// The ASCII letter cases of a plain value: what its caller learned while
/// finding it plain, so that step 7 need not read it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Letters {
    pub(crate) upper: bool,
    pub(crate) lower: bool,
}

impl Letters {
    #[cfg(test)]
    pub(crate) fn of(value: &[u8]) -> Letters {
        Letters {
            upper: value.iter().any(u8::is_ascii_uppercase),
            lower: value.iter().any(u8::is_ascii_lowercase),
        }
    }
}

impl ValueRules {
    /// Whether steps 7 to 10 keep a plain `string` value as it is: what
    /// [`ValueRules::apply`] says of it, in a few inlined tests rather
    /// than a call.
    #[inline]
    pub(crate) fn keeps_plain(&self, value: &[u8], letters: Letters) -> bool {
        let folds = match self.case {
            Case::Keep => false,
            Case::Lower => letters.upper,
            Case::Upper => letters.lower,
        };
        self.id_type == IdType::String
            && !self.double
            && !folds
            && value.len() <= self.max_value_len
            && !maybe_scientific(value)
    }

    /// Runs steps 7 to 10 on `value` (valid UTF-8, one field). A changed
    /// value is written to `scratch`.
    ///
    /// `plain` is given when the caller already knows that every byte of
    /// `value` is an ASCII character that step 8 allows, whatever its
    /// case; it holds the value's letter cases.
    pub(crate) fn apply(
        &self,
        value: &[u8],
        plain: Option<Letters>,
        scratch: &mut Vec<u8>,
        fixes: &mut FixSet,
    ) -> Result<Normalized, Rejection> {
        let mut changed = false;
        // Step 7: a spreadsheet's damage, case, then phone formatting.
        let numeric_like =
            matches!(self.id_type, IdType::Numeric | IdType::Phone);
        let scientific_rejected =
            !self.double && (numeric_like || self.id_type == IdType::String);
        if scientific_rejected
            && maybe_scientific(value)
            && is_scientific(value)
        {
            return Err((Reject::ExcelScientific, Detail::ExcelScientific));
        }
        let cut = numeric_like.then(|| excel_decimal(value)).flatten();
        if cut.is_some() {
            fixes.insert(Fix::ExcelDecimal);
        }
        let value = cut.unwrap_or(value);
        let needs_fold = match (self.case, plain) {
            (Case::Keep, _) => false,
            (Case::Lower, Some(letters)) => letters.upper,
            (Case::Upper, Some(letters)) => letters.lower,
            (Case::Lower, None) => {
                !all_bytes(value, |b| !b.is_ascii_uppercase())
            }
            (Case::Upper, None) => {
                !all_bytes(value, |b| !b.is_ascii_lowercase())
            }
        };
        if needs_fold {
            scratch.clear();
            scratch.extend_from_slice(value);
            match self.case {
                Case::Lower => scratch.make_ascii_lowercase(),
                Case::Upper => scratch.make_ascii_uppercase(),
                Case::Keep => {}
            }
            fixes.insert(Fix::Case);
            changed = true;
        }
        if self.id_type == IdType::Phone {
            let current = if changed { &scratch[..] } else { value };
            let punct = current.iter().copied().any(is_phone_punct);
            if punct || current.starts_with(b"00") {
                if !changed {
                    scratch.clear();
                    scratch.extend_from_slice(value);
                }
                scratch.retain(|&b| !is_phone_punct(b));
                // An international `00` is the `+` it stands for.
                if scratch.starts_with(b"00") {
                    scratch.splice(..2, [b'+']);
                }
                if scratch[..] != *value {
                    fixes.insert(Fix::PhoneFormat);
                    changed = true;
                }
            }
        }
        let current = if changed { &scratch[..] } else { value };
        // Step 8.
        if plain.is_none() {
            // Steps 3 and 5 left valid UTF-8; step 7 only touched ASCII.
            let text = std::str::from_utf8(current)
                .expect("steps 3 to 7 keep the value valid UTF-8");
            if let Some(c) = self.special.first_denied(text) {
                return Err((Reject::SpecialChar, Detail::Char(c)));
            }
        }
        // Step 9.
        if current.len() > self.max_value_len {
            return Err((
                Reject::TooLong,
                Detail::Length {
                    len: current.len(),
                    limit: self.max_value_len,
                },
            ));
        }
        // Step 10.
        self.check_format(current)?;
        if let (IdType::Phone, Some(region)) =
            (self.id_type, self.phone_region)
        {
            let mut e164 = [0; MAX_E164];
            let text = std::str::from_utf8(current)
                .expect("the format check leaves ASCII only");
            let len = region
                .e164(text, &mut e164)
                .ok_or((Reject::BadFormat, Detail::InvalidPhone))?;
            if e164[..len] != *current {
                scratch.clear();
                scratch.extend_from_slice(&e164[..len]);
                fixes.insert(Fix::PhoneFormat);
                changed = true;
            }
        } else if self.double {
            // The canonical text is written to `scratch`, in the room
            // earlier rows left: a value already there moves out first.
            let moved = changed.then(|| std::mem::take(scratch));
            let current = moved.as_deref().unwrap_or(value);
            if canonical_number(current, scratch)? {
                fixes.insert(Fix::NumberFormat);
                changed = true;
            } else if let Some(moved) = moved {
                *scratch = moved;
            }
        }
        // `excel-decimal` alone leaves a prefix of the value.
        Ok(match (changed, cut) {
            (true, _) => Normalized::Changed,
            (false, Some(prefix)) => Normalized::Prefix(prefix.len()),
            (false, None) => Normalized::Same,
        })
    }

    fn check_format(&self, value: &[u8]) -> Result<(), Rejection> {
        let bad = (Reject::BadFormat, Detail::Format(self.id_type));
        let ok = match self.id_type {
            IdType::String => true,
            IdType::Numeric => {
                !value.is_empty() && all_bytes(value, |b| b.is_ascii_digit())
            }
            IdType::Uuid => is_uuid(value),
            IdType::Gaid | IdType::Idfa => {
                if !is_uuid(value) {
                    return Err(bad);
                }
                if value.iter().all(|&b| b == b'0' || b == b'-') {
                    return Err((Reject::ZeroAdId, Detail::ZeroAdId));
                }
                true
            }
            IdType::Email => is_email(value),
            IdType::Phone if self.phone_region.is_some() => {
                // libphonenumber decides the rest.
                let digits = value.strip_prefix(b"+").unwrap_or(value);
                if digits.is_empty()
                    || !all_bytes(digits, |b| b.is_ascii_digit())
                {
                    return Err((Reject::BadFormat, Detail::InvalidPhone));
                }
                true
            }
            IdType::Phone => is_phone(value),
        };
        if ok {
            Ok(())
        } else {
            Err(bad)
        }
    }
}

/// Whether `v` can be `is_scientific`, from its first two bytes: most
/// values are not, and this test costs next to nothing.
#[inline]
fn maybe_scientific(v: &[u8]) -> bool {
    match v {
        // `&`, not `&&`: no branch on the bytes of random ids.
        [first, second, _, ..] => {
            first.is_ascii_digit()
                & ((*second == b'.') | (*second | 0x20 == b'e'))
        }
        _ => false,
    }
}

/// A number as a spreadsheet writes a long one: one digit, optional
/// `.digits`, `E` or `e`, optional sign, digits.
#[inline(never)]
pub(crate) fn is_scientific(v: &[u8]) -> bool {
    let digits =
        |v: &[u8]| v.iter().take_while(|b| b.is_ascii_digit()).count();
    let [first, rest @ ..] = v else {
        return false;
    };
    if !first.is_ascii_digit() {
        return false;
    }
    let rest = match rest.strip_prefix(b".") {
        Some(fraction) => match digits(fraction) {
            0 => return false,
            n => &fraction[n..],
        },
        None => rest,
    };
    let Some(exponent) = rest.strip_prefix(b"e").or(rest.strip_prefix(b"E"))
    else {
        return false;
    };
    let exponent = match exponent {
        [b'+' | b'-', tail @ ..] => tail,
        _ => exponent,
    };
    !exponent.is_empty() && digits(exponent) == exponent.len()
}

/// The number without the `.0` a spreadsheet added: `+` optional,
/// digits, a point and zeros only.
#[inline(never)]
pub(crate) fn excel_decimal(v: &[u8]) -> Option<&[u8]> {
    let point = memchr::memchr(b'.', v)?;
    let (number, zeros) = (&v[..point], &v[point + 1..]);
    let digits = number.strip_prefix(b"+").unwrap_or(number);
    let ok = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && !zeros.is_empty()
        && zeros.iter().all(|&b| b == b'0');
    ok.then_some(number)
}

fn is_phone_punct(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'(' | b')' | b'.')
}

/// 8-4-4-4-12 hexadecimal digits, either case.
pub(crate) fn is_uuid(v: &[u8]) -> bool {
    // Sixteen bytes at a time: a byte loop mispredicts on random hex.
    <&[u8; 36]>::try_from(v)
        .is_ok_and(|v| crate::pipeline::row::uuid_shape(v).is_some())
}

pub(crate) fn is_email(v: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if (16..=64).contains(&v.len()) {
        return is_email_sse2(v);
    }
    is_email_bytes(v)
}

/// `is_email` a byte at a time, with no calls: values are short, and a
/// search call costs more than it saves on them.
fn is_email_bytes(v: &[u8]) -> bool {
    let Some(at) = v.iter().position(|&b| b == b'@') else {
        return false;
    };
    let mut labels = 1;
    // Whether the label being read is still empty.
    let mut empty = true;
    for &b in &v[at + 1..] {
        match b {
            b'@' => return false,
            b'.' if empty => return false,
            b'.' => (labels, empty) = (labels + 1, true),
            _ => empty = false,
        }
    }
    at > 0 && labels >= 2 && !empty
}

/// `is_email` for 16 to 64 bytes: the places of every `@` and `.` as
/// bits, sixteen bytes at a time, then a few tests on the bits.
#[cfg(target_arch = "x86_64")]
fn is_email_sse2(v: &[u8]) -> bool {
    use std::arch::x86_64::*;

    let len = v.len();
    debug_assert!((16..=64).contains(&len));
    let (mut ats, mut dots) = (0u64, 0u64);
    // Blocks at 0, 16, 32 and the last 16 bytes; overlaps only set the
    // same bits again.
    for start in [0, 16, 32, len - 16] {
        let start = start.min(len - 16);
        // SAFETY: SSE2 is part of every x86_64 processor; the load is
        // unaligned and reads v[start..start + 16], inside `v`.
        let (at, dot) = unsafe {
            let block = _mm_loadu_si128(v.as_ptr().add(start).cast());
            let mask = |b: u8| {
                let equal = _mm_cmpeq_epi8(block, _mm_set1_epi8(b as i8));
                u64::from(_mm_movemask_epi8(equal) as u16)
            };
            (mask(b'@'), mask(b'.'))
        };
        ats |= at << start;
        dots |= dot << start;
    }
    if ats.count_ones() != 1 {
        return false;
    }
    let at = ats.trailing_zeros() as usize;
    // The domain's dots, from its first byte.
    let domain_len = len - at - 1;
    let domain = dots.checked_shr(at as u32 + 1).unwrap_or(0);
    at > 0
        && domain_len > 0
        && domain != 0
        && domain & 1 == 0
        && domain >> (domain_len - 1) & 1 == 0
        && domain & (domain >> 1) == 0
}

fn is_phone(v: &[u8]) -> bool {
    let digits = v.strip_prefix(b"+").unwrap_or(v);
    (7..=15).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
}

/// 2^53: the largest integer below which every integer is a double.
const MAX_EXACT_INTEGER: &[u8] = b"9007199254740992";

/// Checks a decimal number, writes its canonical text to `out` (cleared
/// first) and says whether that differs from `v`.
fn canonical_number(v: &[u8], out: &mut Vec<u8>) -> Result<bool, Rejection> {
    let not_a_number = (Reject::NotANumber, Detail::NotDecimal);
    let integer = match decimal_shape(v) {
        Some(shape) => shape == Shape::Integer,
        None => return Err(not_a_number),
    };
    // The shape check leaves ASCII only.
    let text = std::str::from_utf8(v).map_err(|_| not_a_number)?;
    let number: f64 = text.parse().map_err(|_| not_a_number)?;
    if number.is_infinite() {
        return Err((Reject::NotANumber, Detail::Overflow));
    }
    if integer {
        let digits =
            v.strip_prefix(b"-").or(v.strip_prefix(b"+")).unwrap_or(v);
        let first = digits.iter().position(|&b| b != b'0');
        let digits = first.map_or(&digits[..0], |i| &digits[i..]);
        let over = digits.len() > MAX_EXACT_INTEGER.len()
            || (digits.len() == MAX_EXACT_INTEGER.len()
                && digits > MAX_EXACT_INTEGER);
        if over {
            return Err((Reject::ImpreciseNumber, Detail::Imprecise));
        }
    }
    out.clear();
    write_canonical(number, out);
    Ok(out[..] != *v)
}

/// Appends the canonical text of `number` to `out`: Display's shortest
/// round-trip digits, with -0 as 0. Equal texts are equal numbers.
pub(crate) fn write_canonical(number: f64, out: &mut Vec<u8>) {
    let number = if number == 0.0 { 0.0 } else { number };
    write!(out, "{number}").expect("writing to a Vec cannot fail");
}

#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Integer,
    Decimal,
}

/// `[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn decimal_shape(v: &[u8]) -> Option<Shape> {
    fn digits(v: &[u8]) -> usize {
        v.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let mut i = usize::from(matches!(v.first(), Some(b'+' | b'-')));
    let n = digits(&v[i..]);
    if n == 0 {
        return None;
    }
    i += n;
    let mut shape = Shape::Integer;
    if v.get(i) == Some(&b'.') {
        let n = digits(&v[i + 1..]);
        if n == 0 {
            return None;
        }
        i += 1 + n;
        shape = Shape::Decimal;
    }
    if matches!(v.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(v.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(&v[i..]);
        if n == 0 {
            return None;
        }
        i += n;
        shape = Shape::Decimal;
    }
    (i == v.len()).then_some(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_email_agrees_with_the_definition_on_every_short_string() {
        // The spec's words: one `@`, a non-empty local part, a domain of
        // two or more non-empty dot-separated labels.
        let naive = |v: &[u8]| {
            let parts: Vec<&[u8]> = v.split(|&b| b == b'@').collect();
            parts.len() == 2
                && !parts[0].is_empty()
                && parts[1].split(|&b| b == b'.').count() >= 2
                && parts[1].split(|&b| b == b'.').all(|l| !l.is_empty())
        };
        let alphabet = [b'a', b'@', b'.'];
        for len in 0..=8u32 {
            for mut n in 0..3usize.pow(len) {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = alphabet[n % 3];
                        n /= 3;
                        b
                    })
                    .collect();
                assert_eq!(is_email(&v), naive(&v), "{:?}", v.escape_ascii());
                // The same around plain bytes, at every length that
                // takes the sixteen-byte path and past it.
                for (left, right) in
                    [(0, 16), (16, 0), (9, 12), (30, 27), (56, 0), (0, 56)]
                {
                    let long = [&[b'x'; 64][..left], &v, &[b'y'; 64][..right]]
                        .concat();
                    let want = naive(&long);
                    let shown = long.escape_ascii();
                    assert_eq!(is_email(&long), want, "{shown:?}");
                    // The byte loop is what other targets run.
                    assert_eq!(is_email_bytes(&long), want, "{shown:?}");
                }
            }
        }
    }

    fn rules(id_type: IdType, double: bool) -> ValueRules {
        ValueRules {
            id_type,
            double,
            case: id_type.default_case(),
            special: SpecialChars::new("", "", false),
            max_value_len: 256,
            phone_region: None,
        }
    }

    /// Runs steps 7 to 10 and renders the outcome as the value or the
    /// reject name.
    fn run(rules: &ValueRules, value: &str) -> String {
        let mut scratch = Vec::new();
        let mut fixes = FixSet::EMPTY;
        match rules.apply(value.as_bytes(), None, &mut scratch, &mut fixes) {
            Ok(Normalized::Same) => value.to_string(),
            Ok(Normalized::Prefix(len)) => value[..len].to_string(),
            Ok(Normalized::Changed) => String::from_utf8(scratch).unwrap(),
            Err((reject, _)) => format!("[{}]", reject.name()),
        }
    }

    macro_rules! values {
        ($($name:ident: $id:ident $double:literal, $input:literal => $want:literal;)+) => {
            $(
                #[test]
                fn $name() {
                    let rules = rules(IdType::$id, $double);
                    assert_eq!(run(&rules, $input), $want);
                }
            )+
        };
    }

    values! {
        string_keeps_case: String false, "AbC" => "AbC";
        string_special_hash: String false, "a#bc" => "[special-char]";
        string_special_nbsp: String false, "a\u{a0}b" => "[special-char]";
        string_special_backtick: String false, "a`b" => "[special-char]";
        string_control: String false, "a\rb" => "[special-char]";
        string_del: String false, "a\u{7f}" => "[special-char]";
        string_unicode_ok: String false, "josé" => "josé";
        numeric_ok: Numeric false, "007" => "007";
        numeric_bad: Numeric false, "12a" => "[bad-format]";
        numeric_double: Numeric true, "007" => "7";
        numeric_double_sign: Numeric true, "-7" => "[bad-format]";
        uuid_lowered: Uuid false, "ABCDEF01-2345-6789-ABCD-EF0123456789" => "abcdef01-2345-6789-abcd-ef0123456789";
        uuid_short: Uuid false, "abcdef01-2345-6789-abcd-ef012345678" => "[bad-format]";
        uuid_zero_ok: Uuid false, "00000000-0000-0000-0000-000000000000" => "00000000-0000-0000-0000-000000000000";
        gaid_zero: Gaid false, "00000000-0000-0000-0000-000000000000" => "[zero-ad-id]";
        gaid_g: Gaid false, "g0000000-0000-0000-0000-000000000000" => "[bad-format]";
        idfa_upper: Idfa false, "abcdef01-2345-6789-abcd-ef0123456789" => "ABCDEF01-2345-6789-ABCD-EF0123456789";
        email_ok: Email false, "A.b@example.com" => "A.b@example.com";
        email_two_at: Email false, "a@b@example.com" => "[bad-format]";
        email_no_local: Email false, "@example.com" => "[bad-format]";
        email_one_label: Email false, "a@localhost" => "[bad-format]";
        email_empty_label: Email false, "a@example..com" => "[bad-format]";
        email_trailing_dot: Email false, "a@example.com." => "[bad-format]";
        phone_formatted: Phone false, "+1 (555) 123-4567" => "+15551234567";
        phone_dots: Phone false, "+1.555.123.4567" => "+15551234567";
        phone_short: Phone false, "123456" => "[bad-format]";
        phone_long: Phone false, "1234567890123456" => "[bad-format]";
        phone_plus_only_leading: Phone false, "12+34567" => "[bad-format]";
        double_trailing_zero: String true, "1.50" => "1.5";
        double_exponent: String true, "1e3" => "1000";
        double_negative_zero: String true, "-0" => "0";
        double_negative_zero_point: String true, "-0.0e5" => "0";
        double_plus: String true, "+12" => "12";
        double_leading_dot: String true, ".5" => "[not-a-number]";
        double_trailing_dot: String true, "1." => "[not-a-number]";
        double_nan: String true, "nan" => "[not-a-number]";
        double_inf: String true, "inf" => "[not-a-number]";
        double_overflow: String true, "1e400" => "[not-a-number]";
        double_underflow: String true, "1e-400" => "0";
        double_two_pow_53: String true, "9007199254740992" => "9007199254740992";
        double_above_2_pow_53: String true, "9007199254740993" => "[imprecise-number]";
        double_above_2_pow_53_negative: String true, "-9007199254740993" => "[imprecise-number]";
        double_leading_zeros_not_imprecise: String true, "0009007199254740992" => "9007199254740992";
        double_big_decimal_is_not_integer: String true, "9007199254740993.0" => "9007199254740992";
        double_empty_exponent: String true, "1e" => "[not-a-number]";
    }

    #[test]
    fn phone_formatting_removes_spaces_before_special_chars() {
        // Spaces are removed in step 7, so they never reach step 8.
        let rules = rules(IdType::Phone, false);
        assert_eq!(run(&rules, "+1 555 123 4567"), "+15551234567");
        assert_eq!(run(&rules, "(555)123-4567"), "5551234567");
    }

    #[test]
    fn too_long_is_measured_before_canonical_form() {
        let mut r = rules(IdType::String, true);
        r.max_value_len = 3;
        assert_eq!(run(&r, "1e3"), "1000");
        assert_eq!(run(&r, "1000"), "[too-long]");
    }

    #[test]
    fn fixes_are_recorded() {
        let r = rules(IdType::Gaid, false);
        let mut scratch = Vec::new();
        let mut fixes = FixSet::EMPTY;
        let value = b"ABCDEF01-2345-6789-ABCD-EF0123456789";
        r.apply(value, Some(Letters::of(value)), &mut scratch, &mut fixes)
            .unwrap();
        assert_eq!(fixes.iter().collect::<Vec<_>>(), [Fix::Case]);
    }
}
