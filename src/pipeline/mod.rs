//! The pipeline: options, the per-chunk parallel pass, dedupe and
//! counting.

use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

mod chunk;
mod column;
mod dedupe;
mod duplicates;
pub(crate) mod field;
mod normalize;
mod ordered;
mod phone;
pub(crate) mod row;
pub(crate) mod rows;
pub(crate) mod run;
mod special;
pub(crate) mod value;

use self::chunk::{Chunk, FirstRow};
pub use self::column::{Column, Delimiter};
use self::dedupe::{ValueHash, SHARDS};
use self::phone::PhoneRegion;
use self::row::{RowRules, Scratch, Split};
use self::rows::Rows;
pub use self::run::Run;
use self::special::SpecialChars;
use self::value::ValueRules;
use crate::error::Error;
use crate::input::Input;
use crate::options::{AttributeType, Case, HeaderMode, IdType};
use crate::rule::{Fix, FixSet, Reject};
use crate::stats::{FileFinding, Stats, DAILY_VALUE_LIMIT};

/// The UTF-8 byte order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The platform's file size limit, the default of `--max-bytes`.
pub const DEFAULT_MAX_BYTES: u64 = 150_000_000;

/// The default of `--max-value-len`.
pub const DEFAULT_MAX_VALUE_LEN: usize = 256;

/// The most threads a pipeline starts: past a few per core more threads
/// only cost memory and scheduling, and a typo (`100000`) must not start
/// tens of thousands of them.
pub const MAX_THREADS: usize = 256;

/// Chunks smaller than this are not worth a task of their own.
const MIN_CHUNK: usize = 1 << 20;
/// Chunks stay small enough that offsets into one and into its arena of
/// changed values fit in `u32`, even when every value grows.
const MAX_CHUNK: usize = 1 << 26;
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
    dedupe_table_rows: usize,
    hash_seed: Option<u64>,
    dedupe_shards: Option<usize>,
    progress: Option<Progress>,
    delimiter: Delimiter,
    column: Option<Column>,
    default_region: Option<String>,
    phases: Option<PhaseHook>,
}

/// Rule (c) of the header decision: row 1 is a header when its field,
/// lower-cased and without `_`, `-`, `.` and spaces, is one of these (or
/// the id type's name).
const HEADER_WORDS: &[&str] = &[
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

/// Whether a row 1 field names an id column (rule (c)).
fn is_header_word(field: &str, id_type: IdType) -> bool {
    let key: String = field
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    HEADER_WORDS.contains(&key.as_str()) || key == id_type.name()
}

/// A callback that hears how many input bytes are done.
#[derive(Clone)]
struct Progress(Arc<dyn Fn(u64) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// A callback that hears which step of a run starts.
#[derive(Clone)]
struct PhaseHook(Arc<dyn Fn(Phase) + Send + Sync>);

impl fmt::Debug for PhaseHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhaseHook(..)")
    }
}

