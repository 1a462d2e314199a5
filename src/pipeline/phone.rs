//! Phone numbers in E.164 by libphonenumber's rules and metadata, as the
//! `phonenumber` crate applies them to a value of digits.
//!
//! The crate's own `parse` looks every pattern up in a small shared
//! cache keyed by the pattern's text, which costs some 25 µs a number;
//! here the same patterns are compiled once per region and the crate's
//! steps for a string of ASCII digits (with an optional leading `+`) are
//! followed one by one, quirks included, so that the answer is the
//! crate's. A test compares the two on every region's example numbers
//! and on random digits.

use std::collections::HashMap;
use std::sync::OnceLock;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Regex, RegexBuilder};

use crate::error::Error;

/// The longest E.164 text the crate writes: `+`, a code of up to 3
/// digits and a national number of up to 17.
pub(crate) const MAX_E164: usize = 21;

/// Compiles a metadata pattern as the crate does; `anchored` gives a
/// regex that matches where the crate's `find` would start at 0.
fn compile(pattern: &str, anchored: bool) -> Option<Regex> {
    let source = match anchored {
        true => format!("^(?:{pattern})"),
        false => pattern.to_string(),
    };
    RegexBuilder::new(&source).ignore_whitespace(true).build().ok()
}

/// A number type's pattern and lengths (`Descriptor::is_match`).
#[derive(Debug)]
struct Desc {
    /// Anchored at the start only, as the crate tests it.
    start: Regex,
    lengths: Vec<u16>,
}

impl Desc {
    fn new(desc: &Descriptor) -> Option<Desc> {
        Some(Desc {
            start: compile(desc.national_number().as_str(), true)?,
            lengths: desc.possible_length().to_vec(),
        })
    }

    fn is_match(&self, national: &str) -> bool {
        (self.lengths.is_empty()
            || self.lengths.contains(&(national.len() as u16)))
            && self.start.is_match(national)
    }
}

/// What `validator::length` says of a length, as far as parsing asks.
#[derive(PartialEq, Eq)]
enum Length {
    Possible,
    TooShort,
    Other,
}

/// One region's metadata, compiled.
#[derive(Debug)]
struct Region {
    code: u16,
    code_text: String,
    general: Desc,
    local_lengths: Vec<u16>,
    /// Every type `number_type` tests; a number is valid when the
    /// general pattern and any of these match. The likeliest first.
    types: Vec<Desc>,
    international_prefix: Option<Regex>,
    national_prefix: Option<String>,
    prefix_for_parsing: Option<Regex>,
    transform_rule: Option<String>,
    leading_digits: Option<Regex>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Region> {
        let d = meta.descriptors();
        let types = [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ];
        let optional = |pattern: Option<&str>, anchored| {
            pattern.map(|p| compile(p, anchored).ok_or(())).transpose()
        };
        Some(Region {
            code: meta.country_code(),
            code_text: meta.country_code().to_string(),
            general: Desc::new(d.general())?,
            local_lengths: d.general().possible_local_length().to_vec(),
            types: types
                .into_iter()
                .flatten()
                .map(Desc::new)
                .collect::<Option<_>>()?,
            international_prefix: optional(
                meta.international_prefix().map(|r| r.as_str()),
                false,
            )
            .ok()?,
            national_prefix: meta.national_prefix().map(str::to_string),
            prefix_for_parsing: optional(
                meta.national_prefix_for_parsing().map(|r| r.as_str()),
                false,
            )
            .ok()?,
            transform_rule: meta
                .national_prefix_transform_rule()
                .map(str::to_string),
            leading_digits: optional(
                meta.leading_digits().map(|r| r.as_str()),
                true,
            )
            .ok()?,
        })
    }

    /// `validator::length` for the general type, whose odd choice of
    /// list always lands on the general lengths.
    fn length(&self, len: usize) -> Length {
        let possible = &self.general.lengths;
        let len = len as u16;
        let (Some(&min), Some(&max)) = (possible.first(), possible.last())
        else {
            return Length::Other;
        };
        if self.local_lengths.contains(&len) || len == min {
            Length::Possible
        } else if len < min {
            Length::TooShort
        } else if len > max {
            Length::Other
        } else if possible.contains(&len) {
            Length::Possible
        } else {
            Length::Other
        }
    }

    /// `number_type(..) != Type::Unknown`.
    fn has_type(&self, national: &str) -> bool {
        self.general.is_match(national)
            && self.types.iter().any(|d| d.is_match(national))
    }

