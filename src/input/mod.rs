//! The input as one byte slice of UTF-8 text: a memory map, or a buffer
//! read whole, decompressed and transcoded as needed.
//!
//! Every way in ([`Input::open`], [`Input::from_file`], [`Input::read`],
//! [`Input::decode`], and [`InputBuilder`] for options) takes the same
//! steps, so the library and the command line read the same bytes the
//! same way: compression is recognized by its magic bytes (gzip and zstd
//! decoded, xz, bzip2 and zip refused with what to do), the decoded size
//! is capped, and UTF-16, Windows-1252 or Latin-1 text becomes UTF-8.

mod decode;
mod encoding;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};

use crate::error::{Error, ErrorKind};
use crate::options::Encoding;

/// The default cap on an input's decoded size: ten platform files.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 1_500_000_000;

/// Whether to memory-map regular files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmapChoice(bool);

impl MmapChoice {
    /// Never map; read files into memory. The library default.
    pub fn never() -> MmapChoice {
        MmapChoice(false)
    }

    /// Map regular, non-empty files when the system allows it, falling
    /// back to reading.
    ///
    /// # Safety
    ///
    /// A mapped file must not be truncated or changed while the map is
    /// alive: a truncation makes reading the vanished pages raise SIGBUS,
    /// and a change may show different bytes to different steps. The
    /// caller promises that nothing does that for the life of the
    /// [`Input`].
    pub unsafe fn auto() -> MmapChoice {
        MmapChoice(true)
    }
}

enum Data {
    Mapped(Mmap),
    Heap(Vec<u8>),
}

/// An input's text, decompressed and transcoded to UTF-8 as needed.
pub struct Input {
    data: Data,
    name: String,
    path: Option<PathBuf>,
    /// The size before decompression, for compressed input.
    compressed: Option<u64>,
    /// The encoding the text was transcoded from, when it was not UTF-8.
    transcoded: Option<Encoding>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("bytes", &self.as_bytes().len())
            .field("mapped", &matches!(self.data, Data::Mapped(_)))
            .field("compressed", &self.compressed)
            .field("transcoded", &self.transcoded)
            .finish()
    }
}

/// How inputs are read: mapping, the encoding, the decoded-size cap.
///
/// ```
/// use segprep::{Encoding, InputBuilder};
///
/// // "u1\nu2\n" as Excel's "Unicode Text" writes it: UTF-16LE, a BOM.
/// let mut utf16 = vec![0xFF, 0xFE];
/// for unit in "u1\nu2\n".encode_utf16() {
///     utf16.extend_from_slice(&unit.to_le_bytes());
/// }
/// let input = InputBuilder::new().decode(utf16, "export.txt")?;
/// assert_eq!(input.as_bytes(), b"\xEF\xBB\xBFu1\nu2\n");
/// assert_eq!(input.transcoded_from(), Some(Encoding::Utf16Le));
///
/// // A cap on the decoded size: 0 means none.
/// let err = InputBuilder::new()
///     .max_input_bytes(4)
///     .decode(b"u1\nu2\n".to_vec(), "big.csv")
///     .unwrap_err();
/// assert!(err.to_string().contains("more than 4 bytes"));
/// # Ok::<(), segprep::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct InputBuilder {
    mmap: MmapChoice,
    encoding: Encoding,
    max_input_bytes: u64,
    progress: Option<DecodeProgress>,
}

/// A callback that hears how many compressed bytes are decoded, and of
/// how many.
#[derive(Clone)]
struct DecodeProgress(Arc<dyn Fn(u64, u64) + Send + Sync>);

impl std::fmt::Debug for DecodeProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodeProgress(..)")
    }
}

impl Default for InputBuilder {
    fn default() -> Self {
        InputBuilder::new()
    }
}

impl InputBuilder {
    /// No mapping, encoding `auto`, the default cap.
    pub fn new() -> InputBuilder {
        InputBuilder {
            mmap: MmapChoice::never(),
            encoding: Encoding::Auto,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            progress: None,
        }
    }

    /// Whether to map regular files ([`MmapChoice::auto`] is `unsafe`).
    pub fn mmap(&mut self, mmap: MmapChoice) -> &mut Self {
        self.mmap = mmap;
        self
    }

    /// The text's encoding; `auto` is UTF-8 unless a UTF-16 byte order
    /// mark starts valid UTF-16.
    pub fn encoding(&mut self, encoding: Encoding) -> &mut Self {
        self.encoding = encoding;
        self
    }