/// A step of a run, as [`PipelineBuilder::phases`] reports them: a
/// display can name what a long run is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Each row checked, chunk by chunk; [`PipelineBuilder::progress`]
    /// counts its bytes.
    Rows,
    /// The duplicates found across chunks; no byte count.
    Duplicates,
    /// The statistics counted; no byte count.
    Counting,
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
            dedupe_table_rows: dedupe::TABLE_ROWS,
            hash_seed: None,
            dedupe_shards: None,
            progress: None,
            delimiter: Delimiter::default(),
            column: None,
            default_region: None,
            phases: None,
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

    /// What separates fields: a comma by default.
    pub fn delimiter(&mut self, delimiter: Delimiter) -> &mut Self {
        self.delimiter = delimiter;
        self
    }

    /// The column whose field is each row's value; `None`: each row must
    /// hold one field. A [`Column::Name`] makes row 1 the header.
    pub fn column(&mut self, column: Option<Column>) -> &mut Self {
        self.column = column;
        self
    }

    /// With id type `phone`: the region (ISO 3166 alpha-2, such as `US`)
    /// whose national numbers these are; every valid number is then
    /// written in E.164 by libphonenumber's rules.
    pub fn default_region(&mut self, region: Option<&str>) -> &mut Self {
        self.default_region = region.map(str::to_string);
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

    /// Gives each dedupe table about `rows` rows (at least 1) instead of
    /// the size that fits the cache. For tests: tiny tables split tiny
    /// inputs' shards, as large inputs' are.
    #[doc(hidden)]
    pub fn dedupe_table_rows(&mut self, rows: usize) -> &mut Self {
        self.dedupe_table_rows = rows.max(1);
        self
    }

    /// Splits dedupe in `shards` shards (a power of two from 1 to 256;
    /// others are rounded up to one, or down to 256) instead of a number
    /// chosen from the input's size. For tests: the output must not
    /// depend on it.
    #[doc(hidden)]
    pub fn dedupe_shards(&mut self, shards: usize) -> &mut Self {
        self.dedupe_shards = Some(shards.next_power_of_two().min(SHARDS));
        self
    }

    /// Seeds the dedupe hash with `seed` instead of at random for each
    /// run. For tests: the output must not depend on it.
    #[doc(hidden)]
    pub fn hash_seed(&mut self, seed: u64) -> &mut Self {
        self.hash_seed = Some(seed);
        self
    }

    /// Calls `report` with the number of input bytes processed so far,
    /// from worker threads, as chunks finish: for progress bars.
    pub fn progress(
        &mut self,
        report: impl Fn(u64) + Send + Sync + 'static,
    ) -> &mut Self {
        self.progress = Some(Progress(Arc::new(report)));
        self
    }

    /// Calls `report` on the calling thread as each [`Phase`] of a run
    /// starts: for progress displays, which can show the steps after
    /// the rows, which have no byte count.
    pub fn phases(
        &mut self,
        report: impl Fn(Phase) + Send + Sync + 'static,
    ) -> &mut Self {
        self.phases = Some(PhaseHook(Arc::new(report)));
        self
    }

    /// Checks the options and compiles the rules.
    ///
    /// # Errors
    ///
    /// Attribute type `double` with an id type other than `string` or
    /// `numeric`; a delimiter that is not one ASCII character or is a
    /// quote or line end; column 0 or an empty column name; a column name
    /// with header mode `no`; a default region without id type `phone`,
    /// or one without phone metadata; a thread pool that cannot be
    /// started.
    pub fn build(&self) -> Result<Pipeline, Error> {
        self.build_with(None)
    }

    /// Like [`build`](Self::build), but the pipeline runs on the threads
    /// of `other`, which keeps them: a service that builds a pipeline for
    /// each request's options starts no threads per request. The
    /// builder's own [`threads`](Self::threads) is not used.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), except for starting threads.
    pub fn build_sharing_threads(
        &self,
        other: &Pipeline,
    ) -> Result<Pipeline, Error> {
        self.build_with(Some((other.threads, other.pool.clone())))
    }

    /// Builds with `threads`, the count and the pool, when given.
    fn build_with(
        &self,
        threads: Option<(usize, Option<Arc<rayon::ThreadPool>>)>,
    ) -> Result<Pipeline, Error> {
        self.delimiter.check()?;
        let column = match &self.column {
            None => None,
            Some(Column::Number(0)) => {
                return Err(Error::config("columns are numbered from 1"))
            }
            Some(Column::Number(n)) => Some(n - 1),
            Some(Column::Name(name)) if name.is_empty() => {
                return Err(Error::config("the column name is empty"))
            }
            Some(Column::Name(_)) if self.header == HeaderMode::No => {
                return Err(Error::config(
                    "a column name needs row 1 as the header, not header \
                     mode no",
                ))
            }
            // Found in row 1 of each input.
            Some(Column::Name(_)) => None,
        };
        let phone_region = match &self.default_region {
            None => None,
            Some(region) if self.id_type == IdType::Phone => {
                Some(PhoneRegion::new(region)?)
            }
            Some(_) => {
                return Err(Error::config(format!(
                    "a default region needs id type phone, not {}",
                    self.id_type
                )))
            }
        };
        let double = self.attribute_type == AttributeType::Double;
        if double && !matches!(self.id_type, IdType::String | IdType::Numeric)
        {
            return Err(Error::config(format!(
                "attribute type double needs id type string or numeric, \
                 not {}",
                self.id_type
            )));
        }
        let (threads, pool) = match threads {
            Some(shared) => shared,
            None => self.start_threads()?,
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
            phone_region,
        };
        let split =
            Split { delimiter: self.delimiter.byte().unwrap_or(b','), column };
        Ok(Pipeline {
            rules: Arc::new(RowRules::new(value, split)),
            delimiter: self.delimiter,
            column: self.column.clone(),
            header: self.header,
            attribute_name: self.attribute_name.clone(),
            max_bytes: self.max_bytes,
            threads,
            chunk_bytes: self.chunk_bytes,
            dedupe_table_rows: self.dedupe_table_rows,
            hash_seed: self.hash_seed,
            dedupe_shards: self.dedupe_shards,
            progress: self.progress.clone(),
            pool,
            phases: self.phases.clone(),
        })
    }

    /// The thread count `threads` asks for, and its pool when over one.
    fn start_threads(
        &self,
    ) -> Result<(usize, Option<Arc<rayon::ThreadPool>>), Error> {
        let threads = match self.threads {
            0 => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_THREADS),
            n if n > MAX_THREADS => {
                return Err(Error::config(format!(
                    "{n} threads: at most {MAX_THREADS}"
                )));
            }
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
            Some(Arc::new(pool))
        } else {
            None
        };
        Ok((threads, pool))
    }
}