    /// `helper::national_number` and the national prefix strip after
    /// it; `None` where the crate would panic (a transform rule whose
    /// first group did not take part).
    fn strip_national_prefix(&self, national: &str) -> Option<String> {
        let strip = |mut national: String| {
            if let Some(prefix) = &self.national_prefix {
                if national.starts_with(prefix.as_str()) {
                    national.drain(..prefix.len());
                }
            }
            national
        };
        let Some(parsing) = &self.prefix_for_parsing else {
            // Without a pattern the prefix is stripped here, and then
            // once more, as the crate does.
            return Some(strip(strip(national.to_string())));
        };
        let Some(found) = parsing.find(national) else {
            return Some(strip(national.to_string()));
        };
        if found.start() != 0 {
            return Some(strip(national.to_string()));
        }
        let captures = parsing.captures(national)?;
        let last = captures.get(captures.len() - 1);
        let stripped = match (&self.transform_rule, last) {
            (Some(rule), Some(_)) => {
                let transformed =
                    parsing.replace(national, rule.as_str()).into_owned();
                if self.general.is_match(national)
                    && !self.general.is_match(&transformed)
                {
                    national.to_string()
                } else {
                    captures.get(1)?;
                    transformed
                }
            }
            // The crate compares the number with itself here, so it
            // always strips.
            _ => national[found.end()..].to_string(),
        };
        Some(strip(stripped))
    }
}

/// Every region of the crate's metadata, compiled on first use.
struct Table {
    regions: Vec<(&'static Metadata, OnceLock<Option<Region>>)>,
    /// Region ids (`US`) to their index; `001` is left out.
    by_id: HashMap<&'static str, usize>,
    /// Country codes to their regions, in the crate's order; `false`
    /// marks a region id the crate cannot name (`country::Id`), which
    /// makes its numbers invalid.
    by_code: HashMap<u16, Vec<(usize, bool)>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table {
            regions: Vec::new(),
            by_id: HashMap::new(),
            by_code: HashMap::new(),
        };
        for code in 1..1000u16 {
            let (Some(ids), Some(metas)) =
                (DATABASE.region(&code), DATABASE.by_code(&code))
            else {
                continue;
            };
            let mut list = Vec::with_capacity(ids.len());
            for id in ids {
                let meta = match id {
                    "001" => metas[0],
                    _ => match DATABASE.by_id(id) {
                        Some(meta) => meta,
                        None => continue,
                    },
                };
                let index = table.regions.len();
                table.regions.push((meta, OnceLock::new()));
                if id != "001" {
                    table.by_id.entry(meta.id()).or_insert(index);
                }
                let named = id == "001"
                    || id.parse::<phonenumber::country::Id>().is_ok();
                list.push((index, named));
            }
            table.by_code.insert(code, list);
        }
        table
    })
}

impl Table {
    fn region(&self, index: usize) -> Option<&Region> {
        let (meta, cell) = &self.regions[index];
        cell.get_or_init(|| Region::new(meta)).as_ref()
    }
}

/// E.164 for one default region.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PhoneRegion {
    index: usize,
}

