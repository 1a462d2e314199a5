//! Reference ("oracle") implementation of the segprep pipeline (SPEC.md:
//! Rows, The per-row pipeline, Identifier types, Attribute type, Header,
//! Counting). Deliberately plain: String/Vec based, one row at a time, std
//! only. It is compared with the real engine by property tests and by the
//! fuzz targets (feature `reference`); it is not part of the API.
#![allow(dead_code, missing_docs)]

use std::collections::BTreeMap;

use crate::sinks::Collect;
use crate::{
    AttributeType, Case, Column, Delimiter, FindingKind, HeaderMode, IdType,
    Input, Pipeline, PipelineBuilder, Rule,
};

/// Pipeline options in the library's types, as tests and fuzz targets
/// generate them; [`Options::naive`] gives the reference's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub id_type: IdType,
    /// `--attribute-type double`
    pub double: bool,
    pub case: Option<Case>,
    pub header: HeaderMode,
    pub attribute_name: Option<String>,
    pub allow: String,
    pub deny: String,
    pub ascii_only: bool,
    pub max_value_len: usize,
    pub delimiter: Delimiter,
    pub column: Option<Column>,
    pub default_region: Option<String>,
}

/// The command line's defaults.
impl Default for Options {
    fn default() -> Options {
        Options {
            id_type: IdType::String,
            double: false,
            case: None,
            header: HeaderMode::Auto,
            attribute_name: None,
            allow: String::new(),
            deny: String::new(),
            ascii_only: false,
            max_value_len: crate::DEFAULT_MAX_VALUE_LEN,
            delimiter: Delimiter::default(),
            column: None,
            default_region: None,
        }
    }
}

impl Options {
    /// The engine's builder for these options.
    pub fn builder(&self) -> PipelineBuilder {
        self.naive().builder()
    }