    /// The cap on the decoded size in bytes (0: no cap), so that a small
    /// compressed file cannot ask for unbounded memory.
    pub fn max_input_bytes(&mut self, bytes: u64) -> &mut Self {
        self.max_input_bytes = bytes;
        self
    }

    /// Calls `report(done, total)` while gzip or zstd input is decoded:
    /// the compressed bytes decoded so far, of `total`. Decoding comes
    /// before any row is read and can take seconds; it is not called for
    /// other input.
    pub fn progress(
        &mut self,
        report: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> &mut Self {
        self.progress = Some(DecodeProgress(Arc::new(report)));
        self
    }

    fn cap(&self) -> u64 {
        match self.max_input_bytes {
            0 => u64::MAX,
            n => n,
        }
    }

    /// Opens `path`, mapping it when allowed and the file is a non-empty
    /// regular file; reads it otherwise.
    ///
    /// # Errors
    ///
    /// The file is missing, unreadable or a directory; its decoded size
    /// is over the cap; it is compressed in a format segprep does not
    /// read, or its compressed stream is corrupt; read (not mapped), it
    /// does not fit in memory: an [`ErrorKind::Io`] whose cause is of
    /// kind [`OutOfMemory`](std::io::ErrorKind::OutOfMemory), with the
    /// remedy.
    pub fn open(&self, path: &Path) -> Result<Input, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(Some(path), "cannot open", e))?;
        self.load(file, path.display().to_string(), Some(path))
    }

    /// Takes an open file from its current position to its end: standard
    /// input redirected from a file, say. Maps it when allowed and it is
    /// a regular file with bytes left, leaving its position at the end
    /// as reading it would; reads it otherwise (a pipe, a terminal).
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::open`].
    pub fn from_file(&self, file: File, name: &str) -> Result<Input, Error> {
        self.load(file, name.to_string(), None)
    }

    fn load(
        &self,
        mut file: File,
        name: String,
        path: Option<&Path>,
    ) -> Result<Input, Error> {
        let fail = |err| read_error(path, &name, err);
        let meta = file.metadata().map_err(fail)?;
        if meta.is_dir() {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        let path = path.map(Path::to_path_buf);
        // Where reading would start: a file handed over open may have
        // been read in part already.
        let start = (self.mmap.0 && meta.is_file())
            .then(|| file.stream_position().ok())
            .flatten();
        if let Some(start) = start.filter(|&start| start < meta.len()) {
            // SAFETY: the caller of `MmapChoice::auto` promised that the
            // file is not changed while the map lives; the map is
            // read-only and private to this `Input`.
            let map = unsafe { MmapOptions::new().offset(start).map(&file) };
            if let Ok(map) = map {
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::Sequential);
                file.seek(SeekFrom::End(0)).map_err(fail)?;
                let input = Input::new(Data::Mapped(map), name, path);
                return self.finish(input);
            }
        }
        // Read no more than the cap allows, whatever the file says its
        // size is: a stream (`/dev/zero`) has no size.
        let cap = self.cap();
        let source = match (meta.is_file(), self.mmap.0) {
            (false, _) => Source::Stream,
            (true, false) => Source::Unmapped,
            (true, true) => Source::Unmappable,
        };
        let mut bytes = Vec::new();
        if meta.is_file() {
            let left = meta
                .len()
                .saturating_sub(file.stream_position().map_err(fail)?);
            let size = left.min(cap.saturating_add(1));
            if let Some(memory) = available_memory().filter(|&m| size > m) {
                let detail = format!(
                    "the file is {}, more than the {} of memory available \
                     (free RAM and swap)",
                    size_text(size),
                    size_text(memory),
                );
                return Err(larger_than_memory(
                    path.as_deref(),
                    &name,
                    detail,
                    source,
                ));
            }
            if bytes.try_reserve_exact(size as usize).is_err() {
                let detail = format!(
                    "no room for the file's {} within the process's memory \
                     limit",
                    size_text(size)
                );
                return Err(larger_than_memory(
                    path.as_deref(),
                    &name,
                    detail,
                    source,
                ));
            }
        }
        read_growing(&mut file, &mut bytes, cap)
            .map_err(|e| e.into_error(path.as_deref(), &name, source))?;
        self.finish(Input::new(Data::Heap(bytes), name, path))
    }

    /// Reads all of `reader` (standard input, a pipe, bytes in memory)
    /// and decodes it as [`InputBuilder::open`] decodes a file. `name`
    /// names the input in statistics and errors; `-` means standard
    /// input.
    ///
    /// # Errors
    ///
    /// The reader's, naming `name`; otherwise as [`InputBuilder::open`].
    pub fn read(
        &self,
        mut reader: impl Read,
        name: &str,
    ) -> Result<Input, Error> {
        let mut bytes = Vec::new();
        read_growing(&mut reader, &mut bytes, self.cap())
            .map_err(|e| e.into_error(None, name, Source::Stream))?;
        self.decode(bytes, name)
    }

    /// Takes bytes already in memory and decodes them as
    /// [`InputBuilder::open`] decodes a file.
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::open`].
    pub fn decode(&self, bytes: Vec<u8>, name: &str) -> Result<Input, Error> {
        self.finish(Input::new(Data::Heap(bytes), name.to_string(), None))
    }

    /// The steps every way in takes after the bytes are in hand.
    fn finish(&self, input: Input) -> Result<Input, Error> {
        let cap = self.cap();
        let progress = self.progress.as_ref().map(|p| &*p.0);
        let input = decode::decompress(input, cap, progress)?;
        if input.as_bytes().len() as u64 > cap {
            return Err(too_large(&input.name, cap));
        }
        encoding::transcode(input, self.encoding)
    }
}

