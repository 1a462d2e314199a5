//! The pipeline: options, the per-chunk parallel pass, dedupe, counting,
//! and the ordered hand-over to a sink.

use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

use crate::dedupe;
use crate::error::Error;
use crate::idtype::{AttributeType, Case, HeaderMode, IdType, ValueRules};
use crate::row::{RowRules, Scratch, Value};
use crate::rule::{Fix, FixSet, Reject};
use crate::sink::{Finding, FindingKind, Kept, Sink};
use crate::special::SpecialChars;
use crate::stats::{FileFinding, Stats, DAILY_VALUE_LIMIT};

/// The UTF-8 byte order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The platform's file size limit, the default of `--max-bytes`.
pub const DEFAULT_MAX_BYTES: u64 = 150_000_000;

/// The default of `--max-value-len`.
pub const DEFAULT_MAX_VALUE_LEN: usize = 256;

/// Chunks smaller than this are not worth a task of their own.
const MIN_CHUNK: usize = 1 << 20;
/// Chunks stay near 1 GiB so that line numbers within one fit in `u32`.
const MAX_CHUNK: usize = 1 << 30;
/// Chunks per thread, so a chunk of slow rows does not hold up the rest.
const CHUNKS_PER_THREAD: usize = 4;

/// Builds a [`Pipeline`]; every setter mirrors a command-line option.
#[derive(Clone, Debug)]
pub struct PipelineBuilder {
    id_type: IdType,
    attribute_type: AttributeType,
    case: Option<Case>,
    header: HeaderMode,
    attribute_name: Option<String>,
    allow_chars: String,
    deny_chars: String,
    ascii_only: bool,
    max_value_len: usize,
    max_bytes: u64,
    threads: usize,
    chunk_bytes: Option<usize>,
}

impl Default for PipelineBuilder {
    fn default() -> Self {
        PipelineBuilder::new()
    }
}

impl PipelineBuilder {
    /// The defaults: `string` ids and attributes, header `auto`, limits as
    /// the platform's.
    pub fn new() -> PipelineBuilder {
        PipelineBuilder {
            id_type: IdType::String,
            attribute_type: AttributeType::String,
            case: None,
            header: HeaderMode::Auto,
            attribute_name: None,
            allow_chars: String::new(),
            deny_chars: String::new(),
            ascii_only: false,
            max_value_len: DEFAULT_MAX_VALUE_LEN,
            max_bytes: DEFAULT_MAX_BYTES,
            threads: 0,
            chunk_bytes: None,
        }
    }

    /// `--id-type`.
    pub fn id_type(&mut self, id_type: IdType) -> &mut Self {
        self.id_type = id_type;
        self
    }

    /// `--attribute-type`.
    pub fn attribute_type(&mut self, kind: AttributeType) -> &mut Self {
        self.attribute_type = kind;
        self
    }

    /// `--case`; `None` uses the id type's default.
    pub fn case(&mut self, case: Option<Case>) -> &mut Self {
        self.case = case;
        self
    }

    /// `--header`.
    pub fn header(&mut self, header: HeaderMode) -> &mut Self {
        self.header = header;
        self
    }

    /// `--attribute-name`, used to recognize the header.
    pub fn attribute_name(&mut self, name: Option<String>) -> &mut Self {
        self.attribute_name = name;
        self
    }

    /// `--allow-chars`: characters taken out of the denied set.
    pub fn allow_chars(&mut self, chars: &str) -> &mut Self {
        self.allow_chars = chars.to_string();
        self
    }

    /// `--deny-chars`: characters added to the denied set.
    pub fn deny_chars(&mut self, chars: &str) -> &mut Self {
        self.deny_chars = chars.to_string();
        self
    }

    /// `--ascii-only`: deny every non-ASCII character.
    pub fn ascii_only(&mut self, yes: bool) -> &mut Self {
        self.ascii_only = yes;
        self
    }

    /// `--max-value-len`, in bytes.
    pub fn max_value_len(&mut self, bytes: usize) -> &mut Self {
        self.max_value_len = bytes;
        self
    }

    /// `--max-bytes`: the platform's file size limit.
    pub fn max_bytes(&mut self, bytes: u64) -> &mut Self {
        self.max_bytes = bytes;
        self
    }

