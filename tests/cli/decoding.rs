//! Inputs as other tools write them: compressed by gzip, zstd, xz,
//! bzip2 and zip, and text in UTF-16 (Excel's "Unicode Text"),
//! Windows-1252 and Latin-1. Each file is made the way the real tool
//! makes it: by the tool itself where it is on every machine (gzip, xz,
//! bzip2 come with Debian; zip files by Python's zipfile), else by the
//! crate segprep reads it with.

use std::io::{Read, Write};
use std::process::Command;

use crate::util::{assert_balanced, assert_error, check_json, Dir};

/// Runs a compressor as `tool ARGS < input > output` in `dir`.
fn compress(dir: &Dir, tool: &str, args: &[&str], input: &str, out: &str) {
    let output = Command::new(tool)
        .args(args)
        .stdin(std::fs::File::open(dir.path(input)).expect("input"))
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(output.status.success(), "{tool}: {output:?}");
    dir.create(out, output.stdout);
}

const IDS: &str = "u1\r\nU2\r\nu1\r\n u3 \r\n";

#[test]
fn gzip_and_zstd_are_read_and_reported() {
    let dir = Dir::new("decoding_gzip_zstd");
    dir.create("in.csv", IDS);
    compress(&dir, "gzip", &["-c"], "in.csv", "in.csv.gz");
    // Two members, as `cat a.gz b.gz` makes, and zeros after them.
    let mut twice = dir.read("in.csv.gz");
    twice.extend(dir.read("in.csv.gz"));
    twice.extend([0; 100]);
    dir.create("twice.gz", &twice);
    let zst = zstd::encode_all(IDS.as_bytes(), 19).expect("zstd");
    dir.create("in.csv.zst", &zst);
    let plain = check_json(&dir, "in.csv", &[], 1);
    for (name, rows) in [("in.csv.gz", 4), ("twice.gz", 8), ("in.csv.zst", 4)]
    {
        let report = check_json(&dir, name, &[], 1);
        assert_eq!(report["values_found"], rows, "{name}");
        assert_eq!(report["file_findings"][0], "compressed", "{name}");
        assert_eq!(report["bytes"], dir.read(name).len(), "{name}");
        assert_eq!(
            report["uncompressed_bytes"],
            IDS.len() * rows as usize / 4,
            "{name}"
        );
        assert_balanced(&report);
        let out = dir.cmd(&["clean", name, "-o", "out.csv"]).run();
        assert_eq!(out.code(), 0, "{}", out.render());
        // Two members repeat the rows: duplicates, the same clean file.
        assert_eq!(dir.read_text("out.csv"), "u1\nU2\nu3\n", "{name}");
    }
    assert_eq!(plain["values_found"], 4);
}

#[test]
fn xz_bzip2_and_zip_are_refused_with_what_to_do() {
    let dir = Dir::new("decoding_refused");
    dir.create("in.csv", IDS);
    compress(&dir, "xz", &["-c"], "in.csv", "in.csv.xz");
    compress(&dir, "bzip2", &["-c"], "in.csv", "in.csv.bz2");
    // A zip archive, and an "Excel workbook" (also a zip), named .csv.
    let status = Command::new("python3")
        .current_dir(dir.root())
        .args([
            "-c",
            "import zipfile\n\
             with zipfile.ZipFile('in.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n\
             \x20   z.write('in.csv')\n\
             with zipfile.ZipFile('book.csv', 'w') as z:\n\
             \x20   z.writestr('xl/workbook.xml', '<workbook/>')\n",
        ])
        .status()
        .expect("run python3");
    assert!(status.success());
    dir.mkdir("keep");
    for (name, says) in [
        ("in.csv.xz", "xz -d"),
        ("in.csv.bz2", "bunzip2"),
        ("in.zip", "CSV UTF-8"),
        ("book.csv", "CSV UTF-8"),
    ] {
        let out = dir.cmd(&["check", name]).run();
        assert_error(&out, &[name, says]);
        let out = dir
            .cmd(&["clean", name, "-o", "keep/out.csv"])
            .args(&["--rejects", "keep/r.csv", "--stats", "keep/s.json"])
            .run();
        assert_error(&out, &[name, says]);
        assert!(dir.list("keep").is_empty(), "{name}: nothing written");
        // Through standard input, whatever the name.
        let out = dir.cmd(&["check", "-"]).stdin(dir.read(name)).run();
        assert_error(&out, &["<stdin>", says]);
    }
}

