//! Text in another encoding becomes UTF-8 before the pipeline sees it;
//! rows and line numbers stay as they were.

use std::borrow::Cow;

use super::{display_name, Data, Input};
use crate::error::{Error, ErrorKind};
use crate::options::Encoding;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Transcodes `input` from `encoding` to UTF-8. `auto` transcodes only
/// UTF-16 that starts with its byte order mark and is valid throughout:
/// recognizing UTF-16 must not turn garbage into text, so anything else
/// stays as it is and the pipeline reports its invalid UTF-8.
pub(super) fn transcode(
    input: Input,
    encoding: Encoding,
) -> Result<Input, Error> {
    let bytes = input.as_bytes();
    let text = match encoding {
        Encoding::Utf8 => return Ok(input),
        Encoding::Auto => {
            let utf16 = match bytes {
                [0xFF, 0xFE, ..] => Encoding::Utf16Le,
                [0xFE, 0xFF, ..] => Encoding::Utf16Be,
                _ => return Ok(input),
            };
            match utf16_to_utf8(bytes, utf16) {
                Some(text) => (text, utf16),
                None => return Ok(input),
            }
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let text = utf16_to_utf8(bytes, encoding).ok_or_else(|| {
                Error::from(ErrorKind::BadEncoding {
                    input: display_name(&input.name),
                    encoding: encoding.name(),
                })
            })?;
            (text, encoding)
        }
        Encoding::Windows1252 => {
            let (text, _) =
                encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned().into_bytes(), encoding)
        }
        Encoding::Latin1 => {
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            (text.into_bytes(), encoding)
        }
    };
    let (text, from) = text;
    // Text that reads the same in UTF-8 (ASCII) was not changed.
    let transcoded = (text != bytes).then_some(from);
    Ok(Input { data: Data::Heap(text), transcoded, ..input })
}

/// UTF-16 as UTF-8, its byte order mark kept as UTF-8's (so that the
/// pipeline's `bom` fix sees it); `None` when the bytes are not valid
/// UTF-16 (an odd length, an unpaired surrogate).
fn utf16_to_utf8(bytes: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    let (coding, bom): (_, &[u8]) = match encoding {
        Encoding::Utf16Le => (encoding_rs::UTF_16LE, b"\xFF\xFE"),
        _ => (encoding_rs::UTF_16BE, b"\xFE\xFF"),
    };
    let (had_bom, body) = match bytes.strip_prefix(bom) {
        Some(body) => (true, body),
        None => (false, bytes),
    };
    let text =
        coding.decode_without_bom_handling_and_without_replacement(body)?;
    let mut out = Vec::with_capacity(text.len() + 3);
    if had_bom {
        out.extend_from_slice(UTF8_BOM);
    }
    out.extend_from_slice(match &text {
        Cow::Borrowed(s) => s.as_bytes(),
        Cow::Owned(s) => s.as_bytes(),
    });
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputBuilder;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    fn read(bytes: &[u8], encoding: Encoding) -> Result<Input, Error> {
        InputBuilder::new().encoding(encoding).decode(bytes.to_vec(), "x")
    }

    #[test]
    fn auto_reads_utf16_with_a_byte_order_mark() {
        let input =
            read(&utf16le("id\tname\r\né1\tx\r\n", true), Encoding::Auto)
                .unwrap();
        assert_eq!(
            input.as_bytes(),
            "\u{feff}id\tname\r\né1\tx\r\n".as_bytes()
        );
        assert_eq!(input.transcoded_from(), Some(Encoding::Utf16Le));
        let mut be = vec![0xFE, 0xFF];
        for unit in "u1\n".encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        let input = read(&be, Encoding::Auto).unwrap();
        assert_eq!(input.as_bytes(), b"\xEF\xBB\xBFu1\n");
        assert_eq!(input.transcoded_from(), Some(Encoding::Utf16Be));
    }

    #[test]
    fn auto_leaves_what_is_not_utf16_as_it_is() {
        // FF FE, then an odd number of bytes: not UTF-16.
        let bytes = b"\xFF\xFEu1\x00\nu2\n";
        let input = read(bytes, Encoding::Auto).unwrap();
        assert_eq!(input.as_bytes(), bytes);
        assert_eq!(input.transcoded_from(), None);
        // An unpaired surrogate.
        let bytes = b"\xFF\xFEa\x00\x00\xD8b\x00";
        let input = read(bytes, Encoding::Auto).unwrap();
        assert_eq!(input.as_bytes(), bytes);
        // Without a byte order mark, UTF-16 is not guessed.
        let bytes = utf16le("u1\nu2\n", false);
        let input = read(&bytes, Encoding::Auto).unwrap();
        assert_eq!(input.as_bytes(), &bytes[..]);
        // UTF-8 stays as it is, BOM and all.
        let input = read(b"\xEF\xBB\xBFu\xC3\xA9\n", Encoding::Auto).unwrap();
        assert_eq!(input.as_bytes(), b"\xEF\xBB\xBFu\xC3\xA9\n");
        assert_eq!(input.transcoded_from(), None);
    }

    #[test]
    fn named_encodings() {
        let input = read(b"Jos\xE9\n\x80\n", Encoding::Windows1252).unwrap();
        assert_eq!(input.as_bytes(), "José\n€\n".as_bytes());
        assert_eq!(input.transcoded_from(), Some(Encoding::Windows1252));
        let input = read(b"Jos\xE9\n\x80\n", Encoding::Latin1).unwrap();
        assert_eq!(input.as_bytes(), "José\n\u{80}\n".as_bytes());
        // ASCII reads the same: nothing was transcoded.
        let input = read(b"abc\n", Encoding::Windows1252).unwrap();
        assert_eq!(input.transcoded_from(), None);
        // Without a BOM, when asked for.
        let input = read(&utf16le("u1\n", false), Encoding::Utf16Le).unwrap();
        assert_eq!(input.as_bytes(), b"u1\n");
        let err = read(b"\xFF\xFEa", Encoding::Utf16Le).unwrap_err();
        assert!(err.to_string().contains("not valid utf-16le"), "{err}");
        // UTF-8 is taken as it is, even with a UTF-16 BOM.
        let bytes = utf16le("u1\n", true);
        let input = read(&bytes, Encoding::Utf8).unwrap();
        assert_eq!(input.as_bytes(), &bytes[..]);
    }
}