/// The error for an input whose decoded size is over the cap.
fn too_large(name: &str, limit: u64) -> Error {
    Error::from(ErrorKind::InputTooLarge { input: display_name(name), limit })
}

/// Where bytes that do not fit in memory came from, for the remedy.
#[derive(Clone, Copy)]
enum Source {
    /// A regular file, not mapped as asked.
    Unmapped,
    /// A regular file that could not be mapped.
    Unmappable,
    /// A pipe, a terminal, a reader: no size known ahead.
    Stream,
    /// Compressed bytes, decoded into memory.
    Compressed,
}

impl Source {
    fn remedy(self) -> &'static str {
        match self {
            Source::Unmapped => {
                "drop --no-mmap, so that the file is mapped, not read into \
                 memory"
            }
            Source::Unmappable => {
                "it could not be mapped either: free memory or raise the \
                 address-space limit (ulimit -v)"
            }
            Source::Stream => {
                "save it to a file first and name the file, which is \
                 mapped, not read into memory"
            }
            Source::Compressed => {
                "decompress it to a file first and name that file, which \
                 is mapped, not read into memory"
            }
        }
    }
}

/// The error for an input that does not fit in memory: `detail` says
/// how much it is and how much there is.
fn larger_than_memory(
    path: Option<&Path>,
    name: &str,
    detail: String,
    source: Source,
) -> Error {
    let err = std::io::Error::new(
        std::io::ErrorKind::OutOfMemory,
        format!("{detail}; nothing written; {}", source.remedy()),
    );
    match (path, name) {
        (Some(path), _) => Error::io(Some(path), "larger than memory", err),
        (None, "-") => {
            Error::io(None, "standard input is larger than memory", err)
        }
        (None, name) => {
            Error::io(Some(Path::new(name)), "larger than memory", err)
        }
    }
}

/// How reading into memory failed.
enum ReadFailure {
    /// The reader's error.
    Io(std::io::Error),
    /// The buffer could not grow past `read` bytes; `memory`: the
    /// memory available, when it was too little.
    Memory { read: usize, memory: Option<u64> },
}

impl ReadFailure {
    fn into_error(
        self,
        path: Option<&Path>,
        name: &str,
        source: Source,
    ) -> Error {
        match self {
            ReadFailure::Io(err) => read_error(path, name, err),
            ReadFailure::Memory { read, memory } => {
                let read = size_text(read as u64);
                let detail = match memory {
                    Some(memory) => format!(
                        "more than {read}, and {} of memory available \
                         (free RAM and swap)",
                        size_text(memory)
                    ),
                    None => format!(
                        "no room for more than {read} within the process's \
                         memory limit"
                    ),
                };
                larger_than_memory(path, name, detail, source)
            }
        }
    }
}

/// The steps [`read_growing`]'s buffer grows by: its size, between
/// these two.
const FIRST_STEP: usize = 1 << 20;
const LAST_STEP: usize = 1 << 30;