    /// `--threads`; 0 means one per core.
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }

    /// Cuts the input into chunks of about `bytes` bytes instead of the
    /// size chosen from the thread count. For tests: small chunks put
    /// chunk edges where tiny inputs can reach them.
    #[doc(hidden)]
    pub fn chunk_bytes(&mut self, bytes: usize) -> &mut Self {
        self.chunk_bytes = Some(bytes.max(1));
        self
    }

    /// Checks the options and compiles the rules.
    ///
    /// # Errors
    ///
    /// Attribute type `double` with an id type other than `string` or
    /// `numeric`, or a thread pool that cannot be started.
    pub fn build(&self) -> Result<Pipeline, Error> {
        let double = self.attribute_type == AttributeType::Double;
        if double && !matches!(self.id_type, IdType::String | IdType::Numeric)
        {
            return Err(Error::config(format!(
                "--attribute-type double needs --id-type string or \
                 numeric, not {}",
                self.id_type
            )));
        }
        let threads = match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let pool = if threads > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| {
                    Error::config(format!(
                        "cannot start {threads} threads: {e}"
                    ))
                })?;
            Some(pool)
        } else {
            None
        };
        let value = ValueRules {
            id_type: self.id_type,
            double,
            case: self.case.unwrap_or(self.id_type.default_case()),
            special: SpecialChars::new(
                &self.allow_chars,
                &self.deny_chars,
                self.ascii_only,
            ),
            max_value_len: self.max_value_len,
        };
        Ok(Pipeline {
            rules: RowRules::new(value),
            header: self.header,
            attribute_name: self.attribute_name.clone(),
            max_bytes: self.max_bytes,
            threads,
            chunk_bytes: self.chunk_bytes,
            pool,
        })
    }
}

/// The compiled rules. Immutable and reusable; `Send + Sync`.
#[derive(Debug)]
pub struct Pipeline {
    rules: RowRules,
    header: HeaderMode,
    attribute_name: Option<String>,
    max_bytes: u64,
    threads: usize,
    chunk_bytes: Option<usize>,
    pool: Option<rayon::ThreadPool>,
}

/// A kept row inside a chunk. Offsets are absolute in the input, or in
/// the chunk's arena for changed values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeptRow {
    /// Line number relative to the chunk's first row (1-based).
    pub(crate) line: u32,
    pub(crate) raw_start: usize,
    pub(crate) raw_len: usize,
    pub(crate) value_start: usize,
    pub(crate) value_len: usize,
    pub(crate) in_arena: bool,
    pub(crate) fixes: FixSet,
}

#[derive(Clone, Copy, Debug)]
struct DroppedRow {
    line: u32,
    raw_start: usize,
    raw_len: usize,
    kind: FindingKind,
}

/// The results of steps 1 to 10 for one chunk of rows.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    /// Rows before this chunk.
    pub(crate) first_line: u64,
    rows: u64,
    pub(crate) kept: Vec<KeptRow>,
    dropped: Vec<DroppedRow>,
    arena: Vec<u8>,
    /// For each kept row, the line of the earlier row it duplicates, or 0.
    pub(crate) duplicate_of: Vec<u64>,
}

impl Chunk {
    pub(crate) fn value<'a>(
        &'a self,
        input: &'a [u8],
        row: &KeptRow,
    ) -> &'a [u8] {
        let len = row.value_len;
        if row.in_arena {
            &self.arena[row.value_start..row.value_start + len]
        } else {
            &input[row.value_start..row.value_start + len]
        }
    }
}

/// How row 1 is treated.
#[derive(Clone, Copy, Debug, Default)]
struct FirstRow {
    header: bool,
    bom: bool,
}

/// The outcome of [`Pipeline::process`]: statistics now, rows on demand
/// through [`Processed::emit`] and [`Processed::write_clean`].
#[derive(Debug)]
pub struct Processed<'a> {
    input: &'a [u8],
    chunks: Vec<Chunk>,
    stats: Stats,
}

