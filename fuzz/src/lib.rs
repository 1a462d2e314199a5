//! Helpers shared by the fuzz targets: options decoded from a few bytes,
//! the pipelines to compare (one thread; chunks of a few bytes; a thread
//! pool, kept for the process), and the engine's result rendered in the
//! reference's shape, with the checks the engine must pass on its own.

use std::convert::Infallible;
use std::sync::OnceLock;

pub use segprep::reference::Options;
use segprep::reference::{NaiveDropped, NaiveKept, NaiveOutcome};
use segprep::{
    Case, Column, Delimiter, Finding, FindingKind, Fix, HeaderMode, IdType,
    Input, Kept, Order, Pipeline, PipelineBuilder, Sink, Stats,
};

/// Every id type, in the documentation's order.
pub const ID_TYPES: [IdType; 7] = [
    IdType::String,
    IdType::Numeric,
    IdType::Uuid,
    IdType::Gaid,
    IdType::Idfa,
    IdType::Email,
    IdType::Phone,
];

/// Characters that `--allow-chars` and `--deny-chars` pick from, one bit
/// of a 16-bit mask each: structural, white space, case and format
/// characters.
const CHARS: [char; 16] = [
    '#', ' ', ',', '"', '\t', '\r', '\u{a0}', '\u{feff}', 'é', 'a', 'A', '-',
    '.', '@', '0', '\'',
];

/// `--attribute-name` choices.
const NAMES: [Option<&str>; 8] = [
    None,
    Some("id"),
    Some("ID"),
    Some(""),
    Some(" id"),
    Some("a,b"),
    Some("É"),
    Some("1"),
];

/// How many leading bytes [`decode`] takes.
pub const OPTION_BYTES: usize = 9;

/// Takes the options and the [`Layout`] from the first [`OPTION_BYTES`]
/// bytes (missing bytes read as 0), and returns them with the rest, the
/// input.
pub fn decode(data: &[u8]) -> (Options, Layout, &[u8]) {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let id_type = ID_TYPES[usize::from(b(0) & 7) % 7];
    let mask = |i: usize| {
        let m = u16::from_le_bytes([b(i), b(i + 1)]);
        (0..16).filter(|k| m >> k & 1 == 1).map(|k| CHARS[k]).collect()
    };
    let opts = Options {
        id_type,
        double: b(0) & 8 != 0
            && matches!(id_type, IdType::String | IdType::Numeric),
        case: [None, Some(Case::Lower), Some(Case::Upper), Some(Case::Keep)]
            [usize::from(b(1) & 3)],
        header: [HeaderMode::Auto, HeaderMode::Yes, HeaderMode::No]
            [usize::from(b(1) >> 2 & 3) % 3],
        ascii_only: b(1) & 0x10 != 0,
        attribute_name: NAMES[usize::from(b(2) & 7)].map(str::to_string),
        max_value_len: match b(3) {
            0..=63 => usize::from(b(3)),
            64..=127 => 256,
            _ => usize::MAX,
        },
        allow: mask(4),
        deny: mask(6),
        ..Options::default()
    };
    (opts, Layout::new(data, 8), data.get(OPTION_BYTES..).unwrap_or(&[]))
}

/// The delimiters the `records` target picks from.
pub const DELIMITERS: [Delimiter; 5] = [
    Delimiter::Char(b','),
    Delimiter::Char(b';'),
    Delimiter::Char(b'\t'),
    Delimiter::Char(b'|'),
    Delimiter::Auto,
];

/// How many leading bytes [`decode_records`] takes.
pub const RECORD_BYTES: usize = 4;

