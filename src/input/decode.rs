//! Compression, recognized by its magic bytes and never by the file's
//! name: gzip (one or more members) and zstd are decoded; xz, bzip2 and
//! zip (an `.xlsx` is a zip) are refused with what to do. A stream that
//! starts with a magic number but does not decode is an error, never
//! rows of junk.

use super::{
    display_name, read_growing, too_large, Data, Input, ReadFailure, Source,
};
use crate::error::{Error, ErrorKind};

/// A compressed format, by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Gzip,
    Zstd,
    Xz,
    Bzip2,
    Zip,
}

impl Format {
    fn of(bytes: &[u8]) -> Option<Format> {
        // bzip2's "BZh" could start a value: its block magic (the digits
        // of pi) or end-of-stream magic must follow the level digit.
        let bzip2 = bytes.len() >= 10
            && bytes.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&bytes[3])
            && (bytes[4..10] == *b"\x31\x41\x59\x26\x53\x59"
                || bytes[4..10] == *b"\x17\x72\x45\x38\x50\x90");
        match bytes {
            [0x1F, 0x8B, ..] => Some(Format::Gzip),
            [0x28, 0xB5, 0x2F, 0xFD, ..] => Some(Format::Zstd),
            [0xFD, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Format::Xz),
            [b'P', b'K', 0x03, 0x04, ..] | [b'P', b'K', 0x05, 0x06, ..] => {
                Some(Format::Zip)
            }
            _ if bzip2 => Some(Format::Bzip2),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Zstd => "zstd",
            Format::Xz => "xz",
            Format::Bzip2 => "bzip2",
            Format::Zip => "zip",
        }
    }

    /// What to do about a format segprep does not read.
    fn remedy(self) -> Option<&'static str> {
        match self {
            Format::Xz => Some("decompress it first: xz -d FILE"),
            Format::Bzip2 => Some("decompress it first: bunzip2 FILE"),
            Format::Zip => Some(
                "a zip archive or an Excel workbook: unzip it, or save the \
                 sheet as CSV UTF-8",
            ),
            Format::Gzip | Format::Zstd => None,
        }
    }
}

/// What hears the compressed bytes decoded so far, and of how many.
type Report<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Compressed bytes in memory, read through `BufRead`, telling a report
/// how far the decoder got.
struct Counted<'a> {
    rest: &'a [u8],
    total: u64,
    reported: u64,
    report: Option<Report<'a>>,
}

/// Reports at most this often, in compressed bytes.
const REPORT_STEP: u64 = 1 << 20;

impl<'a> Counted<'a> {
    fn new(bytes: &'a [u8], report: Option<Report<'a>>) -> Self {
        let total = bytes.len() as u64;
        Counted { rest: bytes, total, reported: 0, report }
    }
}

impl std::io::Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.len().min(buf.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for Counted<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.rest)
    }

    fn consume(&mut self, n: usize) {
        self.rest = &self.rest[n..];
        let done = self.total - self.rest.len() as u64;
        if let Some(report) = self.report {
            if done >= self.reported + REPORT_STEP || self.rest.is_empty() {
                self.reported = done;
                report(done, self.total);
            }
        }
    }
}

/// Decompresses `input` when its bytes start with a format's magic
/// number, decoding at most `cap` bytes, telling `report` how far it got.
pub(super) fn decompress(
    input: Input,
    cap: u64,
    report: Option<Report<'_>>,
) -> Result<Input, Error> {
    let Some(format) = Format::of(input.as_bytes()) else {
        return Ok(input);
    };
    let name = display_name(&input.name);
    if let Some(remedy) = format.remedy() {
        return Err(Error::from(ErrorKind::Compressed {
            input: name,
            format: format.name(),
            remedy,
        }));
    }
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let counted = Counted::new(bytes, report);
    let result = match format {
        Format::Gzip => gunzip(counted, &mut out, cap),
        _ => unzstd(counted, &mut out, cap),
    };
    result.map_err(|failure| match failure {
        ReadFailure::Io(err) => Error::from(ErrorKind::Corrupt {
            input: name.clone(),
            format: format.name(),
            err,
        }),
        memory => {
            let path = input.path.as_deref();
            memory.into_error(path, &input.name, Source::Compressed)
        }
    })?;
    if out.len() as u64 > cap {
        return Err(too_large(&input.name, cap));
    }
    Ok(Input {
        compressed: Some(bytes.len() as u64),
        data: Data::Heap(out),
        name: input.name,
        path: input.path,
        transcoded: None,
    })
}

/// Every gzip member of `bytes`, as `zcat` reads them: zeros after the
/// last member (padding of tape and block devices) are ignored.
fn gunzip(
    mut bytes: Counted<'_>,
    out: &mut Vec<u8>,
    cap: u64,
) -> Result<(), ReadFailure> {
    while bytes.rest.iter().any(|&b| b != 0) {
        let mut member = flate2::bufread::GzDecoder::new(bytes);
        read_growing(&mut member, out, cap)?;
        if out.len() as u64 > cap {
            return Ok(());
        }
        bytes = member.into_inner();
    }
    Ok(())
}

