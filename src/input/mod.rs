//! The input as one byte slice: a memory map, or a buffer read whole.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use memmap2::{Mmap, MmapOptions};

use crate::error::Error;

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

/// An input file's bytes, decompressed when it was gzip.
pub struct Input {
    data: Data,
    name: String,
    path: Option<PathBuf>,
    /// The size before decompression, for gzip input.
    compressed: Option<u64>,
}

/// The gzip magic bytes.
const GZIP_MAGIC: &[u8] = b"\x1f\x8b";

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("bytes", &self.as_bytes().len())
            .field("mapped", &matches!(self.data, Data::Mapped(_)))
            .finish()
    }
}

impl Input {
    /// Opens `path`, mapping it when `mmap` allows and the file is a
    /// non-empty regular file; reads it otherwise.
    ///
    /// # Errors
    ///
    /// The file is missing, unreadable or a directory.
    pub fn open(path: &Path, mmap: MmapChoice) -> Result<Input, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(Some(path), "cannot open", e))?;
        Input::load(file, path.display().to_string(), Some(path), mmap)
    }

    /// Takes an open file from its current position to its end: standard
    /// input redirected from a file, say. Maps it when `mmap` allows and
    /// it is a regular file with bytes left, leaving its position at the
    /// end as reading it would; reads it otherwise (a pipe, a terminal).
    ///
    /// # Errors
    ///
    /// The file is a directory or cannot be read.
    pub fn from_file(
        file: File,
        name: &str,
        mmap: MmapChoice,
    ) -> Result<Input, Error> {
        Input::load(file, name.to_string(), None, mmap)
    }

    fn load(
        mut file: File,
        name: String,
        path: Option<&Path>,
        mmap: MmapChoice,
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
        let start = (mmap.0 && meta.is_file())
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
                let input = Input {
                    data: Data::Mapped(map),
                    name,
                    path,
                    compressed: None,
                };
                return input.decode_in_place();
            }
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).map_err(fail)?;
        let input =
            Input { data: Data::Heap(bytes), name, path, compressed: None };
        input.decode_in_place()
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
    /// // UTF-16 is recognized, not read as rows of junk.
    /// let utf16 = b"\xFF\xFEu\x001\x00\n\x00";
    /// let err = Input::read(&utf16[..], "export.txt").unwrap_err();
    /// assert!(err.to_string().contains("UTF-16LE"));
    /// # Ok::<(), segprep::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The reader's, naming `name`; a corrupt gzip stream; UTF-16 text.
    pub fn read(mut reader: impl Read, name: &str) -> Result<Input, Error> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(None, name, e))?;
        Input::decode(bytes, name)
    }

    /// Takes bytes already in memory and decodes them as [`Input::open`]
    /// decodes a file: gzip is decompressed, UTF-16 refused.
    ///
    /// # Errors
    ///
    /// A corrupt gzip stream; UTF-16 text.
    pub fn decode(bytes: Vec<u8>, name: &str) -> Result<Input, Error> {
        Input::from_bytes(bytes, name).decode_in_place()
    }

    /// Decompresses gzip and refuses UTF-16: the steps every way in
    /// takes, so the library and the command line read the same bytes
    /// the same way.
    fn decode_in_place(self) -> Result<Input, Error> {
        let input = self.gunzip()?;
        if let Some(encoding) = detect_utf16(input.as_bytes()) {
            return Err(Error::from(crate::error::ErrorKind::Utf16 {
                input: match input.name.as_str() {
                    "-" => "<stdin>".to_string(),
                    name => name.to_string(),
                },
                encoding,
            }));
        }
        Ok(input)
    }

    /// Decompresses a gzip input (all members), whatever its name.
    fn gunzip(self) -> Result<Input, Error> {
        let bytes = self.as_bytes();
        if !bytes.starts_with(GZIP_MAGIC) {
            return Ok(self);
        }
        let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| {
                let err = std::io::Error::new(
                    e.kind(),
                    format!("corrupt or truncated gzip stream: {e}"),
                );
                read_error(self.path.as_deref(), &self.name, err)
            })?;
        Ok(Input {
            compressed: Some(bytes.len() as u64),
            data: Data::Heap(out),
            name: self.name,
            path: self.path,
        })
    }

    /// The size of the file before decompression, when it was gzip.
    pub fn compressed_len(&self) -> Option<u64> {
        self.compressed
    }

    /// Wraps bytes already in memory as they are: UTF-8 text, not
    /// decompressed or checked for UTF-16. [`Input::decode`] decodes them
    /// like a file.
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Input {
        Input {
            data: Data::Heap(bytes),
            name: name.to_string(),
            path: None,
            compressed: None,
        }
    }

    /// The input's bytes.
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

/// Recognizes UTF-16 text, which segprep does not read: a UTF-16 byte
/// order mark, or a start where every other byte is NUL as in ASCII
/// text stored as UTF-16. Returns the encoding's name.
pub(crate) fn detect_utf16(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xFF\xFE") {
        return Some("UTF-16LE");
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return Some("UTF-16BE");
    }
    let head = &bytes[..bytes.len().min(4096) & !1];
    if head.len() < 16 {
        return None;
    }
    let pairs = head.chunks_exact(2);
    let n = pairs.len();
    let (le, be) = pairs.fold((0, 0), |(le, be), pair| {
        (
            le + usize::from(pair[1] == 0 && pair[0] != 0),
            be + usize::from(pair[0] == 0 && pair[1] != 0),
        )
    });
    // Nine in ten: random binary data almost never looks like this.
    if le * 10 >= n * 9 {
        Some("UTF-16LE")
    } else if be * 10 >= n * 9 {
        Some("UTF-16BE")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};

    use super::{detect_utf16, Input, MmapChoice};

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

    #[test]
    fn utf16_is_recognized() {
        assert_eq!(detect_utf16(b"\xFF\xFEa\0b\0"), Some("UTF-16LE"));
        assert_eq!(detect_utf16(b"\xFE\xFF\0a\0b"), Some("UTF-16BE"));
        let le: Vec<u8> =
            "abc\ndef\nghi\n".bytes().flat_map(|b| [b, 0]).collect();
        assert_eq!(detect_utf16(&le), Some("UTF-16LE"));
        let be: Vec<u8> =
            "abc\ndef\nghi\n".bytes().flat_map(|b| [0, b]).collect();
        assert_eq!(detect_utf16(&be), Some("UTF-16BE"));
        assert_eq!(detect_utf16(b"abc\ndef\nghi\njkl\n"), None);
        assert_eq!(detect_utf16(b"a\0b\0"), None);
        assert_eq!(detect_utf16(&[0; 64]), None);
    }
}