/// Options with a `--delimiter` and a `--column` from the first
/// [`RECORD_BYTES`] bytes, the [`Layout`], and the input. Byte 0: the
/// delimiter, the attribute type; byte 1: the column, by number (1 to 8)
/// or by the name of field 1 to 8 of row 1, as it is or in another ASCII
/// case, or a name from [`NAMES`]; byte 2: the id type and header mode;
/// byte 3: the layout.
pub fn decode_records(data: &[u8]) -> (Options, Layout, &[u8]) {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let input = data.get(RECORD_BYTES..).unwrap_or(&[]);
    let delimiter = DELIMITERS[usize::from(b(0) & 7) % DELIMITERS.len()];
    let id_type = ID_TYPES[usize::from(b(2) & 7) % 7];
    let field = usize::from(b(1) >> 2 & 7);
    let column = match b(1) & 3 {
        0 => None,
        1 => row1_field(input, delimiter, field),
        2 => row1_field(input, delimiter, field).map(|n| swap_case(&n)),
        _ => NAMES[field].map(str::to_string),
    };
    // A name of digits is a number on the command line, and an empty one
    // is refused there: both are numbers here.
    let column = match column {
        Some(name) if name.bytes().any(|b| !b.is_ascii_digit()) => {
            Column::Name(name)
        }
        _ => Column::Number(field + 1),
    };
    let mut header = [HeaderMode::Auto, HeaderMode::Yes, HeaderMode::No]
        [usize::from(b(2) >> 3 & 3) % 3];
    if matches!(column, Column::Name(_)) && header == HeaderMode::No {
        // Refused by the builder: a name needs row 1 as the header.
        header = HeaderMode::Auto;
    }
    let opts = Options {
        id_type,
        double: b(0) & 8 != 0
            && matches!(id_type, IdType::String | IdType::Numeric),
        header,
        delimiter,
        column: Some(column),
        ..Options::default()
    };
    (opts, Layout::new(data, 3), input)
}

/// Field `k` (from 0) of row 1 of `input`, cut naively at `delimiter`
/// (at any candidate for `auto`), trimmed and unquoted: usually the name
/// the engine finds there, sometimes not.
fn row1_field(input: &[u8], delimiter: Delimiter, k: usize) -> Option<String> {
    let content = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let row = content.split(|&b| b == b'\n').next()?;
    let row = String::from_utf8_lossy(row);
    let cut = |c: char| match delimiter.byte() {
        Some(d) => c == char::from(d),
        None => ",;\t|".contains(c),
    };
    let field = row.split(cut).nth(k)?;
    let field = field.trim_matches([' ', '\t', '\r']);
    let field = field.trim_matches('"');
    (!field.is_empty()).then(|| field.to_string())
}

/// `s` with the case of its ASCII letters swapped.
fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => c,
        })
        .collect()
}

/// The `--default-region` choices of the `phone` target; one in lower
/// case, which the engine takes as well.
pub const REGIONS: [Option<&str>; 7] = [
    None,
    Some("US"),
    Some("IN"),
    Some("GB"),
    Some("DE"),
    Some("BR"),
    Some("gb"),
];

/// How many leading bytes [`decode_phone`] takes.
pub const PHONE_BYTES: usize = 3;

/// Options of id type `phone` from the first [`PHONE_BYTES`] bytes, the
/// [`Layout`], and the input. Byte 0: the region (or none); byte 1: the
/// header mode, `--max-value-len`; byte 2: the layout.
pub fn decode_phone(data: &[u8]) -> (Options, Layout, &[u8]) {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let opts = Options {
        id_type: IdType::Phone,
        default_region: REGIONS[usize::from(b(0)) % REGIONS.len()]
            .map(str::to_string),
        header: [HeaderMode::Auto, HeaderMode::Yes, HeaderMode::No]
            [usize::from(b(1) & 3) % 3],
        max_value_len: if b(1) & 4 != 0 { 12 } else { 256 },
        ..Options::default()
    };
    (opts, Layout::new(data, 2), data.get(PHONE_BYTES..).unwrap_or(&[]))
}

/// How the extra runs cut and hash an input. The results must not depend
/// on any of it.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// `chunk_bytes` of the chunked run: 1 to 16 (see
    /// [`Layout::chunk_bytes`]).
    pub chunk: usize,
    /// `dedupe_table_rows` of the chunked run: 1 splits the shard of a
    /// value seen three times, as large inputs split their shards.
    pub table_rows: Option<usize>,
    /// `hash_seed` of the chunked run.
    pub seed: u64,
    /// `dedupe_shards` of the chunked run: 2 to 256 (the other runs get
    /// the one of a small input).
    pub shards: usize,
    /// The least of [`THREADED_CHUNKS`] the threaded run uses.
    pub threaded_chunk: usize,
}

