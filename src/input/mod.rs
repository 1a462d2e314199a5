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
    /// read, or its compressed stream is corrupt.
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
        let hint = meta.len().min(cap) as usize;
        let mut bytes = Vec::new();
        bytes.try_reserve(hint).map_err(|_| too_large(&name, cap))?;
        (&mut file)
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(path.as_deref(), &name, e))?;
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
    pub fn read(&self, reader: impl Read, name: &str) -> Result<Input, Error> {
        let cap = self.cap();
        let mut bytes = Vec::new();
        reader
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(None, name, e))?;
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
        let input = decode::decompress(input, cap)?;
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

    use super::{Input, MmapChoice};

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
