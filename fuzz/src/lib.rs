//! Helpers shared by the fuzz targets: options decoded from a few bytes,
//! and the engine's result rendered in the reference's shape by
//! `segprep::reference::engine_outcome`, plus checks of the clean file.

use std::sync::{Arc, Mutex};

pub use segprep::reference::Options;
use segprep::reference::{self, NaiveOutcome};
use segprep::{Case, HeaderMode, IdType, Input, Order, Pipeline, Stats};

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

/// Takes the options and the `chunk_bytes` of the multi-threaded run from
/// the first [`OPTION_BYTES`] bytes (missing bytes read as 0), and returns
/// them with the rest, the input.
pub fn decode(data: &[u8]) -> (Options, usize, &[u8]) {
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
    let chunk = 1 + usize::from(b(8) & 15);
    (opts, chunk, data.get(OPTION_BYTES..).unwrap_or(&[]))
}

/// A pipeline of three threads over chunks of `chunk` bytes. The last few
/// are kept: starting a thread pool costs more than a run. (A dropped
/// pool's threads free their buffers after the input has run, so the
/// `pipeline` target turns leak checks off.)
pub fn threaded(opts: &Options, chunk: usize) -> Arc<Pipeline> {
    type Cached = ((Options, usize), Arc<Pipeline>);
    static CACHE: Mutex<Vec<Cached>> = Mutex::new(Vec::new());
    let key = (opts.clone(), chunk);
    let mut cache = CACHE.lock().unwrap();
    if let Some(i) = cache.iter().position(|(k, _)| *k == key) {
        let hit = cache.remove(i);
        cache.push(hit);
    } else {
        let mut b = opts.builder();
        let pipeline = b.threads(3).chunk_bytes(chunk).build();
        if cache.len() == 8 {
            cache.remove(0);
        }
        cache.push((key, Arc::new(pipeline.unwrap())));
    }
    Arc::clone(&cache.last().unwrap().1)
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

/// Runs the engine, checks what it can check on its own (the counting
/// identity, every line once, the header, the clean file against the kept
/// rows) and renders the result.
pub fn engine(pipeline: &Pipeline, input: &[u8]) -> Run {
    let outcome = reference::engine_outcome(pipeline, input);
    let run = pipeline.process(Input::from_bytes(input.to_vec(), "input"));
    let stats = run.stats().clone();
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