fn unzstd(
    bytes: Counted<'_>,
    out: &mut Vec<u8>,
    cap: u64,
) -> Result<(), ReadFailure> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(bytes)
        .map_err(ReadFailure::Io)?;
    read_growing(&mut decoder, out, cap)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::input::InputBuilder;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        );
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    fn decode(bytes: Vec<u8>) -> Result<Input, Error> {
        InputBuilder::new().decode(bytes, "in.csv")
    }

    #[test]
    fn gzip_members_and_trailing_zeros() {
        let mut bytes = gzip(b"a\nb\n");
        bytes.extend(gzip(b"c\n"));
        bytes.extend([0; 512]);
        let input = decode(bytes.clone()).unwrap();
        assert_eq!(input.as_bytes(), b"a\nb\nc\n");
        assert_eq!(input.compressed_len(), Some(bytes.len() as u64));
    }

    #[test]
    fn progress_counts_the_compressed_bytes() {
        use std::sync::{Arc, Mutex};

        // Random hex does not compress to nothing: several reports.
        let mut state = 1u64;
        let text: Vec<u8> = (0..400_000)
            .flat_map(|_| {
                state = state.wrapping_mul(6364136223846793005) + 1;
                format!("{:016x}\n", state).into_bytes()
            })
            .collect();
        let mut two_members = gzip(&text[..text.len() / 2]);
        two_members.extend(gzip(&text[text.len() / 2..]));
        let zstd = zstd::encode_all(&text[..], 3).unwrap();
        for bytes in [two_members, zstd] {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&seen);
            let input = InputBuilder::new()
                .progress(move |done, total| {
                    sink.lock().unwrap().push((done, total))
                })
                .decode(bytes.clone(), "in.csv.gz")
                .unwrap();
            assert_eq!(input.as_bytes(), &text[..]);
            let seen = seen.lock().unwrap();
            let total = bytes.len() as u64;
            assert!(seen.len() >= 3, "{seen:?}");
            assert!(seen.iter().all(|&(_, t)| t == total), "{seen:?}");
            assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
            assert_eq!(seen.last(), Some(&(total, total)));
        }
        // Plain text is not decoded: no report.
        let input = InputBuilder::new()
            .progress(|_, _| panic!("no decoding"))
            .decode(text.clone(), "in.csv")
            .unwrap();
        assert_eq!(input.as_bytes().len(), text.len());
    }

    #[test]
    fn zstd_is_decoded() {
        let bytes = zstd::encode_all(&b"u1\nu2\n"[..], 3).unwrap();
        let input = decode(bytes).unwrap();
        assert_eq!(input.as_bytes(), b"u1\nu2\n");
    }

    #[test]
    fn unread_formats_are_refused_with_a_remedy() {
        let cases: [(&[u8], &str); 4] = [
            (b"\xFD7zXZ\x00\x00\x04rest", "xz -d"),
            (b"BZh91AY&SYrest of it", "bunzip2"),
            (b"PK\x03\x04\x14\x00\x06\x00", "CSV UTF-8"),
            (b"PK\x05\x06\x00\x00\x00\x00", "CSV UTF-8"),
        ];
        for (bytes, remedy) in cases {
            let err = decode(bytes.to_vec()).unwrap_err();
            assert!(err.to_string().contains(remedy), "{err}");
            assert!(err.to_string().starts_with("in.csv: "), "{err}");
        }
        // "BZh" alone is text: a value may start so.
        let input = decode(b"BZh91\nBZh\n".to_vec()).unwrap();
        assert_eq!(input.as_bytes(), b"BZh91\nBZh\n");
    }

    #[test]
    fn a_magic_number_that_does_not_decode_is_an_error() {
        for bytes in [&b"\x1F\x8Bnot gzip at all"[..], b"\x28\xB5\x2F\xFDjunk"]
        {
            let err = decode(bytes.to_vec()).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Corrupt { .. }),
                "{err:?}"
            );
        }
        // A truncated stream too.
        let whole = gzip(&b"abc\n".repeat(1000));
        let err = decode(whole[..whole.len() / 2].to_vec()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Corrupt { .. }), "{err:?}");
    }

    #[test]
    fn decoding_stops_at_the_cap() {
        // 10 MB of one byte: a few KB compressed.
        let bomb = gzip(&vec![b'a'; 10_000_000]);
        assert!(bomb.len() < 20_000);
        let err = InputBuilder::new()
            .max_input_bytes(1_000_000)
            .decode(bomb.clone(), "bomb.gz")
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::InputTooLarge { limit: 1_000_000, .. }
            ),
            "{err:?}"
        );
        let zbomb = zstd::encode_all(&vec![b'a'; 10_000_000][..], 3).unwrap();
        let err = InputBuilder::new()
            .max_input_bytes(1_000_000)
            .decode(zbomb, "bomb.zst")
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InputTooLarge { .. }));
        // 0: no cap.
        let input =
            InputBuilder::new().max_input_bytes(0).decode(bomb, "x").unwrap();
        assert_eq!(input.as_bytes().len(), 10_000_000);
    }
}