#[test]
fn a_corrupt_stream_is_an_error_not_junk_rows() {
    let dir = Dir::new("decoding_corrupt");
    dir.create("in.csv", "abc\n".repeat(10_000));
    compress(&dir, "gzip", &["-c"], "in.csv", "in.csv.gz");
    let whole = dir.read("in.csv.gz");
    dir.create("cut.gz", &whole[..whole.len() / 2]);
    let mut zst = zstd::encode_all(&b"abc\n".repeat(10_000)[..], 3).unwrap();
    zst.truncate(zst.len() / 2);
    dir.create("cut.zst", &zst);
    for (name, format) in [("cut.gz", "gzip"), ("cut.zst", "zstd")] {
        let out = dir.cmd(&["clean", name, "-o", "out.csv"]).run();
        assert_error(&out, &[name, format]);
        assert!(!dir.exists("out.csv"));
    }
}

#[test]
fn a_gzip_bomb_stops_at_the_cap_in_bounded_memory() {
    let dir = Dir::new("decoding_bomb");
    // 200 MB of "a\n" rows: under 1 MB as gzip.
    let mut enc =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = b"a\n".repeat(1 << 20);
    for _ in 0..100 {
        enc.write_all(&block).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 4_000_000, "{}", bomb.len());
    dir.create("bomb.gz", &bomb);
    // The address space is capped at 256 MiB: decoding all 200 MB would
    // abort, not exit 2. With a cap of 20 MB the run must stop cleanly
    // inside it.
    let out = check_capped(&dir, "bomb.gz");
    assert_error(&out, &["bomb.gz", "20000000", "--max-input-bytes"]);
    // Standard input too.
    let out = dir
        .cmd(&["check", "-", "--max-input-bytes", "20M"])
        .stdin(&bomb)
        .run();
    assert_error(&out, &["<stdin>", "20000000"]);
}

/// `check FILE --max-input-bytes 20M` in `dir`, its address space capped
/// at 256 MiB.
fn check_capped(dir: &Dir, file: &str) -> crate::util::Output {
    let script = format!(
        "ulimit -v 262144; exec \"$0\" check {file} \
         --max-input-bytes 20M --threads 2"
    );
    let out = Command::new("sh")
        .current_dir(dir.root())
        .args(["-c", &script, env!("CARGO_BIN_EXE_segprep")])
        .output()
        .expect("run sh");
    crate::util::Output::from(out)
}

/// A zstd frame of `blocks` RLE blocks of 128 KiB of `byte` each: a few
/// bytes a block, so gigabytes fit in kilobytes.
fn zstd_rle_bomb(byte: u8, blocks: usize) -> Vec<u8> {
    const BLOCK: u32 = 128 * 1024;
    // Magic; no content size, no checksum; a 128 KiB window.
    let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38];
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        // Block header: last flag, type 1 (RLE), regenerated size.
        let header = (BLOCK << 3) | (1 << 1) | last;
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(byte);
    }
    frame
}

#[test]
fn a_zstd_bomb_stops_at_the_cap_in_bounded_memory() {
    let dir = Dir::new("decoding_zstd_bomb");
    // 2,400 blocks: 300 MiB of `a` in under 10 KB.
    let bomb = zstd_rle_bomb(b'a', 2_400);
    assert!(bomb.len() < 10_000, "{}", bomb.len());
    // It is a zstd frame that decodes to `a`s.
    let mut head = [0u8; 1 << 20];
    let mut decoder = zstd::stream::read::Decoder::new(&bomb[..]).unwrap();
    decoder.read_exact(&mut head).unwrap();
    assert!(head.iter().all(|&b| b == b'a'));
    dir.create("bomb.zst", &bomb);
    // Decoding all 300 MiB under a 256 MiB address-space cap would abort,
    // not exit 2.
    let out = check_capped(&dir, "bomb.zst");
    assert_error(&out, &["bomb.zst", "20000000", "--max-input-bytes"]);
}

/// `text` as UTF-16LE, with a byte order mark when `bom`.
fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