impl Pipeline {
    /// The number of threads a run uses.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs steps 1 to 11 on `input` and counts the result. `name` is
    /// the input's name for the statistics.
    pub fn process<'a>(&self, input: &'a [u8], name: &str) -> Processed<'a> {
        let bom = input.starts_with(BOM);
        let start = if bom { BOM.len() } else { 0 };
        let first =
            FirstRow { header: self.is_header(&input[start..], bom), bom };
        let size = self.chunk_bytes.unwrap_or_else(|| {
            ((input.len() - start) / (self.threads * CHUNKS_PER_THREAD))
                .clamp(MIN_CHUNK, MAX_CHUNK)
        });
        let bounds = chunk_bounds(input, start, size);
        let work = |(i, range): (usize, &Range<usize>)| {
            self.run_chunk(
                input,
                range.clone(),
                if i == 0 { Some(first) } else { None },
            )
        };
        let mut chunks: Vec<Chunk> = match &self.pool {
            Some(pool) => pool
                .install(|| bounds.par_iter().enumerate().map(work).collect()),
            None => bounds.iter().enumerate().map(work).collect(),
        };
        let mut line = 0;
        for chunk in &mut chunks {
            chunk.first_line = line;
            line += chunk.rows;
        }
        dedupe::mark_duplicates(input, &mut chunks);
        let stats = self.count(input, name, bom, &chunks);
        Processed { input, chunks, stats }
    }

    /// Decides whether row 1 is the header. `content` is the input
    /// without its BOM.
    fn is_header(&self, content: &[u8], bom: bool) -> bool {
        let has_row = bom || !content.is_empty();
        let mut rows = Rows::new(content, 0);
        match self.header {
            HeaderMode::No => false,
            HeaderMode::Yes => has_row,
            HeaderMode::Auto => {
                let Some((row1, _)) =
                    rows.next().or(has_row.then_some((&[][..], false)))
                else {
                    return false;
                };
                if let Some(name) = &self.attribute_name {
                    if let Ok(field) = crate::field::read_row(row1) {
                        if field.value.eq_ignore_ascii_case(name) {
                            return true;
                        }
                    }
                }
                let v = &self.rules.value;
                if v.id_type == IdType::String && !v.double {
                    return false;
                }
                let mut scratch = Scratch::default();
                let mut fixes = FixSet::EMPTY;
                let row1_rejected = matches!(
                    self.rules.process(row1, &mut scratch, &mut fixes),
                    Err((
                        Reject::SpecialChar
                            | Reject::BadFormat
                            | Reject::NotANumber,
                        _
                    ))
                );
                row1_rejected
                    && rows.next().is_some_and(|(row2, _)| {
                        self.rules
                            .process(row2, &mut scratch, &mut fixes)
                            .is_ok()
                    })
            }
        }
    }

    fn run_chunk(
        &self,
        input: &[u8],
        range: Range<usize>,
        first: Option<FirstRow>,
    ) -> Chunk {
        let mut chunk = Chunk::default();
        let mut scratch = Scratch::default();
        let base = range.start;
        let mut rows = Rows::new(&input[range.clone()], base);
        let mut next_row = rows.next();
        if next_row.is_none() && first.is_some_and(|f| f.bom) {
            // An input that is only a BOM has one empty row.
            next_row = Some((&input[base..base], false));
        }
        let mut line: u32 = 0;
        while let Some((raw, crlf)) = next_row {
            line += 1;
            let raw_start = raw.as_ptr() as usize - input.as_ptr() as usize;
            let raw_len = raw.len();
            let mut fixes = FixSet::EMPTY;
            if line == 1 {
                if let Some(first) = first {
                    if first.header {
                        chunk.dropped.push(DroppedRow {
                            line,
                            raw_start,
                            raw_len,
                            kind: FindingKind::Header,
                        });
                        next_row = rows.next();
                        continue;
                    }
                    if first.bom {
                        fixes.insert(Fix::Bom);
                    }
                }
            }
            if crlf {
                fixes.insert(Fix::Crlf);
            }
            match self.rules.process(raw, &mut scratch, &mut fixes) {
                Ok(value) => {
                    let (value_start, value_len, in_arena) = match value {
                        Value::Borrowed(v) => (
                            v.as_ptr() as usize - input.as_ptr() as usize,
                            v.len(),
                            false,
                        ),
                        Value::Scratch => {
                            let start = chunk.arena.len();
                            chunk.arena.extend_from_slice(&scratch.value);
                            (start, scratch.value.len(), true)
                        }
                    };
                    chunk.kept.push(KeptRow {
                        line,
                        raw_start,
                        raw_len,
                        value_start,
                        value_len,
                        in_arena,
                        fixes,
                    });
                }
                Err((reject, detail)) => chunk.dropped.push(DroppedRow {
                    line,
                    raw_start,
                    raw_len,
                    kind: FindingKind::Reject(reject, detail),
                }),
            }
            next_row = rows.next();
        }
        chunk.rows = u64::from(line);
        chunk
    }

    fn count(
        &self,
        input: &[u8],
        name: &str,
        bom: bool,
        chunks: &[Chunk],
    ) -> Stats {
        let mut stats = Stats {
            input: name.to_string(),
            bytes: input.len() as u64,
            ..Stats::default()
        };
        for chunk in chunks {
            stats.values_found += chunk.rows;
            for dropped in &chunk.dropped {
                match dropped.kind {
                    FindingKind::Reject(reject, _) => {
                        stats.rejected[reject.index()] += 1;
                    }
                    FindingKind::Header => {
                        let raw =
                            &input[dropped.raw_start..][..dropped.raw_len];
                        stats.header =
                            Some(String::from_utf8_lossy(raw).into_owned());
                    }
                    FindingKind::Fix(_) | FindingKind::Duplicate { .. } => {
                        unreachable!("chunks drop only rejects and the header")
                    }
                }
            }
            for (row, &dup) in chunk.kept.iter().zip(&chunk.duplicate_of) {
                if dup != 0 {
                    stats.duplicates += 1;
                    continue;
                }
                stats.values_processed += 1;
                stats.clean_bytes += row.value_len as u64 + 1;
                for fix in row.fixes.iter() {
                    stats.fixed[fix.index()] += 1;
                }
            }
        }
        stats.fixed[Fix::Bom.index()] = u64::from(bom);
        if stats.bytes > self.max_bytes {
            stats.file_findings.push(FileFinding::TooLarge);
        }
        if stats.values_processed == 0 {
            stats.file_findings.push(FileFinding::EmptyFile);
        }
        if stats.values_processed > DAILY_VALUE_LIMIT {
            stats.warnings.push(format!(
                "{} values: past the platform's default daily limit of \
                 {DAILY_VALUE_LIMIT} users through file segments",
                stats.values_processed
            ));
        }
        stats
    }
}