/// The compiled rules. Immutable and reusable; `Send + Sync`.
#[derive(Debug)]
pub struct Pipeline {
    /// The rules for an input whose delimiter and column need no
    /// looking at: cloned with those when they do.
    rules: Arc<RowRules>,
    delimiter: Delimiter,
    column: Option<Column>,
    header: HeaderMode,
    attribute_name: Option<String>,
    max_bytes: u64,
    threads: usize,
    chunk_bytes: Option<usize>,
    dedupe_table_rows: usize,
    hash_seed: Option<u64>,
    dedupe_shards: Option<usize>,
    progress: Option<Progress>,
    pool: Option<Arc<rayon::ThreadPool>>,
    phases: Option<PhaseHook>,
}

impl Pipeline {
    /// The number of threads a run uses.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs steps 1 to 11 on `input` and counts the result. The run
    /// keeps the input (shared, when an `Arc<Input>` is given), so it can
    /// be returned from a function and written later.
    ///
    /// ```
    /// use segprep::{Input, Order, PipelineBuilder, Run};
    ///
    /// fn validate(bytes: Vec<u8>) -> Result<Run, segprep::Error> {
    ///     let pipeline = PipelineBuilder::new().build()?;
    ///     Ok(pipeline.process(Input::from_bytes(bytes, "upload.csv")))
    /// }
    ///
    /// let run = validate(b"u1\nu2\nu1\n".to_vec())?;
    /// let mut clean = Vec::new();
    /// run.write_clean(&mut clean, Order::FirstSeen)?;
    /// assert_eq!(clean, b"u1\nu2\n");
    /// # Ok::<(), segprep::Error>(())
    /// ```
    ///
    /// With a [`Column::Name`] that row 1 lacks, every row but the header
    /// is `missing-column`; [`Pipeline::try_process`] returns an error
    /// instead.
    pub fn process(&self, input: impl Into<Arc<Input>>) -> Run {
        let input: Arc<Input> = input.into();
        let rules = self.rules_for(&input).unwrap_or_else(|_| {
            let split =
                Split { column: Some(usize::MAX), ..self.split(&input) };
            Arc::new(RowRules::new(self.rules.value.clone(), split))
        });
        self.process_with(input, rules)
    }