#[test]
fn excel_unicode_text_is_read_as_utf16() {
    let dir = Dir::new("decoding_utf16");
    // Excel's "Unicode Text": UTF-16LE, a BOM, CRLF.
    let text = "email\r\nJosé@example.com\r\nana@example.com\r\n";
    dir.create("export.txt", utf16le(text, true));
    let report = check_json(&dir, "export.txt", &["--id-type", "email"], 1);
    assert_eq!(report["file_findings"][0], "encoding");
    assert_eq!(report["fixed"]["encoding"], 1);
    assert_eq!(report["fixed"]["bom"], 1);
    assert_eq!(report["values_found"], 3);
    assert_eq!(report["header"], "email");
    // The line numbers are the file's.
    assert_eq!(report["diagnostics"][0]["line"], 1);
    let out = dir
        .cmd(&["clean", "export.txt", "-o", "clean.csv"])
        .args(&["--id-type", "email", "--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(
        dir.read_text("clean.csv"),
        "José@example.com\nana@example.com\n"
    );
    // The clean file conforms: UTF-8, no BOM, no CR.
    let again = check_json(&dir, "clean.csv", &["--id-type", "email"], 0);
    assert_eq!(again["conforms"], true);
    // Without its BOM, UTF-16 is read only when asked for.
    dir.create("nobom.txt", utf16le("u1\r\nu2\r\n", false));
    let report = check_json(&dir, "nobom.txt", &["--encoding", "utf-16le"], 1);
    assert_eq!(report["values_processed"], 2);
    let report = check_json(&dir, "nobom.txt", &[], 1);
    // Read as UTF-8, its NULs make three rows of special characters.
    assert_eq!(report["rejected"]["special-char"], 3, "NULs: {report}");
}

#[test]
fn ff_fe_that_is_not_utf16_stays_utf8() {
    let dir = Dir::new("decoding_fffe");
    // A UTF-8 file of ids and NULs that happens to start with FF FE.
    // After FF FE, 11 bytes: no UTF-16 text has an odd length.
    let bytes = b"\xFF\xFEu1\x00\nu2\nu33\n";
    dir.create("odd.csv", bytes);
    let report = check_json(&dir, "odd.csv", &[], 1);
    assert_eq!(report["rejected"]["invalid-utf8"], 1, "{report}");
    assert_eq!(report["diagnostics"][0]["line"], 1);
    assert_eq!(report["values_processed"], 2);
    assert!(report["file_findings"].as_array().unwrap().is_empty());
}

#[test]
fn windows_1252_and_latin_1() {
    let dir = Dir::new("decoding_1252");
    dir.create("names.csv", b"Jos\xE9\r\nM\xFCller\r\n\x80uro\r\n");
    // As UTF-8, the rows are invalid.
    let report = check_json(&dir, "names.csv", &[], 1);
    assert_eq!(report["rejected"]["invalid-utf8"], 3);
    // The summary says what converts them.
    let out = dir.cmd(&["check", "names.csv"]).run();
    assert!(
        out.stdout_text().contains(
            "they read as Windows-1252: --encoding windows-1252 converts them"
        ),
        "{}",
        out.render()
    );
    // Bytes that are no Windows-1252 text (a control, an undefined
    // byte) keep the usual advice.
    dir.create("binary.csv", b"a\x81b\nc\x01\xff\n");
    let out = dir.cmd(&["check", "binary.csv"]).run();
    assert!(
        out.stdout_text().contains("export the file again as UTF-8"),
        "{}",
        out.render()
    );
    let report =
        check_json(&dir, "names.csv", &["--encoding", "windows-1252"], 1);
    assert_eq!(report["values_processed"], 3);
    assert_eq!(report["fixed"]["encoding"], 1);
    let out = dir
        .cmd(&["clean", "names.csv", "-o", "-", "--encoding", "windows-1252"])
        .run();
    assert_eq!(out.stdout_text(), "José\nMüller\n€uro\n");
    let out = dir
        .cmd(&["clean", "names.csv", "-o", "-", "--encoding", "latin-1"])
        .run();
    // In Latin-1, 0x80 is U+0080 (not the euro sign): the platform's
    // special characters are ASCII controls only, so it stays.
    assert_eq!(out.stdout_text(), "José\nMüller\n\u{80}uro\n");
    assert_eq!(out.code(), 0, "{}", out.render());
    // A UTF-16 request on bytes that are not UTF-16: an error.
    dir.create("odd.txt", b"\xFF\xFEa");
    let out = dir.cmd(&["check", "odd.txt", "--encoding", "utf-16le"]).run();
    assert_error(&out, &["odd.txt", "utf-16le"]);
}

#[test]
fn sizes_take_suffixes() {
    let dir = Dir::new("decoding_sizes");
    dir.create("in.csv", "abcdef\nghijkl\n");
    for size in ["7", "7B", "0_007"] {
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "o.csv", "--split-bytes", size])
            .run();
        assert_eq!(out.code(), 0, "{size}: {}", out.render());
        assert_eq!(dir.read_text("o.part-002.csv"), "ghijkl\n");
    }
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--split-bytes", "150M"])
        .args(&["--max-bytes", "150MB"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "1.5M"]).run();
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stderr_text().contains("not a size"), "{}", out.render());
}