impl Layout {
    /// The layout from byte `at` of `data`: chunk size (bits 0-3, and 0-1
    /// the threaded one's), dedupe shards (4-6), tiny dedupe tables (7);
    /// the hash seed from the bytes before.
    pub fn new(data: &[u8], at: usize) -> Layout {
        let byte = data.get(at).copied().unwrap_or(0);
        let mut seed = [0; 8];
        for (s, d) in seed.iter_mut().zip(&data[..at.min(data.len())]) {
            *s = *d;
        }
        Layout {
            chunk: 1 + usize::from(byte & 15),
            table_rows: (byte & 0x80 != 0).then_some(1),
            seed: u64::from_le_bytes(seed),
            shards: 2 << (byte >> 4 & 7),
            threaded_chunk: usize::from(byte & 3) % THREADED_CHUNKS.len(),
        }
    }

    /// The chunk size of the chunked run on `input`: [`Layout::chunk`],
    /// or more where that cuts more than [`MAX_CHUNKS`] chunks. Each
    /// chunk costs a list per dedupe shard: a few hundred tiny chunks
    /// took milliseconds, and the edges of a few show the same bugs.
    pub fn chunk_bytes(&self, input: &[u8]) -> usize {
        self.chunk.max(input.len().div_ceil(MAX_CHUNKS))
    }

    /// The index in [`THREADED_CHUNKS`] of the threaded run on `input`:
    /// from [`Layout::threaded_chunk`] up, the first that cuts at most
    /// [`MAX_CHUNKS`] chunks, else the last.
    pub fn threaded_chunk(&self, input: &[u8]) -> usize {
        let fits = |&i: &usize| {
            input.len().div_ceil(THREADED_CHUNKS[i]) <= MAX_CHUNKS
        };
        (self.threaded_chunk..THREADED_CHUNKS.len())
            .find(fits)
            .unwrap_or(THREADED_CHUNKS.len() - 1)
    }
}

/// The most chunks a chunked run cuts an input into (a threaded run on a
/// long input can cut more).
pub const MAX_CHUNKS: usize = 16;

/// The chunk sizes of the threaded runs.
pub const THREADED_CHUNKS: [usize; 3] = [1, 16, 256];

/// The threads of a threaded run.
pub const THREADS: usize = 2;

/// The hash seed of every run but the chunked one, so that a finding
/// replays the same way.
const SEED: u64 = 0x5e9_9e5;

/// One thread, one chunk: the run the others must equal.
pub fn single(opts: &Options) -> Pipeline {
    opts.builder().threads(1).hash_seed(SEED).build().unwrap()
}

/// One thread over chunks of a few bytes: the chunk edges and the merge
/// of the chunks' dedupe shards, under any options, with no thread pool
/// to start.
pub fn chunked(opts: &Options, layout: &Layout, input: &[u8]) -> Pipeline {
    let mut b = opts.builder();
    b.threads(1).chunk_bytes(layout.chunk_bytes(input)).hash_seed(layout.seed);
    b.dedupe_shards(layout.shards);
    if let Some(rows) = layout.table_rows {
        b.dedupe_table_rows(rows);
    }
    b.build().unwrap()
}

/// The threaded run of `opts` on `input`: [`THREADS`] threads, kept
/// for the process and shared by every pipeline (starting a pool cost
/// more than a run), over chunks of [`THREADED_CHUNKS`]`[chunk]` bytes.
pub fn threaded(opts: &Options, chunk: usize) -> Pipeline {
    static POOL: OnceLock<Pipeline> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        PipelineBuilder::new().threads(THREADS).build().unwrap()
    });
    let mut b = opts.builder();
    b.chunk_bytes(THREADED_CHUNKS[chunk]).hash_seed(SEED);
    b.build_sharing_threads(pool).unwrap()
}

/// The reference's outcome on `input` with `opts`.
pub fn reference(opts: &Options, input: &[u8]) -> NaiveOutcome {
    segprep::reference::run(input, &opts.naive())
}

/// What one engine run gives: the outcome in the reference's shape, the
/// statistics, the clean file and the sorted clean file.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub outcome: NaiveOutcome,
    pub stats: Stats,
    pub clean: Vec<u8>,
    pub sorted: Vec<u8>,
}