/// Reads `reader` to its end, or to one byte past `cap`, into `bytes`,
/// growing it in steps, each compared with the memory available and
/// reserved fallibly first: a stream larger than memory is an error,
/// not an abort, nor the machine swapping until the kernel kills the
/// process. A buffer reserved to a file's size does not grow at its
/// end.
fn read_growing(
    reader: &mut impl Read,
    bytes: &mut Vec<u8>,
    cap: u64,
) -> Result<(), ReadFailure> {
    let limit = cap.saturating_add(1);
    loop {
        let room = limit - bytes.len() as u64;
        if room == 0 {
            return Ok(());
        }
        if bytes.len() == bytes.capacity() {
            // A few bytes on the stack first: at the end, no growth.
            let mut probe = [0; 64];
            let probe = &mut probe[..room.min(64) as usize];
            let n = match reader.read(probe) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    continue
                }
                Err(e) => return Err(ReadFailure::Io(e)),
            };
            let step = bytes.capacity().clamp(FIRST_STEP, LAST_STEP) as u64;
            let step = step.min(room);
            let read = bytes.len() + n;
            if let Some(memory) = available_memory().filter(|&m| step > m) {
                let memory = Some(memory);
                return Err(ReadFailure::Memory { read, memory });
            }
            if bytes.try_reserve_exact(step as usize).is_err() {
                return Err(ReadFailure::Memory { read, memory: None });
            }
            bytes.extend_from_slice(&probe[..n]);
        }
        // Into the room reserved, and no further.
        let free = (bytes.capacity() - bytes.len()) as u64;
        let before = bytes.len();
        match reader.take(free.min(limit - before as u64)).read_to_end(bytes) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::OutOfMemory => {
                return Err(ReadFailure::Memory { read: before, memory: None })
            }
            Err(e) => return Err(ReadFailure::Io(e)),
        }
    }
}

/// The memory this process could still get, in bytes: on Linux, the
/// kernel's estimate of what can be allocated without swapping
/// (`MemAvailable`) plus the free swap; `None` elsewhere.
fn available_memory() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        meminfo_available(&text)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// `MemAvailable` plus `SwapFree` of `/proc/meminfo`'s text, in bytes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn meminfo_available(text: &str) -> Option<u64> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let kib = line.strip_prefix(name)?.trim().strip_suffix("kB")?;
            kib.trim().parse::<u64>().ok()
        })
    };
    let memory = field("MemAvailable:")?;
    let swap = field("SwapFree:").unwrap_or(0);
    Some(memory.saturating_add(swap).saturating_mul(1024))
}

/// A size for people: bytes, and megabytes or gigabytes past a million.
fn size_text(bytes: u64) -> String {
    let n = bytes as f64;
    match bytes {
        0..1_000_000 => format!("{bytes} bytes"),
        1_000_000..1_000_000_000 => {
            format!("{bytes} bytes ({:.1} MB)", n / 1e6)
        }
        _ => format!("{bytes} bytes ({:.1} GB)", n / 1e9),
    }
}

/// The input's name in messages: `-` is standard input.
fn display_name(name: &str) -> String {
    match name {
        "-" => "<stdin>".to_string(),
        name => name.to_string(),
    }
}

impl Input {
    fn new(data: Data, name: String, path: Option<PathBuf>) -> Input {
        Input { data, name, path, compressed: None, transcoded: None }
    }

    /// Opens `path` with the default options of [`InputBuilder`] and
    /// `mmap`.
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::open`].
    pub fn open(path: &Path, mmap: MmapChoice) -> Result<Input, Error> {
        InputBuilder::new().mmap(mmap).open(path)
    }

    /// [`InputBuilder::from_file`] with the default options and `mmap`.
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::open`].
    pub fn from_file(
        file: File,
        name: &str,
        mmap: MmapChoice,
    ) -> Result<Input, Error> {
        InputBuilder::new().mmap(mmap).from_file(file, name)
    }

    /// Reads all of `reader` (standard input, a pipe, bytes in memory),
    /// decoding it as [`Input::open`] decodes a file. `name` names the
    /// input in statistics and errors; `-` means standard input.
    ///
    /// ```
    /// use segprep::Input;
    ///
    /// let input = Input::read(&b"u1\nu2\n"[..], "upload.csv")?;
    /// assert_eq!(input.as_bytes(), b"u1\nu2\n");
    /// assert_eq!(input.name(), "upload.csv");
    ///
    /// // An xz file is refused with what to do, not read as junk rows.
    /// let xz = b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46";
    /// let err = Input::read(&xz[..], "export.csv.xz").unwrap_err();
    /// assert!(err.to_string().contains("xz -d"));
    /// # Ok::<(), segprep::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::read`].
    pub fn read(reader: impl Read, name: &str) -> Result<Input, Error> {
        InputBuilder::new().read(reader, name)
    }

    /// Takes bytes already in memory and decodes them as [`Input::open`]
    /// decodes a file, with the default options of [`InputBuilder`].
    ///
    /// # Errors
    ///
    /// As [`InputBuilder::open`].
    pub fn decode(bytes: Vec<u8>, name: &str) -> Result<Input, Error> {
        InputBuilder::new().decode(bytes, name)
    }

    /// Wraps bytes already in memory as they are: UTF-8 text, not
    /// decompressed, transcoded or capped. [`Input::decode`] decodes them
    /// like a file.
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Input {
        Input::new(Data::Heap(bytes), name.to_string(), None)
    }

    /// The size of the file before decompression, when it was
    /// compressed.
    pub fn compressed_len(&self) -> Option<u64> {
        self.compressed
    }

    /// The encoding the text was transcoded from, when it was not UTF-8.
    pub fn transcoded_from(&self) -> Option<Encoding> {
        self.transcoded
    }

    /// The input's bytes: UTF-8 text, or what passes for it.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(map) => map,
            Data::Heap(bytes) => bytes,
        }
    }

    /// The input's name, for reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's path, when it came from one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// A read error naming the file, the reader's name, or standard input.