impl<'a> Processed<'a> {
    /// The statistics of the run.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// A mutable view of the statistics, for callers that add
    /// warnings.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// Hands every row to `sink`, in line order.
    ///
    /// # Errors
    ///
    /// The first error the sink returns; the run stops there.
    pub fn emit<S: Sink>(&self, mut sink: S) -> Result<(), S::Error> {
        let input = self.input;
        for chunk in &self.chunks {
            let mut kept =
                chunk.kept.iter().zip(&chunk.duplicate_of).peekable();
            let mut dropped = chunk.dropped.iter().peekable();
            loop {
                let take_kept = match (kept.peek(), dropped.peek()) {
                    (Some((k, _)), Some(d)) => k.line < d.line,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                if take_kept {
                    let (row, &dup) = kept.next().expect("peeked");
                    let line = chunk.first_line + u64::from(row.line);
                    let raw = &input[row.raw_start..][..row.raw_len];
                    if dup != 0 {
                        sink.dropped(&Finding {
                            line,
                            raw,
                            kind: FindingKind::Duplicate { first: dup },
                        })?;
                    } else {
                        sink.kept(&Kept {
                            line,
                            value: chunk.value(input, row),
                            raw,
                            fixes: row.fixes,
                        })?;
                    }
                } else {
                    let row = dropped.next().expect("peeked");
                    sink.dropped(&Finding {
                        line: chunk.first_line + u64::from(row.line),
                        raw: &input[row.raw_start..][..row.raw_len],
                        kind: row.kind,
                    })?;
                }
            }
        }
        Ok(())
    }

    /// The clean file's values, in first-occurrence order.
    pub fn values(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.chunks.iter().flat_map(move |chunk| {
            chunk
                .kept
                .iter()
                .zip(&chunk.duplicate_of)
                .filter(|(_, &dup)| dup == 0)
                .map(move |(row, _)| chunk.value(self.input, row))
        })
    }

    /// Writes the clean file: every kept value and an LF, in
    /// first-occurrence order or, with `sort`, in byte order.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn write_clean<W: Write>(
        &self,
        mut out: W,
        sort: bool,
    ) -> io::Result<()> {
        if sort {
            let mut values: Vec<&[u8]> = self.values().collect();
            values.par_sort_unstable();
            for value in values {
                out.write_all(value)?;
                out.write_all(b"\n")?;
            }
        } else {
            for value in self.values() {
                out.write_all(value)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    }
}

/// Iterates over the rows of a slice: each row without its LF, and without
/// a CR directly before the LF (reported as `true`).
struct Rows<'a> {
    rest: &'a [u8],
}

impl<'a> Rows<'a> {
    fn new(bytes: &'a [u8], _base: usize) -> Rows<'a> {
        Rows { rest: bytes }
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = (&'a [u8], bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (row, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => {
                // A last row without a terminator keeps any CR.
                let row = self.rest;
                self.rest = &[];
                return Some((row, false));
            }
        };
        self.rest = rest;
        match row.strip_suffix(b"\r") {
            Some(row) => Some((row, true)),
            None => Some((row, false)),
        }
    }
}

/// Cuts `input[start..]` into ranges of about `size` bytes that end just
/// after an LF (or at the end).
fn chunk_bounds(input: &[u8], start: usize, size: usize) -> Vec<Range<usize>> {
    let size = size.min(MAX_CHUNK);
    let len = input.len();
    let mut bounds = Vec::new();
    let mut at = start;
    while at < len {
        let mut end = (at + size).min(len);
        if end < len {
            end = memchr::memchr(b'\n', &input[end - 1..])
                .map_or(len, |i| end + i);
        }
        bounds.push(at..end);
        at = end;
    }
    if bounds.is_empty() {
        bounds.push(start..start);
    }
    bounds
}