    /// The same options for the reference.
    pub fn naive(&self) -> NaiveOptions {
        NaiveOptions {
            id_type: self.id_type.name().to_string(),
            attribute_double: self.double,
            case: self.case.map(|c| c.name().to_string()),
            header: self.header.name().to_string(),
            attribute_name: self.attribute_name.clone(),
            allow_chars: self.allow.clone(),
            deny_chars: self.deny.clone(),
            ascii_only: self.ascii_only,
            max_value_len: self.max_value_len,
            delimiter: self.delimiter.to_string(),
            column: self.column.as_ref().map(Column::to_string),
            default_region: self.default_region.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NaiveOptions {
    /// string | numeric | uuid | gaid | idfa | email | phone
    pub id_type: String,
    /// `--attribute-type double`
    pub attribute_double: bool,
    /// None: the id type's default; Some("lower" | "upper" | "keep")
    pub case: Option<String>,
    /// auto | yes | no
    pub header: String,
    pub attribute_name: Option<String>,
    pub allow_chars: String,
    pub deny_chars: String,
    pub ascii_only: bool,
    pub max_value_len: usize,
    /// `,` (default) | `;` | `tab` | `|` | any one character | `auto`
    pub delimiter: String,
    /// None: one field per row; Some(digits): that field, from 1;
    /// Some(name): the header field of that name.
    pub column: Option<String>,
    /// With id type phone: E.164 for this region.
    pub default_region: Option<String>,
}

impl Default for NaiveOptions {
    fn default() -> Self {
        NaiveOptions {
            id_type: "string".to_string(),
            attribute_double: false,
            case: None,
            header: "auto".to_string(),
            attribute_name: None,
            allow_chars: String::new(),
            deny_chars: String::new(),
            ascii_only: false,
            max_value_len: 256,
            delimiter: ",".to_string(),
            column: None,
            default_region: None,
        }
    }
}

impl NaiveOptions {
    /// The engine's builder for the same options, so tests and fuzz
    /// targets describe options once.
    pub fn builder(&self) -> PipelineBuilder {
        fn parse<T: std::str::FromStr>(name: &str) -> T {
            name.parse().ok().expect("a valid option name")
        }
        let mut b = PipelineBuilder::new();
        b.id_type(parse(&self.id_type))
            .attribute_type(if self.attribute_double {
                AttributeType::Double
            } else {
                AttributeType::String
            })
            .case(self.case.as_deref().map(parse::<crate::Case>))
            .header(parse(&self.header))
            .attribute_name(self.attribute_name.clone())
            .allow_chars(&self.allow_chars)
            .deny_chars(&self.deny_chars)
            .ascii_only(self.ascii_only)
            .max_value_len(self.max_value_len)
            .delimiter(parse(&self.delimiter))
            .column(self.column.as_deref().map(parse::<Column>))
            .default_region(self.default_region.as_deref());
        b
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaiveKept {
    pub line: u64,
    pub value: Vec<u8>,
    pub fixes: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaiveDropped {
    pub line: u64,
    pub rule: String,
    pub raw: Vec<u8>,
    pub first: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NaiveOutcome {
    pub values_found: u64,
    pub kept: Vec<NaiveKept>,
    pub dropped: Vec<NaiveDropped>,
    pub header: Option<Vec<u8>>,
    pub duplicates: u64,
    pub rejected: BTreeMap<String, u64>,
    pub fixed: BTreeMap<String, u64>,
}

/// One row of the input: its bytes without terminator (and without the BOM
/// for row 1), and whether a BOM / a CR-before-LF was removed from it.
struct Row {
    line: u64,
    raw: Vec<u8>,
    bom: bool,
    crlf: bool,
}

/// A row that passed the pipeline: its value and the fixes that changed it
/// (in canonical order). Err holds the reject name.
type Processed = Result<(String, Vec<&'static str>), &'static str>;

// ---------------------------------------------------------------- rows

fn split_rows(input: &[u8]) -> Vec<Row> {
    let bom = input.starts_with(&[0xEF, 0xBB, 0xBF]);
    let body = if bom { &input[3..] } else { input };
    let pieces: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let last = pieces.len() - 1;
    let mut rows = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let terminated = i < last;
        if !terminated {
            // The piece after the last LF is a row only if it is non-empty in
            // the original input (a leading BOM belongs to row 1).
            let non_empty = !piece.is_empty() || (i == 0 && bom);
            if !non_empty {
                break;
            }
        }
        let crlf = terminated && piece.ends_with(b"\r");
        let raw = if crlf { &piece[..piece.len() - 1] } else { &piece[..] };
        rows.push(Row {
            line: i as u64 + 1,
            raw: raw.to_vec(),
            bom: bom && i == 0,
            crlf,
        });
    }
    rows
}

// ---------------------------------------------------------------- steps 3-5

fn is_ws(c: char) -> bool {
    c == ' '
        || c == '\t'
        || c == '\u{00A0}'
        || c == '\u{200B}'
        || c == '\u{FEFF}'
}

/// How rows are cut: the delimiter, and the field to pick (from 0).
#[derive(Clone, Copy)]
struct Cut {
    delim: char,
    column: Option<usize>,
}

impl Cut {
    /// White space, but never the delimiter.
    fn ws(&self, c: char) -> bool {
        is_ws(c) && c != self.delim
    }

    fn trim<'a>(&self, s: &'a str) -> &'a str {
        s.trim_matches(|c| self.ws(c))
    }
}

struct Field {
    content: String,
    quoted: bool,
    /// White space around the field, or inside its quotes, was removed.
    ws: bool,
}

/// Reads the row as one CSV record. None means [bad-quoting].
fn read_fields(row: &str, cut: Cut) -> Option<Vec<Field>> {
    let chars: Vec<char> = row.chars().collect();
    let n = chars.len();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < n && cut.ws(chars[i]) {
            i += 1;
        }
        if i < n && chars[i] == '"' {
            let ws_before = i > start;
            i += 1;
            let mut content = String::new();
            loop {
                if i >= n {
                    return None; // not closed
                }
                if chars[i] == '"' {
                    if i + 1 < n && chars[i + 1] == '"' {
                        content.push('"');
                        i += 2;
                    } else {
                        i += 1;
                        break;
                    }
                } else {
                    content.push(chars[i]);
                    i += 1;
                }
            }
            let after_quote = i;
            while i < n && cut.ws(chars[i]) {
                i += 1;
            }
            let inner = cut.trim(&content).to_string();
            fields.push(Field {
                ws: ws_before || i > after_quote || inner != content,
                content: inner,
                quoted: true,
            });
            if i == n {
                break;
            }
            if chars[i] != cut.delim {
                return None; // text after the closing quote
            }
            i += 1;
        } else {
            let mut j = start;
            while j < n && chars[j] != cut.delim {
                j += 1;
            }
            let raw: String = chars[start..j].iter().collect();
            let trimmed = cut.trim(&raw).to_string();
            let ws = trimmed.len() != raw.len();
            fields.push(Field { content: trimmed, quoted: false, ws });
            if j == n {
                break;
            }
            i = j + 1;
        }
    }
    Some(fields)
}

/// Steps 1-5: the row's one value (or its picked field), or its reject.
fn fields_step(row: &Row, cut: Cut) -> Processed {
    let mut fixes = Vec::new();
    if row.bom {
        fixes.push("bom");
    }
    if row.crlf {
        fixes.push("crlf");
    }
    let text = match std::str::from_utf8(&row.raw) {
        Ok(t) => t,
        Err(_) => return Err("invalid-utf8"),
    };
    if let Some(column) = cut.column {
        // The whole row is one record; only the picked field matters.
        if cut.trim(text).is_empty() {
            return Err("empty-row");
        }
        let Some(fields) = read_fields(text, cut) else {
            return Err("bad-quoting");
        };
        let Some(field) = fields.get(column) else {
            return Err("missing-column");
        };
        if field.content.is_empty() {
            return Err("empty-row");
        }
        if field.ws {
            fixes.push("whitespace");
        }
        if field.quoted {
            fixes.push("quoted");
        }
        return Ok((field.content.clone(), fixes));
    }
    let trimmed = cut.trim(text);
    let step4_changed = trimmed.len() != text.len();
    let mut fields = match read_fields(trimmed, cut) {
        Some(f) => f,
        None => return Err("bad-quoting"),
    };
    let before = fields.len();
    while fields.last().is_some_and(|f| f.content.is_empty()) {
        fields.pop();
    }
    let dropped_trailing = fields.len() < before;
    if fields.is_empty() {
        return Err("empty-row");
    }
    if fields.len() > 1 {
        return Err("multi-column");
    }
    let field = fields.pop().unwrap();
    if step4_changed || field.ws {
        fixes.push("whitespace");
    }
    if dropped_trailing {
        fixes.push("trailing-comma");
    }
    if field.quoted {
        fixes.push("quoted");
    }
    Ok((field.content, fixes))
}

// ---------------------------------------------------------------- steps 7-10

fn case_mode(opts: &NaiveOptions) -> &str {
    if let Some(c) = &opts.case {
        return c.as_str();
    }
    match opts.id_type.as_str() {
        "uuid" | "gaid" => "lower",
        "idfa" => "upper",
        _ => "keep",
    }
}

fn is_denied(c: char, opts: &NaiveOptions) -> bool {
    if opts.ascii_only && (c as u32) >= 0x80 {
        return true;
    }
    if opts.deny_chars.contains(c) {
        return true;
    }
    if opts.allow_chars.contains(c) {
        return false;
    }
    let code = c as u32;
    code <= 0x1F
        || code == 0x7F
        || " \"'#,;\\|<>`".contains(c)
        || c == '\u{00A0}'
        || c == '\u{200B}'
        || c == '\u{FEFF}'
}

/// 8-4-4-4-12 hex digits (either case) separated by `-`.
fn is_ad_id_format(v: &str) -> bool {
    v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn is_email(v: &str) -> bool {
    let parts: Vec<&str> = v.split('@').collect();
    if parts.len() != 2 || parts[0].is_empty() {
        return false;
    }
    let labels: Vec<&str> = parts[1].split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| !l.is_empty())
}

fn is_phone(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or(v);
    let n = digits.len();
    (7..=15).contains(&n) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Optional sign, digits, optional `.digits`, optional exponent
/// (`e`/`E`, optional sign, digits).
fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize, set: &[u8]| -> bool {
        let hit = *i < b.len() && set.contains(&b[*i]);
        if hit {
            *i += 1;
        }
        hit
    };
    let digits = |i: &mut usize| -> bool {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    skip(&mut i, b"+-");
    if !digits(&mut i) {
        return false;
    }
    if skip(&mut i, b".") && !digits(&mut i) {
        return false;
    }
    if skip(&mut i, b"eE") {
        skip(&mut i, b"+-");
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// The double rules: Ok(canonical text) or the reject name.
fn canonical_number(v: &str) -> Result<String, &'static str> {
    if !is_decimal(v) {
        return Err("not-a-number");
    }
    let f: f64 = match v.parse() {
        Ok(f) => f,
        Err(_) => return Err("not-a-number"),
    };
    if f.is_infinite() {
        return Err("not-a-number");
    }
    let unsigned =
        v.strip_prefix('+').or_else(|| v.strip_prefix('-')).unwrap_or(v);
    if all_digits(unsigned) {
        let significant = unsigned.trim_start_matches('0');
        let limit = "9007199254740992";
        if significant.len() > limit.len()
            || (significant.len() == limit.len() && significant > limit)
        {
            return Err("imprecise-number");
        }
    }
    let text = format!("{}", f);
    Ok(if text == "-0" { "0".to_string() } else { text })
}

/// `d(.d+)?[eE][+-]?d+`, d a digit: how a spreadsheet writes a long
/// number.
fn is_scientific(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    let digit = |i: usize| i < c.len() && c[i].is_ascii_digit();
    if !digit(0) {
        return false;
    }
    let mut i = 1;
    if i < c.len() && c[i] == '.' {
        i += 1;
        if !digit(i) {
            return false;
        }
        while digit(i) {
            i += 1;
        }
    }
    if !(i < c.len() && (c[i] == 'e' || c[i] == 'E')) {
        return false;
    }
    i += 1;
    if i < c.len() && (c[i] == '+' || c[i] == '-') {
        i += 1;
    }
    if !digit(i) {
        return false;
    }
    while digit(i) {
        i += 1;
    }
    i == c.len()
}

/// `+?d+.0+`: the number before the point.
fn excel_decimal(v: &str) -> Option<String> {
    let (number, zeros) = v.split_once('.')?;
    let digits = number.strip_prefix('+').unwrap_or(number);
    let ok = all_digits(digits)
        && !zeros.is_empty()
        && zeros.chars().all(|c| c == '0');
    ok.then(|| number.to_string())
}

/// libphonenumber's E.164 form, straight from the `phonenumber` crate;
/// None when it does not parse a valid number (or panics).
fn crate_e164(region: &str, v: &str) -> Option<String> {
    let id: phonenumber::country::Id = region.to_uppercase().parse().ok()?;
    let v = v.to_string();
    std::panic::catch_unwind(move || {
        let number = phonenumber::parse(Some(id), &v).ok()?;
        if !phonenumber::is_valid(&number) {
            return None;
        }
        Some(number.format().mode(phonenumber::Mode::E164).to_string())
    })
    .ok()
    .flatten()
}

/// Steps 7-10 on the value that steps 1-5 produced.
fn value_steps(
    value: String,
    mut fixes: Vec<&'static str>,
    opts: &NaiveOptions,
) -> Processed {
    // 7. a spreadsheet's damage, case, then phone formatting.
    let numeric_like = opts.id_type == "numeric" || opts.id_type == "phone";
    let scientific =
        !opts.attribute_double && (numeric_like || opts.id_type == "string");
    if scientific && is_scientific(&value) {
        return Err("excel-scientific");
    }
    let mut value = value;
    if numeric_like {
        if let Some(number) = excel_decimal(&value) {
            fixes.push("excel-decimal");
            value = number;
        }
    }
    let folded = match case_mode(opts) {
        "lower" => value.to_ascii_lowercase(),
        "upper" => value.to_ascii_uppercase(),
        "keep" => value.clone(),
        other => panic!("unknown case mode {:?}", other),
    };
    if folded != value {
        fixes.push("case");
    }
    let mut value = folded;
    let mut phone_format = false;
    if opts.id_type == "phone" {
        let mut stripped: String =
            value.chars().filter(|c| !" -().".contains(*c)).collect();
        if let Some(rest) = stripped.strip_prefix("00") {
            stripped = format!("+{rest}");
        }
        phone_format = stripped != value;
        value = stripped;
    }
    // 8. special characters.
    if value.chars().any(|c| is_denied(c, opts)) {
        return Err("special-char");
    }
    // 9. length in bytes.
    if value.len() > opts.max_value_len {
        return Err("too-long");
    }
    // 10. format by id type.
    let format_ok = match opts.id_type.as_str() {
        "string" => true,
        "numeric" => all_digits(&value),
        "uuid" | "gaid" | "idfa" => is_ad_id_format(&value),
        "email" => is_email(&value),
        "phone" => match &opts.default_region {
            None => is_phone(&value),
            Some(_) => all_digits(value.strip_prefix('+').unwrap_or(&value)),
        },
        other => panic!("unknown id type {:?}", other),
    };
    if !format_ok {
        return Err("bad-format");
    }
    if let (true, Some(region)) =
        (opts.id_type == "phone", &opts.default_region)
    {
        match crate_e164(region, &value) {
            Some(e164) => {
                phone_format |= e164 != value;
                value = e164;
            }
            None => return Err("bad-format"),
        }
    }
    if phone_format {
        // Named once, in step 7's place among the fixes.
        let at = fixes
            .iter()
            .position(|f| *f == "number-format")
            .unwrap_or(fixes.len());
        fixes.insert(at, "phone-format");
    }
    let ad_id = opts.id_type == "gaid" || opts.id_type == "idfa";
    if ad_id && value.bytes().all(|b| b == b'0' || b == b'-') {
        // The format is already checked: every hex digit is 0.
        return Err("zero-ad-id");
    }
    if opts.attribute_double {
        let canonical = canonical_number(&value)?;
        if canonical != value {
            fixes.push("number-format");
        }
        value = canonical;
    }
    Ok((value, fixes))
}

/// The whole pipeline for a row taken as data (steps 1-10, no header step).
fn process(row: &Row, cut: Cut, opts: &NaiveOptions) -> Processed {
    let (value, fixes) = fields_step(row, cut)?;
    value_steps(value, fixes, opts)
}

// ---------------------------------------------------------------- columns

fn delimiter_char(name: &str) -> Option<char> {
    match name {
        "auto" => None,
        "tab" | "\\t" => Some('\t'),
        "comma" => Some(','),
        "semicolon" => Some(';'),
        "pipe" => Some('|'),
        "space" => Some(' '),
        other => Some(other.chars().next().expect("one character")),
    }
}

/// `auto`: the candidate with the most of the first 100 rows at one field
/// count above 1; on a tie the larger count, then the earlier candidate;
/// a comma when none.
fn detect_delimiter(rows: &[Row]) -> char {
    let mut best = ((0, 0), ',');
    for delim in [',', ';', '\t', '|'] {
        let cut = Cut { delim, column: None };
        let mut counts: Vec<usize> = Vec::new();
        for row in rows.iter().take(100) {
            let Ok(text) = std::str::from_utf8(&row.raw) else {
                continue;
            };
            if cut.trim(text).is_empty() {
                continue;
            }
            if let Some(fields) = read_fields(text, cut) {
                if fields.len() > 1 {
                    counts.push(fields.len());
                }
            }
        }
        let mut score = (0, 0);
        for &n in &counts {
            let rows = counts.iter().filter(|&&m| m == n).count();
            if rows > score.0 || (rows == score.0 && n > score.1) {
                score = (rows, n);
            }
        }
        if score.0 > best.0 .0 || (score.0 == best.0 .0 && score.1 > best.0 .1)
        {
            best = (score, delim);
        }
    }
    best.1
}

/// The delimiter and the picked field for these rows; a name that row 1
/// lacks picks no field of any row.
fn cut_for(rows: &[Row], opts: &NaiveOptions) -> Cut {
    let delim = delimiter_char(&opts.delimiter)
        .unwrap_or_else(|| detect_delimiter(rows));
    let column = match &opts.column {
        None => None,
        Some(c) if c.bytes().all(|b| b.is_ascii_digit()) => {
            Some(c.parse::<usize>().unwrap() - 1)
        }
        Some(name) => {
            let row1 = rows.first().map_or(&b""[..], |r| &r.raw[..]);
            let text = String::from_utf8_lossy(row1);
            let names: Vec<String> =
                match read_fields(&text, Cut { delim, column: None }) {
                    Some(fields) => {
                        fields.into_iter().map(|f| f.content).collect()
                    }
                    None => text
                        .split(delim)
                        .map(|f| {
                            f.trim_matches(|c| is_ws(c) && c != delim)
                                .to_string()
                        })
                        .collect(),
                };
            Some(
                names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
                    .unwrap_or(usize::MAX),
            )
        }
    };
    Cut { delim, column }
}

// ---------------------------------------------------------------- header

/// Rule (c): names of an id column.
const HEADER_WORDS: [&str; 26] = [
    "id",
    "uid",
    "userid",
    "user",
    "customerid",
    "customer",
    "clientid",
    "memberid",
    "accountid",
    "moeuserid",
    "externalid",
    "email",
    "emailaddress",
    "mail",
    "phone",
    "phonenumber",
    "mobile",
    "mobilenumber",
    "msisdn",
    "gaid",
    "idfa",
    "adid",
    "advertisingid",
    "deviceid",
    "value",
    "values",
];

fn row1_is_header(rows: &[Row], cut: Cut, opts: &NaiveOptions) -> bool {
    if rows.is_empty() {
        return false;
    }
    let named = opts
        .column
        .as_ref()
        .is_some_and(|c| !c.bytes().all(|b| b.is_ascii_digit()));
    match opts.header.as_str() {
        "yes" => true,
        "no" => false,
        "auto" if named => true,
        "auto" => {
            if let Ok((value, _)) = fields_step(&rows[0], cut) {
                if let Some(name) = &opts.attribute_name {
                    if value.eq_ignore_ascii_case(name) {
                        return true;
                    }
                }
                let key: String = value
                    .to_ascii_lowercase()
                    .chars()
                    .filter(|c| !"_-. ".contains(*c))
                    .collect();
                if HEADER_WORDS.contains(&key.as_str()) || key == opts.id_type
                {
                    return true;
                }
            }
            if opts.id_type == "string" && !opts.attribute_double {
                return false;
            }
            let row1_bad = matches!(
                process(&rows[0], cut, opts),
                Err("special-char") | Err("bad-format") | Err("not-a-number")
            );
            row1_bad && rows.len() >= 2 && process(&rows[1], cut, opts).is_ok()
        }
        other => panic!("unknown header mode {:?}", other),
    }
}

// ---------------------------------------------------------------- run

fn drop_row(
    out: &mut NaiveOutcome,
    row: &Row,
    rule: &str,
    first: Option<u64>,
) {
    let rule = rule.to_string();
    out.dropped.push(NaiveDropped {
        line: row.line,
        rule,
        raw: row.raw.clone(),
        first,
    });
}

pub fn run(input: &[u8], opts: &NaiveOptions) -> NaiveOutcome {
    let rows = split_rows(input);
    let cut = cut_for(&rows, opts);
    let header = row1_is_header(&rows, cut, opts);
    let mut out =
        NaiveOutcome { values_found: rows.len() as u64, ..Default::default() };
    // Kept value -> line of its first occurrence.
    let mut first_line: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        if i == 0 && header {
            out.header = Some(row.raw.clone());
            drop_row(&mut out, row, "header", None);
            continue;
        }
        match process(row, cut, opts) {
            Err(rule) => {
                *out.rejected.entry(rule.to_string()).or_insert(0) += 1;
                drop_row(&mut out, row, rule, None);
            }
            Ok((value, fixes)) => {
                let value = value.into_bytes();
                if let Some(&first) = first_line.get(&value) {
                    out.duplicates += 1;
                    drop_row(&mut out, row, "duplicate", Some(first));
                } else {
                    first_line.insert(value.clone(), row.line);
                    for fix in &fixes {
                        *out.fixed.entry(fix.to_string()).or_insert(0) += 1;
                    }
                    out.kept.push(NaiveKept { line: row.line, value, fixes });
                }
            }
        }
    }
    if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
        out.fixed.insert("bom".to_string(), 1);
    }
    out
}

// ---------------------------------------------------------------- tests

/// Runs the engine on `input` and renders its result in the reference's
/// shape, for comparison with [`run`]. Panics when the engine breaks an
/// invariant of its own: the counting identity, every line kept or
/// dropped exactly once, the header text.
pub fn engine_outcome(pipeline: &Pipeline, input: &[u8]) -> NaiveOutcome {
    let run = pipeline.process(Input::from_bytes(input.to_vec(), "input"));
    let mut sink = Collect::default();
    run.emit(&mut sink).unwrap();
    let stats = run.stats();
    assert!(stats.is_balanced(), "{stats:?}");
    // Nothing is lost: every line is kept or dropped, exactly once.
    let mut lines: Vec<u64> = sink.kept.iter().map(|k| k.line).collect();
    lines.extend(sink.dropped.iter().map(|d| d.line));
    lines.sort_unstable();
    assert!(lines.iter().copied().eq(1..=stats.values_found), "{lines:?}");
    let header = sink
        .dropped
        .iter()
        .find(|d| d.rule == Rule::Header)
        .map(|d| d.raw.clone());
    assert_eq!(
        header.as_ref().map(|h| String::from_utf8_lossy(h).into_owned()),
        stats.header
    );
    let kept = sink
        .kept
        .into_iter()
        .map(|k| NaiveKept {
            line: k.line,
            value: k.value,
            fixes: k.fixes.iter().map(|f| f.name()).collect(),
        })
        .collect();
    let dropped = sink
        .dropped
        .into_iter()
        .map(|d| NaiveDropped {
            line: d.line,
            rule: d.rule.to_string(),
            raw: d.raw,
            first: match d.kind {
                FindingKind::Duplicate { first } => Some(first),
                _ => None,
            },
        })
        .collect();
    let rejected: BTreeMap<String, u64> = stats
        .rejected_counts()
        .map(|(r, n)| (r.name().to_string(), n))
        .collect();
    let fixed: BTreeMap<String, u64> =
        stats.fixed_counts().map(|(f, n)| (f.name().to_string(), n)).collect();
    NaiveOutcome {
        values_found: stats.values_found,
        kept,
        dropped,
        header,
        duplicates: stats.duplicates,
        rejected,
        fixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(id_type: &str, double: bool) -> NaiveOptions {
        NaiveOptions {
            id_type: id_type.to_string(),
            attribute_double: double,
            ..Default::default()
        }
    }

    /// One LF-terminated row, header "no": "= VALUE [FIXES]" when kept, else
    /// the reject name.
    fn show(row: &str, o: &NaiveOptions) -> String {
        let o = NaiveOptions { header: "no".to_string(), ..o.clone() };
        let out = run(format!("{}\n", row).as_bytes(), &o);
        assert_eq!(out.values_found, 1, "{:?}", row);
        match out.kept.first() {
            Some(k) => {
                let value = String::from_utf8(k.value.clone()).unwrap();
                format!("= {} [{}]", value, k.fixes.join(" "))
            }
            None => out.dropped[0].rule.clone(),
        }
    }

    fn check(o: &NaiveOptions, cases: &[(&str, &str)]) {
        for (row, want) in cases {
            assert_eq!(show(row, o), *want, "row {:?}", row);
        }
    }

    fn identity(out: &NaiveOutcome) {
        let dropped = out.duplicates
            + out.rejected.values().sum::<u64>()
            + out.header.is_some() as u64;
        assert_eq!(out.values_found, out.kept.len() as u64 + dropped);
        assert_eq!(out.dropped.len() as u64, dropped);
    }

    fn dropped(
        out: &NaiveOutcome,
        i: usize,
    ) -> (u64, &str, &[u8], Option<u64>) {
        let d = &out.dropped[i];
        (d.line, d.rule.as_str(), d.raw.as_slice(), d.first)
    }

    #[test]
    fn fields_and_quoting() {
        check(
            &NaiveOptions::default(),
            &[
                ("abcd", "= abcd []"),
                ("abcd,", "= abcd [trailing-comma]"),
                ("abcd,,,", "= abcd [trailing-comma]"),
                ("abcd, ,\"\"", "= abcd [trailing-comma]"),
                ("\"abcd\"", "= abcd [quoted]"),
                ("\"ab\" ,", "= ab [whitespace trailing-comma quoted]"),
                ("\"a,b\"", "special-char"),
                ("  abc \t", "= abc [whitespace]"),
                ("\u{a0}abc\u{200b}\u{feff}", "= abc [whitespace]"),
                ("abc ,", "= abc [whitespace trailing-comma]"),
                ("abc, ", "= abc [whitespace trailing-comma]"),
                ("ab\u{3000}c", "= ab\u{3000}c []"),
                ("\"abc", "bad-quoting"),
                ("\"ab\"c", "bad-quoting"),
                ("\"a\"\"", "bad-quoting"),
                ("a,\"b", "bad-quoting"),
                ("a,\"b\"x", "bad-quoting"),
                (",abcd", "multi-column"),
                ("a,b", "multi-column"),
                ("", "empty-row"),
                (" \t ", "empty-row"),
                (",,", "empty-row"),
                ("\"\"", "empty-row"),
                ("\" \"", "empty-row"), // quoted content is trimmed too
                ("\" ab\t\"", "= ab [whitespace quoted]"),
                ("abc,\" \"", "= abc [trailing-comma]"),
                ("a\"b", "special-char"), // a quote in an unquoted field
                ("\"a\"\"b\"", "special-char"),
                ("a#bc", "special-char"),
                ("ab c", "special-char"),
                ("a\u{7f}", "special-char"),
            ],
        );
    }

    #[test]
    fn special_chars_and_length() {
        let s = NaiveOptions::default();
        let allow = NaiveOptions { allow_chars: "#,".into(), ..s.clone() };
        check(&allow, &[("a#bc", "= a#bc []"), ("\"a,b\"", "= a,b [quoted]")]);
        let deny = NaiveOptions { deny_chars: "x".into(), ..s.clone() };
        check(&deny, &[("axb", "special-char"), ("ab", "= ab []")]);
        let both = NaiveOptions {
            allow_chars: "#".into(),
            deny_chars: "#".into(),
            ..s.clone()
        };
        check(&both, &[("a#b", "special-char")]);
        let ascii = NaiveOptions {
            allow_chars: "é".into(),
            ascii_only: true,
            ..s.clone()
        };
        check(&ascii, &[("café", "special-char"), ("cafe", "= cafe []")]);
        let short = NaiveOptions { max_value_len: 3, ..s };
        check(
            &short,
            &[("abc", "= abc []"), ("abcd", "too-long"), ("éé", "too-long")],
        );
    }

    #[test]
    fn rows_and_terminators() {
        let s = NaiveOptions::default();
        assert_eq!(run(b"", &s), NaiveOutcome::default());
        let out = run(b"\n", &s);
        assert_eq!((out.values_found, out.rejected["empty-row"]), (1, 1));
        assert_eq!(run(b"a\nb", &s).kept.len(), 2);
        assert_eq!(run(b"a\n", &s).values_found, 1);
        assert_eq!(run(b"a\n\n", &s).values_found, 2);
        // BOM alone: one empty row; the bom fix is still counted.
        let out = run(b"\xEF\xBB\xBF", &s);
        assert_eq!(
            (out.values_found, out.rejected["empty-row"], out.fixed["bom"]),
            (1, 1, 1)
        );
        assert_eq!(dropped(&out, 0), (1, "empty-row", &b""[..], None));
        assert_eq!(run(b"\xEF\xBB\xBF\n", &s).values_found, 1);
        let out = run(b"\xEF\xBB\xBFabc\r\nabd", &s);
        assert_eq!(out.kept[0].fixes, vec!["bom", "crlf"]);
        assert_eq!((out.fixed["bom"], out.fixed["crlf"]), (1, 1));
        // CR-only line endings: one row with control characters.
        let out = run(b"a\rb\rc", &s);
        assert_eq!(
            dropped(&out, 0),
            (1, "special-char", &b"a\rb\rc"[..], None)
        );
        // A final CR without LF stays in the row; a CR before LF does not.
        let out = run(b"a\r\nb\r", &s);
        assert_eq!(out.kept.len(), 1);
        assert_eq!(dropped(&out, 0), (2, "special-char", &b"b\r"[..], None));
        // Fixes count only kept rows.
        let out = run(b"a\r\n \r\nb\r\na\r\n", &s);
        assert_eq!((out.values_found, out.fixed["crlf"]), (4, 2));
        assert_eq!(dropped(&out, 0), (2, "empty-row", &b" "[..], None));
        assert_eq!(dropped(&out, 1), (4, "duplicate", &b"a"[..], Some(1)));
        identity(&out);
        let out = run(b"ok\n\xff\xfe\n", &s);
        assert_eq!(
            dropped(&out, 0),
            (2, "invalid-utf8", &b"\xff\xfe"[..], None)
        );
    }

    #[test]
    fn id_types() {
        let upper_id = "38400000-8CF0-11BD-B23E-10B96E40000D";
        let lower_id = "38400000-8cf0-11bd-b23e-10b96e40000d";
        let zero = "00000000-0000-0000-0000-000000000000";
        let gaid = opts("gaid", false);
        check(
            &gaid,
            &[
                (upper_id, &format!("= {} [case]", lower_id)),
                (zero, "zero-ad-id"),
            ],
        );
        check(&gaid, &[(&zero[1..], "bad-format"), ("{x}", "bad-format")]);
        check(
            &opts("idfa", false),
            &[(lower_id, &format!("= {} [case]", upper_id))],
        );
        check(&opts("idfa", false), &[(zero, "zero-ad-id")]);
        check(&opts("uuid", false), &[(zero, &format!("= {} []", zero))]);
        check(
            &opts("uuid", false),
            &[("38400000-8cf0-11bd-b23e-10b96e40000g", "bad-format")],
        );
        let keep = NaiveOptions { case: Some("keep".into()), ..gaid };
        check(&keep, &[(upper_id, &format!("= {} []", upper_id))]);
        let upper =
            NaiveOptions { case: Some("upper".into()), ..Default::default() };
        check(&upper, &[("abcé", "= ABCé [case]")]);
        check(
            &opts("numeric", false),
            &[
                ("007", "= 007 []"),
                ("12a", "bad-format"),
                ("-1", "bad-format"),
            ],
        );
        check(
            &opts("email", false),
            &[
                ("a.b@example.co.uk", "= a.b@example.co.uk []"),
                ("@x.com", "bad-format"),
                ("a@b", "bad-format"),
                ("a@@b.com", "bad-format"),
                ("a@b..com", "bad-format"),
                ("a@.b", "bad-format"),
                ("ab.com", "bad-format"),
            ],
        );
        check(
            &opts("phone", false),
            &[
                ("+1 (555) 123-4567", "= +15551234567 [phone-format]"),
                (
                    "\"+1 555.123.4567\"",
                    "= +15551234567 [quoted phone-format]",
                ),
                ("1234567", "= 1234567 []"),
                ("123456", "bad-format"),
                ("1234567890123456", "bad-format"),
                ("++1234567", "bad-format"),
                ("1234567+", "bad-format"),
                ("---", "bad-format"),
                ("123#4567", "special-char"),
            ],
        );
    }

    #[test]
    fn doubles() {
        check(
            &opts("numeric", true),
            &[("007", "= 7 [number-format]"), ("1.5", "bad-format")],
        );
        check(
            &opts("numeric", true),
            &[("9007199254740993", "imprecise-number")],
        );
        let d = opts("string", true);
        check(
            &d,
            &[
                ("1.50", "= 1.5 [number-format]"),
                ("1e3", "= 1000 [number-format]"),
                ("12", "= 12 []"),
                ("-0", "= 0 [number-format]"),
                ("-0.0e5", "= 0 [number-format]"),
                ("1e-400", "= 0 [number-format]"),
                ("-1e-400", "= 0 [number-format]"),
                ("+5", "= 5 [number-format]"),
                ("-2.5E+2", "= -250 [number-format]"),
                ("9007199254740992", "= 9007199254740992 []"),
                (
                    "-0009007199254740992",
                    "= -9007199254740992 [number-format]",
                ),
                ("9007199254740993.0", "= 9007199254740992 [number-format]"),
                ("9007199254740993", "imprecise-number"),
                ("-9007199254740993", "imprecise-number"),
                ("12345678901234567890", "imprecise-number"),
            ],
        );
        for bad in [
            ".5", "1.", "nan", "inf", "NaN", "-", "1e", "1e+", "0x10",
            "1e400", "1.5.2",
        ] {
            check(&d, &[(bad, "not-a-number")]);
        }
        let long = NaiveOptions { max_value_len: 1000, ..d.clone() };
        check(&long, &[(&"9".repeat(400), "not-a-number")]);
        let out =
            run(b"1\n1.0\n01\n2", &NaiveOptions { header: "no".into(), ..d });
        assert_eq!((out.kept.len(), out.duplicates), (2, 2));
        assert_eq!(dropped(&out, 1), (3, "duplicate", &b"01"[..], Some(1)));
        assert_eq!(out.fixed.get("number-format"), None); // only duplicates changed
    }

    #[test]
    fn headers() {
        let yes = NaiveOptions { header: "yes".into(), ..Default::default() };
        for input in
            [&b"id\nabc"[..], b"\xff\nabc", b"\nabc", b"a,b\nabc", b"\"x\nabc"]
        {
            let out = run(input, &yes);
            let raw = &input[..input.len() - 4];
            assert_eq!(out.header.as_deref(), Some(raw));
            assert_eq!(dropped(&out, 0), (1, "header", raw, None));
            assert_eq!(out.kept.len(), 1);
            identity(&out);
        }
        let out = run(b"\xEF\xBB\xBFid\r\nabc", &yes);
        assert_eq!(out.header, Some(b"id".to_vec()));
        assert_eq!((out.fixed.get("crlf"), out.fixed["bom"]), (None, 1));
        assert_eq!(run(b"", &yes).header, None);
        // auto (a): attribute name, ignoring ASCII case, after step 5.
        let named = NaiveOptions {
            attribute_name: Some("User_ID".into()),
            ..Default::default()
        };
        let h = |input: &[u8], o: &NaiveOptions| {
            run(input, o).header.map(|h| String::from_utf8(h).unwrap())
        };
        assert_eq!(
            h(b" \"user_id\", \nabc", &named).as_deref(),
            Some(" \"user_id\", ")
        );
        assert_eq!(h(b"user_key\nabc", &named), None);
        // auto (b): a typed id or double, row 1 rejected, row 2 kept.
        let num = opts("numeric", false);
        assert_eq!(h(b"key\n123", &num).as_deref(), Some("key"));
        assert_eq!(h(b"key\nabc", &num), None); // row 2 not kept
        assert_eq!(h(b"key", &num), None); // no row 2
        assert_eq!(h(b"user key\n123", &num).as_deref(), Some("user key"));
        assert_eq!(h(b"key,x\n123", &num), None); // multi-column is no reason
        assert_eq!(h(b"key\n123", &NaiveOptions::default()), None);
        assert_eq!(
            h(b"amount\n1.5", &opts("string", true)).as_deref(),
            Some("amount")
        );
        assert_eq!(
            h(
                b"key\n123",
                &NaiveOptions { header: "no".into(), ..num.clone() }
            ),
            None
        );
        // Row 1 is kept data here: no header, and row 2 is its duplicate.
        let out = run(b"123\n123", &num);
        assert_eq!((out.header, out.duplicates), (None, 1));
        // auto (c): a name of an id column, for every id type, no row 2
        // needed.
        let s = NaiveOptions::default();
        for name in
            ["id", "User_ID", "e-mail", "Phone Number", "\"gaid\"", "string"]
        {
            assert_eq!(h(name.as_bytes(), &s).as_deref(), Some(name));
        }
        assert_eq!(
            h(b"uuid\nx", &opts("uuid", false)).as_deref(),
            Some("uuid")
        );
        assert_eq!(h(b"uuid\nx", &s), None);
        assert_eq!(h(b"ids\nx", &s), None);
        assert_eq!(h(b"id,name\nx", &s), None);
    }

    #[test]
    fn columns_and_delimiters() {
        let semi = |column: Option<&str>| NaiveOptions {
            delimiter: ";".into(),
            column: column.map(str::to_string),
            header: "no".into(),
            ..Default::default()
        };
        check(
            &semi(None),
            &[
                ("a;b", "multi-column"),
                ("a,b", "special-char"),
                ("ab;", "= ab [trailing-comma]"),
            ],
        );
        check(
            &semi(Some("2")),
            &[
                ("1;ab;x", "= ab []"),
                ("1; \"a b \" ;x", "special-char"),
                ("1; \"ab \" ;x", "= ab [whitespace quoted]"),
                ("1", "missing-column"),
                ("1;;x", "empty-row"),
                ("", "empty-row"),
                ("1;ab;\"x", "bad-quoting"),
            ],
        );
        // A named column makes row 1 the header; raw is the whole row.
        let named =
            NaiveOptions { header: "auto".into(), ..semi(Some("USER_ID")) };
        let out = run(b"name;user_id\nx;u1\ny;u1\nz\n", &named);
        assert_eq!(out.header.as_deref(), Some(&b"name;user_id"[..]));
        assert_eq!(out.kept[0].value, b"u1");
        assert_eq!(dropped(&out, 1), (3, "duplicate", &b"y;u1"[..], Some(2)));
        assert_eq!(dropped(&out, 2), (4, "missing-column", &b"z"[..], None));
        // A name the header lacks picks nothing.
        let out = run(b"name;id\nx;u1\n", &named);
        assert_eq!(
            dropped(&out, 1),
            (2, "missing-column", &b"x;u1"[..], None)
        );
        // auto: the most consistent field count above 1.
        let auto = NaiveOptions {
            delimiter: "auto".into(),
            column: Some("2".into()),
            header: "no".into(),
            ..Default::default()
        };
        assert_eq!(run(b"a\tb\nc\td\n", &auto).kept[1].value, b"d");
        let out = run(b"a;b,c\nd;e\n", &auto);
        assert_eq!(dropped(&out, 0).1, "special-char"); // `b,c`
        assert_eq!(out.kept[0].value, b"e");
    }

    #[test]
    fn spreadsheet_numbers() {
        let cases = [
            ("4.41E+11", "excel-scientific"),
            ("1.23457e+17", "excel-scientific"),
            ("1E5", "excel-scientific"),
            ("12.5E3", "= 12.5E3 []"), // two digits: not a spreadsheet's
            ("+1E5", "= +1E5 []"),     // a sign: not a spreadsheet's
        ];
        check(&NaiveOptions::default(), &cases);
        check(
            &opts("numeric", false),
            &[
                ("4.41E+11", "excel-scientific"),
                ("12345.0", "= 12345 [excel-decimal]"),
                ("12345.00", "= 12345 [excel-decimal]"),
                ("12345.01", "bad-format"),
                (".0", "bad-format"),
            ],
        );
        check(
            &opts("string", true),
            &[
                ("4.41E+11", "= 441000000000 [number-format]"),
                ("12345.0", "= 12345 [number-format]"),
            ],
        );
        check(&opts("string", false), &[("12345.0", "= 12345.0 []")]);
        check(&opts("email", false), &[("1e5@x.com", "= 1e5@x.com []")]);
        check(
            &opts("phone", false),
            &[
                ("5551234567.0", "= 5551234567 [excel-decimal]"),
                ("+15551234567.0", "= +15551234567 [excel-decimal]"),
                ("5.55123E+9", "excel-scientific"),
            ],
        );
    }

    #[test]
    fn phone_regions() {
        let phone = opts("phone", false);
        check(
            &phone,
            &[
                ("00 1 650 253 0000", "= +16502530000 [phone-format]"),
                ("0016502530000", "= +16502530000 [phone-format]"),
            ],
        );
        let us = NaiveOptions { default_region: Some("US".into()), ..phone };
        for spelling in [
            "+1 (650) 253-0000",
            "650.253.0000",
            "1 650 253 0000",
            "00 1 650 253 0000",
            "(650) 253-0000",
            "6502530000.0",
        ] {
            let got = show(spelling, &us);
            assert!(got.starts_with("= +16502530000 ["), "{spelling}: {got}");
        }
        check(
            &us,
            &[
                ("+16502530000", "= +16502530000 []"),
                ("650 253 000", "bad-format"),
                ("650-CALL-NOW", "bad-format"),
                ("+44 20 7031 3000", "= +442070313000 [phone-format]"),
            ],
        );
    }

    /// A tiny deterministic generator: the counting identity, every line
    /// accounted for once, no duplicate among kept values.
    #[test]
    fn counting_identity() {
        let mut alphabet: Vec<Vec<u8>> =
            b"a10\n\r,\" #-e.@\tA+".iter().map(|&b| vec![b]).collect();
        alphabet.extend([
            b"\xEF\xBB\xBF".to_vec(),
            b"\xff".to_vec(),
            "\u{a0}".into(),
        ]);
        let mut seed: u64 = 0x2545F4914F6CDD1D;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        let types =
            ["string", "numeric", "uuid", "gaid", "idfa", "email", "phone"];
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..next(30) {
                input.extend_from_slice(&alphabet[next(alphabet.len())]);
            }
            let id_type = types[next(types.len())];
            let numeric_like = id_type == "string" || id_type == "numeric";
            let o = NaiveOptions {
                id_type: id_type.into(),
                attribute_double: numeric_like && next(2) == 0,
                header: ["auto", "yes", "no"][next(3)].into(),
                attribute_name: if next(2) == 0 {
                    Some("A".into())
                } else {
                    None
                },
                ..Default::default()
            };
            let out = run(&input, &o);
            identity(&out);
            let mut lines: Vec<u64> =
                out.kept.iter().map(|k| k.line).collect();
            lines.extend(out.dropped.iter().map(|d| d.line));
            lines.sort();
            assert_eq!(lines, (1..=out.values_found).collect::<Vec<_>>());
            let mut values: Vec<&Vec<u8>> =
                out.kept.iter().map(|k| &k.value).collect();
            values.sort();
            values.dedup();
            assert_eq!(values.len(), out.kept.len());
        }
    }
}