    /// Like [`Pipeline::process`], for inputs whose header must name the
    /// column to pick.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when row 1 lacks
    /// the [`Column::Name`], listing the fields it has.
    pub fn try_process(
        &self,
        input: impl Into<Arc<Input>>,
    ) -> Result<Run, Error> {
        let input: Arc<Input> = input.into();
        let rules = self.rules_for(&input)?;
        Ok(self.process_with(input, rules))
    }

    /// The input after its BOM.
    fn content(input: &Input) -> &[u8] {
        let bytes = input.as_bytes();
        bytes.strip_prefix(BOM).unwrap_or(bytes)
    }

    /// The delimiter for `input`, and the column when it has a number.
    fn split(&self, input: &Input) -> Split {
        Split {
            delimiter: self.delimiter.resolve(Self::content(input)),
            ..self.rules.split
        }
    }

    /// The rules for `input`: its delimiter, and its column when named.
    fn rules_for(&self, input: &Input) -> Result<Arc<RowRules>, Error> {
        let mut split = self.split(input);
        if let Some(Column::Name(name)) = &self.column {
            let content = Self::content(input);
            // An input of no rows has no header to look in.
            if !content.is_empty() || input.as_bytes().starts_with(BOM) {
                split.column = Some(column::find_name(
                    input.name(),
                    content,
                    split.delimiter,
                    name,
                )?);
            }
        }
        if split == self.rules.split {
            return Ok(Arc::clone(&self.rules));
        }
        Ok(Arc::new(RowRules::new(self.rules.value.clone(), split)))
    }

    fn phase(&self, phase: Phase) {
        if let Some(PhaseHook(report)) = &self.phases {
            report(phase);
        }
    }