/// Runs the engine once, checks what it can check on its own (the
/// counting identity, every line kept or dropped once, each row's raw
/// text, the header, the clean files against the kept rows) and renders
/// the result as `segprep::reference::engine_outcome` does; that one
/// runs the engine again for each look.
pub fn engine(pipeline: &Pipeline, input: &[u8]) -> Run {
    let run = pipeline.process(Input::from_bytes(input.to_vec(), "input"));
    let mut rows = Rows::default();
    run.emit(&mut rows).unwrap();
    let stats = run.stats().clone();
    assert!(stats.is_balanced(), "{stats:?}");
    // Nothing is lost: every line is kept or dropped, exactly once, and
    // its raw text is the input's row.
    let want = raw_rows(input);
    rows.raw.sort_unstable();
    let numbers: Vec<u64> = rows.raw.iter().map(|r| r.0).collect();
    assert!(numbers.iter().copied().eq(1..=stats.values_found), "{numbers:?}");
    assert_eq!(numbers.len(), want.len(), "rows");
    for ((line, raw), want) in rows.raw.iter().zip(&want) {
        assert_eq!(raw, want, "raw text of line {line}");
    }
    let header = rows.dropped.iter().find(|d| d.rule == "header");
    let header = header.map(|d| d.raw.clone());
    assert_eq!(
        header.as_ref().map(|h| String::from_utf8_lossy(h).into_owned()),
        stats.header
    );
    let outcome = NaiveOutcome {
        values_found: stats.values_found,
        kept: rows.kept,
        dropped: rows.dropped,
        header,
        duplicates: stats.duplicates,
        rejected: stats
            .rejected_counts()
            .map(|(r, n)| (r.name().to_string(), n))
            .collect(),
        fixed: stats
            .fixed_counts()
            .map(|(f, n)| (f.name().to_string(), n))
            .collect(),
    };
    let mut clean = Vec::new();
    run.write_clean(&mut clean, Order::FirstSeen).unwrap();
    let mut sorted = Vec::new();
    run.write_clean(&mut sorted, Order::Sorted).unwrap();
    let mut want: Vec<&[u8]> =
        outcome.kept.iter().map(|k| &k.value[..]).collect();
    assert_eq!(clean, lines(want.iter().copied()), "clean file");
    want.sort();
    assert_eq!(sorted, lines(want.iter().copied()), "sorted clean file");
    assert_eq!(stats.clean_bytes, clean.len() as u64);
    Run { outcome, stats, clean, sorted }
}

/// Every row of a run in the reference's shape, and each row's raw text
/// by line.
#[derive(Default)]
struct Rows {
    kept: Vec<NaiveKept>,
    dropped: Vec<NaiveDropped>,
    raw: Vec<(u64, Vec<u8>)>,
}

impl Sink for Rows {
    type Error = Infallible;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Infallible> {
        self.kept.push(NaiveKept {
            line: row.line,
            value: row.value.to_vec(),
            fixes: row.fixes.iter().map(Fix::name).collect(),
        });
        self.raw.push((row.line, row.raw.to_vec()));
        Ok(())
    }

    fn dropped(&mut self, f: &Finding<'_>) -> Result<(), Infallible> {
        self.dropped.push(NaiveDropped {
            line: f.line,
            rule: f.rule().to_string(),
            raw: f.raw.to_vec(),
            first: match f.kind {
                FindingKind::Duplicate { first } => Some(first),
                _ => None,
            },
        });
        self.raw.push((f.line, f.raw.to_vec()));
        Ok(())
    }
}

/// The rows of `input` by SPEC.md "Rows", as every output's raw text
/// shows them: no terminator, no CR before the LF, no BOM in row 1.
pub fn raw_rows(input: &[u8]) -> Vec<&[u8]> {
    let (bom, content) = match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let mut rows: Vec<&[u8]> = content
        .split_inclusive(|&b| b == b'\n')
        .map(|row| match row.strip_suffix(b"\n") {
            Some(row) => row.strip_suffix(b"\r").unwrap_or(row),
            None => row,
        })
        .collect();
    if rows.is_empty() && bom {
        rows.push(b"");
    }
    rows
}

fn lines<'a>(values: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    values.flat_map(|v| v.iter().chain(b"\n")).copied().collect()
}

/// `data` as one LF-terminated row: every LF removed, one added.
pub fn one_row(data: &[u8]) -> Vec<u8> {
    let mut row: Vec<u8> =
        data.iter().copied().filter(|&b| b != b'\n').collect();
    row.push(b'\n');
    row
}