impl PhoneRegion {
    /// The region of an ISO 3166 alpha-2 code, either case.
    ///
    /// # Errors
    ///
    /// A config error when the crate has no metadata for it.
    pub(crate) fn new(code: &str) -> Result<PhoneRegion, Error> {
        let upper = code.to_ascii_uppercase();
        let unknown = || {
            Error::config(format!(
                "unknown region '{code}': expected a two-letter country \
                 code with phone metadata, such as US, IN or GB"
            ))
        };
        if upper.len() != 2 || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(unknown());
        }
        let table = table();
        let index = *table.by_id.get(upper.as_str()).ok_or_else(unknown)?;
        if table.region(index).is_none() {
            return Err(Error::config(format!(
                "the phone metadata of region {upper} does not compile"
            )));
        }
        Ok(PhoneRegion { index })
    }

    /// Writes the E.164 form of `value` to `out` and returns its length;
    /// `None` when the crate would not parse it as a valid number.
    /// `value` is ASCII digits with an optional leading `+`.
    pub(crate) fn e164(
        &self,
        value: &str,
        out: &mut [u8; MAX_E164],
    ) -> Option<usize> {
        let table = table();
        let region = table.region(self.index)?;
        let (plus, digits) = match value.strip_prefix('+') {
            Some(digits) => (true, digits),
            None => (false, value),
        };
        debug_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        // `is_viable`: two digits, or three after a `+`.
        if digits.len() < if plus { 3 } else { 2 } {
            return None;
        }
        // An international prefix (`011` in the US) is dropped, unless a
        // 0 follows it.
        let mut national = digits;
        let mut idd = false;
        if let Some(prefix) = &region.international_prefix {
            if let Some(m) = prefix.find(national) {
                if m.start() == 0 && !national[m.end()..].starts_with('0') {
                    national = &national[m.end()..];
                    idd = true;
                }
            }
        }
        let code = if plus || idd {
            if national.len() <= 2 || national.starts_with('0') {
                return None;
            }
            let (code, len) = (1..=3).find_map(|len| {
                let code: u16 = national[..len].parse().ok()?;
                table.by_code.contains_key(&code).then_some((code, len))
            })?;
            national = &national[len..];
            code
        } else {
            // The region's own code, when the number starts with it and
            // is not a national number as it is.
            if national.starts_with(region.code_text.as_str())
                && (!region.general.is_match(national)
                    || region.length(national.len()) != Length::Possible)
            {
                national = &national[region.code_text.len()..];
            }
            region.code
        };
        // The default region's national prefix, whatever the code.
        let potential = region.strip_national_prefix(national)?;
        let national = match region.length(potential.len()) {
            Length::TooShort => national,
            _ => potential.as_str(),
        };
        if !(2..=17).contains(&national.len()) {
            return None;
        }
        let zeros = national.bytes().take_while(|&b| b == b'0').count();
        let value: u64 = national[zeros..].parse().ok()?;
        if value >= 1 << 56 {
            return None;
        }
        if !is_valid(table, code, national) {
            return None;
        }
        let mut text = [0; MAX_E164];
        let mut len = 0;
        let mut push = |bytes: &[u8]| {
            text[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        push(b"+");
        push(code.to_string().as_bytes());
        push(national.as_bytes());
        *out = text;
        Some(len)
    }
}

/// `validator::is_valid`: the region the number belongs to, by leading
/// digits or by type, has a type for it.
fn is_valid(table: &Table, code: u16, national: &str) -> bool {
    let Some(regions) = table.by_code.get(&code) else {
        return false;
    };
    if let [(index, named)] = regions[..] {
        return named
            && table.region(index).is_some_and(|r| r.has_type(national));
    }
    for &(index, _) in regions {
        let Some(region) = table.region(index) else {
            return false;
        };
        match &region.leading_digits {
            Some(leading) if leading.is_match(national) => {
                return region.has_type(national);
            }
            Some(_) => {}
            // Found by its type: valid.
            None if region.has_type(national) => return true,
            None => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's answer: parse, validate, format.
    fn crate_e164(region: &str, value: &str) -> Option<String> {
        let id: phonenumber::country::Id = region.parse().ok()?;
        let number = phonenumber::parse(Some(id), value).ok()?;
        if !phonenumber::is_valid(&number) {
            return None;
        }
        Some(number.format().mode(phonenumber::Mode::E164).to_string())
    }

    fn ours(region: &PhoneRegion, value: &str) -> Option<String> {
        let mut out = [0; MAX_E164];
        let len = region.e164(value, &mut out)?;
        Some(String::from_utf8(out[..len].to_vec()).unwrap())
    }

    /// Compares with the crate, skipping inputs on which it panics.
    fn agree(region_id: &str, value: &str) {
        let region = PhoneRegion::new(region_id).unwrap();
        let want = std::panic::catch_unwind(|| crate_e164(region_id, value));
        if let Ok(want) = want {
            assert_eq!(ours(&region, value), want, "{region_id} {value}");
        }
    }

    #[test]
    fn every_region_compiles() {
        let table = table();
        for index in 0..table.regions.len() {
            assert!(table.region(index).is_some(), "{index}");
        }
    }

    #[test]
    fn us_spellings_are_one_number() {
        let us = PhoneRegion::new("us").unwrap();
        for value in ["+16502530000", "6502530000", "16502530000"] {
            assert_eq!(ours(&us, value).as_deref(), Some("+16502530000"));
        }
        assert_eq!(
            ours(&us, "01144 20 7031 3000".replace(' ', "").as_str())
                .as_deref(),
            Some("+442070313000")
        );
        assert_eq!(ours(&us, "5551234"), None);
        assert!(PhoneRegion::new("XX").is_err());
        assert!(PhoneRegion::new("001").is_err());
    }

    #[test]
    fn agrees_with_the_crate_on_example_numbers() {
        let table = table();
        // Example numbers of every region, written as each of a few
        // regions would see them.
        let mut examples = Vec::new();
        for (meta, _) in &table.regions {
            let d = meta.descriptors();
            for desc in [d.fixed_line(), d.mobile(), d.toll_free()] {
                if let Some(example) = desc.and_then(|d| d.example()) {
                    examples.push((meta.country_code(), example.to_string()));
                }
            }
        }
        let defaults = ["US", "GB", "IN", "DE", "BR", "IT", "AR", "MX"];
        for (i, (code, example)) in examples.iter().enumerate() {
            let region = defaults[i % defaults.len()];
            let prefix = DATABASE
                .by_id(region)
                .and_then(|m| m.national_prefix())
                .unwrap_or("");
            for value in [
                format!("+{code}{example}"),
                format!("00{code}{example}"),
                format!("011{code}{example}"),
                format!("{code}{example}"),
                example.clone(),
                format!("{prefix}{example}"),
            ] {
                agree(region, &value);
            }
        }
    }

    #[test]
    fn agrees_with_the_crate_on_random_digits() {
        let regions = ["US", "GB", "IN", "DE", "FR", "BR", "CN", "AU", "NZ"];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..3000 {
            let region = regions[next(regions.len() as u64) as usize];
            let mut value = String::new();
            match next(4) {
                0 => value.push('+'),
                1 => value.push_str("00"),
                _ => {}
            }
            for _ in 0..next(16) + 1 {
                value.push(char::from(b'0' + next(10) as u8));
            }
            agree(region, &value);
        }
    }
}