    fn process_with(&self, input: Arc<Input>, rules: Arc<RowRules>) -> Run {
        self.phase(Phase::Rows);
        let bytes = input.as_bytes();
        let bom = bytes.starts_with(BOM);
        let start = if bom { BOM.len() } else { 0 };
        let header = self.is_header(&rules, &bytes[start..], bom);
        let first = FirstRow { header, bom };
        let size = self.chunk_bytes.unwrap_or_else(|| {
            ((bytes.len() - start) / (self.threads * CHUNKS_PER_THREAD))
                .clamp(MIN_CHUNK, MAX_CHUNK)
        });
        let bounds = rows::bounds(bytes, start, size);
        let shards = self
            .dedupe_shards
            .unwrap_or_else(|| dedupe::shards_for(bytes.len() - start));
        let hasher = match self.hash_seed {
            Some(seed) => ValueHash::with_seed(seed, shards),
            None => ValueHash::random(shards),
        };
        let done = AtomicU64::new(0);
        let work = |(i, range): (usize, &Range<usize>)| {
            let first = if i == 0 { Some(first) } else { None };
            let chunk =
                Chunk::run(&rules, &hasher, bytes, range.clone(), first);
            if let Some(Progress(report)) = &self.progress {
                let len = range.len() as u64;
                report(done.fetch_add(len, Ordering::Relaxed) + len);
            }
            chunk
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
        self.phase(Phase::Duplicates);
        dedupe::mark_duplicates(
            bytes,
            &mut chunks,
            self.dedupe_table_rows,
            self.pool.as_deref(),
        );
        self.phase(Phase::Counting);
        let mut stats = self.count(bytes, input.name(), bom, &chunks);
        if let Some(warning) = no_country_code(&rules, bytes, &chunks) {
            stats.warnings.push(warning);
        }
        // A compressed input's size is the file's; the rows come from
        // the decompressed bytes.
        if let Some(compressed) = input.compressed_len() {
            stats.uncompressed_bytes = Some(stats.bytes);
            stats.bytes = compressed;
            stats.file_findings.push(FileFinding::Compressed);
        }
        if input.transcoded_from().is_some() {
            stats.fixed[Fix::Encoding.index()] = 1;
            stats.file_findings.push(FileFinding::Encoding);
        }
        Run::new(
            Arc::clone(&input),
            chunks,
            stats,
            rules,
            self.pool.clone(),
            self.max_bytes,
        )
    }

    /// Decides whether row 1 is the header. `content` is the input
    /// without its BOM.
    fn is_header(&self, rules: &RowRules, content: &[u8], bom: bool) -> bool {
        let has_row = bom || !content.is_empty();
        let mut rows = Rows::new(content);
        let named = matches!(self.column, Some(Column::Name(_)));
        match self.header {
            HeaderMode::No => false,
            HeaderMode::Yes => has_row,
            HeaderMode::Auto if named => has_row,
            HeaderMode::Auto => {
                let Some((row1, _)) =
                    rows.next().or(has_row.then_some((&[][..], false)))
                else {
                    return false;
                };
                let v = &rules.value;
                if let Ok(field) = rules.field(row1) {
                    // (a) the attribute name; (c) a name of an id column.
                    let attribute = self.attribute_name.as_deref();
                    if attribute
                        .is_some_and(|a| field.value.eq_ignore_ascii_case(a))
                        || is_header_word(&field.value, v.id_type)
                    {
                        return true;
                    }
                }
                if v.id_type == IdType::String && !v.double {
                    return false;
                }
                // Without a row 2, row 1 need not be read: the first chunk
                // reads it anyway, and it can be the whole input.
                let Some((row2, _)) = rows.next() else {
                    return false;
                };
                let mut scratch = Scratch::default();
                let mut fixes = FixSet::EMPTY;
                let row1_rejected = matches!(
                    rules.process(row1, &mut scratch, &mut fixes),
                    Err((
                        Reject::SpecialChar
                            | Reject::BadFormat
                            | Reject::NotANumber,
                        _
                    ))
                );
                row1_rejected
                    && rules.process(row2, &mut scratch, &mut fixes).is_ok()
            }
        }
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
            for (total, n) in stats.rejected.iter_mut().zip(chunk.rejected) {
                *total += n;
            }
            if chunk.header {
                let raw = chunk.raw(input, &chunk.dropped[0]);
                stats.header = Some(String::from_utf8_lossy(raw).into_owned());
            }
            stats.duplicates += u64::from(chunk.duplicates.len());
        }
        for chunk in chunks {
            stats.values_processed += chunk.tally.values;
            stats.clean_bytes += chunk.tally.bytes;
            for (total, n) in stats.fixed.iter_mut().zip(chunk.tally.fixed) {
                *total += n;
            }
        }
        stats.fixed[Fix::Bom.index()] = u64::from(bom);
        if stats.bytes > self.max_bytes {
            stats.file_findings.push(FileFinding::TooLarge);
        }
        if stats.values_processed == 0 {
            stats.file_findings.push(FileFinding::EmptyFile);
        }
        if stats.values_found == 1
            && memchr::memchr(b'\r', input).is_some()
            && memchr::memchr(b'\n', input).is_none()
        {
            stats.warnings.push(
                "the input has CR line endings and no LF, so it reads as one \
                 row; convert them first, for example: tr '\\r' '\\n'"
                    .to_string(),
            );
        }
        // Only characters that --allow-chars can let through make a value
        // that reads back as something else.
        if self
            .rules
            .value
            .special
            .allows_any(",\"\r \t\u{a0}\u{200b}\u{feff}")
        {
            let unreadable = chunks
                .iter()
                .flat_map(|chunk| {
                    chunk.unique_rows().map(|row| {
                        crate::pipeline::field::reads_back(
                            &chunk.value(input, &row),
                        )
                    })
                })
                .filter(|&reads_back| !reads_back)
                .count();
            if unreadable > 0 {
                let (noun, verb) = match unreadable {
                    1 => ("value", "holds"),
                    _ => ("values", "hold"),
                };
                stats.warnings.push(format!(
                    "{unreadable} {noun} {verb} a comma, a leading quote, \
                     white space at either end or a final CR that \
                     --allow-chars let through: as lines of the clean file \
                     they read back as other values, split, unquoted or \
                     trimmed"
                ));
            }
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

/// Without a default region, a warning counting the kept phone numbers
/// that have no country code: the platform may not match them.
fn no_country_code(
    rules: &RowRules,
    input: &[u8],
    chunks: &[Chunk],
) -> Option<String> {
    let value = &rules.value;
    if value.id_type != IdType::Phone || value.phone_region.is_some() {
        return None;
    }
    let count = chunks
        .iter()
        .flat_map(|chunk| {
            chunk.unique_rows().map(|row| chunk.value(input, &row))
        })
        .filter(|value| !value.starts_with(b"+"))
        .count();
    let (noun, verb, them) = match count {
        0 => return None,
        1 => ("phone number", "has", "it"),
        _ => ("phone numbers", "have", "them"),
    };
    Some(format!(
        "{count} {noun} {verb} no country code (no leading +), so the \
         platform may not match {them}; a default region writes {them} in \
         E.164"
    ))
}

#[cfg(test)]
mod phase_tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn phases_in_order_the_bytes_before_the_duplicates() {
        #[derive(Debug, PartialEq)]
        enum Heard {
            Bytes(u64),
            Phase(Phase),
        }
        let heard = Arc::new(Mutex::new(Vec::new()));
        let (bytes, phases) = (Arc::clone(&heard), Arc::clone(&heard));
        let input = b"a\nb\na\n".repeat(100_000);
        let pipeline = PipelineBuilder::new()
            .threads(2)
            .chunk_bytes(64 << 10)
            .progress(move |done| {
                bytes.lock().unwrap().push(Heard::Bytes(done))
            })
            .phases(move |phase| {
                phases.lock().unwrap().push(Heard::Phase(phase))
            })
            .build()
            .unwrap();
        let run = pipeline.process(Input::from_bytes(input.clone(), "x"));
        assert_eq!(run.stats().values_processed, 2);
        let heard = heard.lock().unwrap();
        assert_eq!(heard[0], Heard::Phase(Phase::Rows));
        let rows_end = heard.len() - 2;
        assert!(rows_end > 2, "{} reports", heard.len());
        // Threads report in any order; the most is the whole input.
        let most = heard[1..rows_end].iter().map(|heard| match heard {
            Heard::Bytes(done) => *done,
            Heard::Phase(phase) => panic!("{phase:?} among the bytes"),
        });
        assert_eq!(most.max(), Some(input.len() as u64));
        assert_eq!(
            heard[rows_end..],
            [Heard::Phase(Phase::Duplicates), Heard::Phase(Phase::Counting)]
        );
    }
}

#[cfg(test)]
mod sharing_tests {
    use super::*;
    use crate::Order;

    #[test]
    fn a_pipeline_built_sharing_threads_runs_on_the_others_pool() {
        let owner = PipelineBuilder::new().threads(3).build().unwrap();
        let mut builder = PipelineBuilder::new();
        builder.id_type(IdType::Numeric).threads(1).chunk_bytes(8);
        let shared = builder.build_sharing_threads(&owner).unwrap();
        assert_eq!(shared.threads(), 3);
        let (a, b) = (owner.pool.as_ref(), shared.pool.as_ref());
        assert!(Arc::ptr_eq(a.unwrap(), b.unwrap()));
        let input = b"007\n7\nx\n12\n7\n".repeat(50);
        let clean = |pipeline: &Pipeline| {
            let run = pipeline.process(Input::from_bytes(input.clone(), "x"));
            let mut out = Vec::new();
            run.write_clean(&mut out, Order::FirstSeen).unwrap();
            (out, run.stats().clone())
        };
        let (out, stats) = clean(&shared);
        assert_eq!(out, b"007\n7\n12\n");
        assert_eq!((out, stats), clean(&builder.build().unwrap()));
    }
}