fn read_error(path: Option<&Path>, name: &str, err: std::io::Error) -> Error {
    match (path, name) {
        (Some(path), _) => Error::io(Some(path), "cannot read", err),
        (None, "-") => Error::io(None, "cannot read standard input", err),
        (None, name) => Error::io(Some(Path::new(name)), "cannot read", err),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};

    use super::{meminfo_available, read_growing, Input, MmapChoice};

    #[test]
    fn meminfo_gives_available_memory_and_free_swap() {
        let text = "MemTotal:  4000 kB\nMemAvailable:   1000 kB\n\
                    SwapTotal: 99 kB\nSwapFree:  24 kB\n";
        assert_eq!(meminfo_available(text), Some(1024 * 1024));
        let no_swap = "MemAvailable: 3 kB\n";
        assert_eq!(meminfo_available(no_swap), Some(3 * 1024));
        assert_eq!(meminfo_available("MemFree: 3 kB\n"), None);
    }

    #[test]
    fn reading_grows_in_steps_to_the_end_or_past_the_cap() {
        // Past the first step of 1 MiB and the next.
        let text: Vec<u8> = (0..3_000_005u32).map(|i| i as u8).collect();
        let mut bytes = Vec::new();
        read_growing(&mut &text[..], &mut bytes, u64::MAX).ok().unwrap();
        assert_eq!(bytes, text);
        let mut bytes = Vec::new();
        read_growing(&mut &text[..], &mut bytes, 2_500_000).ok().unwrap();
        assert_eq!(bytes, &text[..2_500_001]);
        // A buffer reserved to the size does not grow at the end.
        let mut bytes = Vec::with_capacity(text.len());
        read_growing(&mut &text[..], &mut bytes, u64::MAX).ok().unwrap();
        assert_eq!((bytes.len(), bytes.capacity()), (text.len(), text.len()));
    }

    #[test]
    fn a_file_handed_over_open_is_taken_from_its_position() {
        let path = std::env::temp_dir()
            .join(format!("segprep-input-{}.csv", std::process::id()));
        let text = b"header\na\nb\n";
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text))
            .expect("write a file");
        // SAFETY: nothing changes the file while it is mapped.
        let choices = [MmapChoice::never(), unsafe { MmapChoice::auto() }];
        for (mmap, start) in choices.into_iter().zip([7, 9]) {
            let mut file = std::fs::File::open(&path).expect("open");
            file.seek(SeekFrom::Start(start)).expect("seek");
            let input =
                Input::from_file(file.try_clone().expect("clone"), "-", mmap)
                    .expect("take the file");
            assert_eq!(input.as_bytes(), &text[start as usize..], "{mmap:?}");
            assert_eq!(input.name(), "-");
            assert_eq!(input.path(), None);
            let mapped = format!("{input:?}").contains("mapped: true");
            assert_eq!(mapped, mmap != MmapChoice::never(), "{input:?}");
            let end = file.stream_position().expect("position");
            assert_eq!(end, text.len() as u64, "{mmap:?}");
        }
        let mut file = std::fs::File::open(&path).expect("open");
        file.seek(SeekFrom::End(0)).expect("seek");
        // SAFETY: as above.
        let input = Input::from_file(file, "-", unsafe { MmapChoice::auto() })
            .expect("take the file at its end");
        assert_eq!(input.as_bytes(), b"");
        std::fs::remove_file(&path).expect("remove the file");
    }
}
