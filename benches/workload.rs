//! Deterministic, seeded benchmark workloads for segprep (std only).
//!
//! Included with `#[path = "..."] mod workload;` from the criterion benches
//! and from `examples/workload.rs`, so it must not depend on any crate.
//!
//! Three kinds of input, each a function of `(target_bytes, seed)` only:
//!
//! - [`gaid`]: lowercase GAIDs (8-4-4-4-12 hex, 36 characters + LF), about
//!   5% exact duplicates (copies of earlier rows, spread through the file)
//!   and about 0.5% defects of eight kinds (see [`Defect`]).
//! - [`unique`]: valid lowercase GAIDs, all different: the worst case for
//!   dedupe.
//! - [`emails`]: e-mail addresses in mixed case, about 4% duplicates that
//!   differ from an earlier row only in case and 1% exact duplicates.
//!
//! Each output is at most `target_bytes` long and stops at the last whole
//! row that fits, so it is "just under" the target (by less than one row).
//! The `write_*` functions stream into any [`io::Write`] in 1 MiB chunks and
//! return a [`Summary`] of what they wrote; the plain functions return a
//! `Vec<u8>`.
#![allow(dead_code)]

use std::io::{self, Write};

/// Default size of the `gaid` and `unique` files: the platform's 150 MB cap.
pub const GAID_BYTES: usize = 150_000_000;
/// Default size of the `emails` file.
pub const EMAIL_BYTES: usize = 50_000_000;
/// Default seed.
pub const SEED: u64 = 42;

/// Out of a million rows: exact duplicates in `gaid` (5%).
const GAID_DUP_PPM: u64 = 50_000;
/// Out of a million rows: defects in `gaid` (0.5%).
const GAID_DEFECT_PPM: u64 = 5_000;
/// Out of a million rows: `emails` duplicates that differ only in case (4%).
const EMAIL_CASE_DUP_PPM: u64 = 40_000;
/// Out of a million rows: exact duplicates in `emails` (1%).
const EMAIL_EXACT_DUP_PPM: u64 = 10_000;

const CHUNK: usize = 1 << 20;

/// The kinds of input, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Gaid,
    Unique,
    Emails,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Gaid, Kind::Unique, Kind::Emails];

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "gaid" => Some(Kind::Gaid),
            "unique" => Some(Kind::Unique),
            "emails" | "email" => Some(Kind::Emails),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Gaid => "gaid",
            Kind::Unique => "unique",
            Kind::Emails => "emails",
        }
    }

    pub fn default_bytes(self) -> usize {
        match self {
            Kind::Gaid | Kind::Unique => GAID_BYTES,
            Kind::Emails => EMAIL_BYTES,
        }
    }
}

/// The defects planted in the `gaid` workload, in equal shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    /// `gaid,` (kept after the `trailing-comma` fix)
    TrailingComma = 0,
    /// `"gaid"` (kept after the `quoted` fix)
    Quoted = 1,
    /// a `#` in place of one hex digit (rejected: `special-char`)
    Hash = 2,
    /// an empty row (rejected: `empty-row`)
    Empty = 3,
    /// leading and/or trailing spaces (kept after the `whitespace` fix)
    Spaces = 4,
    /// an uppercase copy of an earlier GAID (`case` fix, then `duplicate`)
    Upper = 5,
    /// `gaid\r\n` (kept after the `crlf` fix)
    Crlf = 6,
    /// `gaid,1` (rejected: `multi-column`)
    TwoColumns = 7,
}

impl Defect {
    pub const ALL: [Defect; 8] = [
        Defect::TrailingComma,
        Defect::Quoted,
        Defect::Hash,
        Defect::Empty,
        Defect::Spaces,
        Defect::Upper,
        Defect::Crlf,
        Defect::TwoColumns,
    ];
}

/// What a generator wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Bytes written.
    pub bytes: u64,
    /// Rows written (every row ends with LF).
    pub rows: u64,
    /// Rows that are a new, valid value written as is.
    pub fresh: u64,
    /// Rows that are a byte-exact copy of an earlier row.
    pub exact_duplicates: u64,
    /// Rows that equal an earlier row once case is folded (not exactly).
    pub case_duplicates: u64,
    /// Defect rows (gaid only), all kinds.
    pub defects: u64,
    /// Defect rows by kind, indexed by `Defect as usize`.
    pub defect_kinds: [u64; 8],
}

// ---------------------------------------------------------------------------
// Randomness

/// splitmix64: a tiny, fast, seedable generator; good enough for test data.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (n > 0); the tiny modulo bias does not matter here.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// The splitmix64 finalizer: a bijection on u64.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A bijection on u32 (used to enumerate distinct e-mail addresses).
#[inline]
fn mix32(mut z: u32) -> u32 {
    z = (z ^ (z >> 16)).wrapping_mul(0x7FEB_352D);
    z = (z ^ (z >> 15)).wrapping_mul(0x846C_A68B);
    z ^ (z >> 16)
}

// ---------------------------------------------------------------------------
// GAIDs

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The `index`-th GAID of a stream keyed by `key`, as 36 ASCII bytes.
///
/// It looks like a version-4 UUID (version digit `4`, variant digit
/// `8`..`b`). The 64 bits of `mix64(key ^ index)` are all encoded in it, so
/// two different indexes of one key never give the same GAID.
#[inline]
pub fn gaid_at(key: u64, index: u64, upper: bool) -> [u8; 36] {
    let u = mix64(key ^ index);
    let v = mix64(u ^ key.rotate_left(32) ^ 0xD6E8_FEB8_6659_FD93);
    // 32 hex digits: u[63..16] (12), '4', u[15..4] (3), variant 8|u[3..2],
    // u[1..0]<<2 | v[1..0], then 14 digits of v.
    let mut d = [0u8; 32];
    for (i, slot) in d[..12].iter_mut().enumerate() {
        *slot = ((u >> (60 - 4 * i)) & 0xF) as u8;
    }
    d[12] = 4;
    d[13] = ((u >> 12) & 0xF) as u8;
    d[14] = ((u >> 8) & 0xF) as u8;
    d[15] = ((u >> 4) & 0xF) as u8;
    d[16] = 8 | ((u >> 2) & 0x3) as u8;
    d[17] = (((u & 0x3) << 2) | (v & 0x3)) as u8;
    for (i, slot) in d[18..].iter_mut().enumerate() {
        *slot = ((v >> (60 - 4 * i)) & 0xF) as u8;
    }
    let hex = if upper { HEX_UPPER } else { HEX_LOWER };
    let mut out = [b'-'; 36];
    let mut j = 0;
    for (i, &x) in d.iter().enumerate() {
        if i == 8 || i == 12 || i == 16 || i == 20 {
            j += 1; // skip the dash
        }
        out[j] = hex[x as usize];
        j += 1;
    }
    out
}

/// A row under construction (no row is longer than this).
struct Row {
    buf: [u8; 160],
    len: usize,
}

impl Row {
    #[inline]
    fn new() -> Self {
        Row { buf: [0; 160], len: 0 }
    }
    #[inline]
    fn push(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }
    #[inline]
    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Streams rows into a buffer, handing full chunks to a writer, and stops
/// before the row that would pass the target size.
struct Out<'a> {
    buf: Vec<u8>,
    w: Option<&'a mut dyn Write>,
    written: usize,
    target: usize,
    rows: u64,
}

impl<'a> Out<'a> {
    fn to_vec(target: usize) -> Out<'static> {
        Out {
            buf: Vec::with_capacity(target),
            w: None,
            written: 0,
            target,
            rows: 0,
        }
    }

    fn to_writer(w: &'a mut dyn Write, target: usize) -> Out<'a> {
        Out {
            buf: Vec::with_capacity(CHUNK + 256),
            w: Some(w),
            written: 0,
            target,
            rows: 0,
        }
    }

    /// Appends the row; false (and nothing written) when it does not fit.
    #[inline]
    fn row(&mut self, row: &[u8]) -> io::Result<bool> {
        if self.written + self.buf.len() + row.len() > self.target {
            return Ok(false);
        }
        self.buf.extend_from_slice(row);
        self.rows += 1;
        if self.buf.len() >= CHUNK {
            if let Some(w) = self.w.as_mut() {
                w.write_all(&self.buf)?;
                self.written += self.buf.len();
                self.buf.clear();
            }
        }
        Ok(true)
    }

    fn finish(mut self) -> io::Result<(Vec<u8>, u64)> {
        if let Some(w) = self.w.as_mut() {
            w.write_all(&self.buf)?;
            w.flush()?;
            self.written += self.buf.len();
            self.buf.clear();
        }
        let bytes = (self.written + self.buf.len()) as u64;
        Ok((self.buf, bytes))
    }
}

fn gen_gaid(
    out: &mut Out,
    seed: u64,
    with_noise: bool,
) -> io::Result<Summary> {
    let mut rng = SplitMix64::new(seed ^ 0x6A1D_0000_0000_0001);
    let key = mix64(seed ^ 0x0123_4567_89AB_CDEF);
    // Defect rows draw their GAIDs from another stream, so that no later
    // exact duplicate can copy a defect's GAID.
    let defect_key = mix64(seed ^ 0xFEDC_BA98_7654_3210);
    let mut s = Summary::default();
    let mut next = 0u64; // fresh GAIDs written so far
    let mut next_defect = 0u64;
    loop {
        let mut row = Row::new();
        let r = rng.below(1_000_000);
        let mut duplicate = false;
        if with_noise && r < GAID_DUP_PPM && next > 0 {
            duplicate = true;
            row.push(&gaid_at(key, rng.below(next), false));
            row.byte(b'\n');
        } else if with_noise && next > 0 && r < GAID_DUP_PPM + GAID_DEFECT_PPM
        {
            let d = Defect::ALL[rng.below(8) as usize];
            let g = gaid_at(defect_key, next_defect, false);
            next_defect += 1;
            let extra = rng.next_u64();
            match d {
                Defect::TrailingComma => {
                    row.push(&g);
                    row.push(if extra & 1 == 0 { b",\n" } else { b",,\n" });
                }
                Defect::Quoted => {
                    row.byte(b'"');
                    row.push(&g);
                    row.push(b"\"\n");
                }
                Defect::Hash => {
                    let mut g = g;
                    // a hex digit, never a dash
                    let mut p = (extra % 36) as usize;
                    if g[p] == b'-' {
                        p += 1;
                    }
                    g[p] = b'#';
                    row.push(&g);
                    row.byte(b'\n');
                }
                Defect::Empty => row.byte(b'\n'),
                Defect::Spaces => {
                    let lead = (extra & 3) as usize; // 0..=3
                    let trail = if lead == 0 {
                        1 + ((extra >> 2) & 1) as usize
                    } else {
                        ((extra >> 2) & 3) as usize
                    };
                    for _ in 0..lead {
                        row.byte(b' ');
                    }
                    row.push(&g);
                    for _ in 0..trail {
                        row.byte(b' ');
                    }
                    row.byte(b'\n');
                }
                Defect::Upper => {
                    row.push(&gaid_at(key, extra % next, true));
                    row.byte(b'\n');
                }
                Defect::Crlf => {
                    row.push(&g);
                    row.push(b"\r\n");
                }
                Defect::TwoColumns => {
                    row.push(&g);
                    row.push(b",1\n");
                }
            }
            if !out.row(row.bytes())? {
                break;
            }
            s.defects += 1;
            s.defect_kinds[d as usize] += 1;
            continue;
        } else {
            row.push(&gaid_at(key, next, false));
            row.byte(b'\n');
        }
        if !out.row(row.bytes())? {
            break;
        }
        if duplicate {
            s.exact_duplicates += 1;
        } else {
            s.fresh += 1;
            next += 1;
        }
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// E-mail addresses

const FIRST: [&str; 64] = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "lisa",
    "anthony",
    "betty",
    "mark",
    "margaret",
    "donald",
    "sandra",
    "steven",
    "ashley",
    "paul",
    "kimberly",
    "andrew",
    "emily",
    "joshua",
    "donna",
    "kenneth",
    "michelle",
    "kevin",
    "dorothy",
    "brian",
    "carol",
    "george",
    "amanda",
    "edward",
    "melissa",
    "ronald",
    "deborah",
    "timothy",
    "stephanie",
    "jason",
    "rebecca",
    "jeffrey",
    "sharon",
    "ryan",
    "laura",
    "jacob",
    "cynthia",
    "priya",
    "rahul",
    "ananya",
    "arjun",
];

const LAST: [&str; 64] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "sharma",
    "patel",
    "singh",
    "kumar",
    "gupta",
    "mehta",
    "iyer",
    "reddy",
    "nair",
    "das",
    "khan",
    "ali",
    "chen",
    "wang",
];

const DOMAINS: [&str; 16] = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "protonmail.com",
    "mail.com",
    "yandex.ru",
    "gmx.de",
    "example.co.uk",
    "rediffmail.com",
    "zoho.in",
    "web.de",
    "live.com",
    "corp.example.org",
];

/// Case styles of an e-mail address. `Lower` is the most common.
const STYLES: usize = 4;

/// The `index`-th address of the stream keyed by `key`, in case style
/// `style` (0 lower, 1 Capitalized names, 2 upper-case domain, 3 all upper).
/// Different indexes (below 2^32) give addresses that differ even when case
/// is ignored; different styles of one index differ only in case.
fn email_at(key: u32, index: u64, style: usize, row: &mut Row) {
    let p = mix32((index as u32) ^ key);
    let first = FIRST[(p & 63) as usize].as_bytes();
    let last = LAST[((p >> 6) & 63) as usize].as_bytes();
    let domain = DOMAINS[((p >> 12) & 15) as usize].as_bytes();
    let sep = if (p >> 16) & 1 == 0 { b'.' } else { b'_' };
    let num = p >> 17; // 0..32768, written when non-zero
    let start = row.len;
    row.push(first);
    row.byte(sep);
    row.push(last);
    if num != 0 {
        let mut digits = [0u8; 5];
        let mut n = num;
        let mut k = 5;
        while n > 0 {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        row.push(&digits[k..]);
    }
    let at = row.len;
    row.byte(b'@');
    row.push(domain);
    let bytes = &mut row.buf[start..row.len];
    match style {
        0 => {}
        1 => {
            bytes[0] = bytes[0].to_ascii_uppercase();
            let l = first.len() + 1;
            bytes[l] = bytes[l].to_ascii_uppercase();
        }
        2 => bytes[at - start + 1..].make_ascii_uppercase(),
        _ => bytes.make_ascii_uppercase(),
    }
}

/// A case style drawn for a new address: 60% lower, 25% Capitalized, 10%
/// upper-case domain, 5% all upper.
#[inline]
fn style_of(key: u32, index: u64) -> usize {
    match mix64(((key as u64) << 32) ^ index ^ 0xA5A5_5A5A) % 100 {
        0..=59 => 0,
        60..=84 => 1,
        85..=94 => 2,
        _ => 3,
    }
}

fn gen_emails(out: &mut Out, seed: u64) -> io::Result<Summary> {
    let mut rng = SplitMix64::new(seed ^ 0xE4A1_0000_0000_0002);
    let key = mix64(seed ^ 0x1357_9BDF_2468_ACE0) as u32;
    let mut s = Summary::default();
    let mut next = 0u64;
    loop {
        let mut row = Row::new();
        let r = rng.below(1_000_000);
        let mut kind = 0u8; // 0 fresh, 1 exact duplicate, 2 case duplicate
        if next > 0 && r < EMAIL_CASE_DUP_PPM + EMAIL_EXACT_DUP_PPM {
            let j = rng.below(next);
            let base = style_of(key, j);
            let style = if r < EMAIL_CASE_DUP_PPM {
                kind = 2;
                (base + 1 + rng.below(STYLES as u64 - 1) as usize) % STYLES
            } else {
                kind = 1;
                base
            };
            email_at(key, j, style, &mut row);
        } else {
            email_at(key, next, style_of(key, next), &mut row);
        }
        row.byte(b'\n');
        if !out.row(row.bytes())? {
            break;
        }
        match kind {
            1 => s.exact_duplicates += 1,
            2 => s.case_duplicates += 1,
            _ => {
                s.fresh += 1;
                next += 1;
            }
        }
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// Public API

/// Writes the workload `kind` to `w`: at most `target_bytes` bytes.
pub fn write_kind<W: Write>(
    kind: Kind,
    w: &mut W,
    target_bytes: usize,
    seed: u64,
) -> io::Result<Summary> {
    let mut out = Out::to_writer(w, target_bytes);
    let mut s = generate(kind, &mut out, seed)?;
    let rows = out.rows;
    let (_, bytes) = out.finish()?;
    s.rows = rows;
    s.bytes = bytes;
    Ok(s)
}

/// The workload `kind` in memory, with its summary.
pub fn kind_with_summary(
    kind: Kind,
    target_bytes: usize,
    seed: u64,
) -> (Vec<u8>, Summary) {
    let mut out = Out::to_vec(target_bytes);
    let mut s =
        generate(kind, &mut out, seed).expect("writing to memory cannot fail");
    s.rows = out.rows;
    let (buf, bytes) = out.finish().expect("writing to memory cannot fail");
    s.bytes = bytes;
    (buf, s)
}

fn generate(kind: Kind, out: &mut Out, seed: u64) -> io::Result<Summary> {
    match kind {
        Kind::Gaid => gen_gaid(out, seed, true),
        Kind::Unique => gen_gaid(out, seed, false),
        Kind::Emails => gen_emails(out, seed),
    }
}

/// GAIDs with ~5% exact duplicates and ~0.5% defects.
pub fn write_gaid<W: Write>(
    w: &mut W,
    target_bytes: usize,
    seed: u64,
) -> io::Result<Summary> {
    write_kind(Kind::Gaid, w, target_bytes, seed)
}

/// Unique, valid GAIDs.
pub fn write_unique<W: Write>(
    w: &mut W,
    target_bytes: usize,
    seed: u64,
) -> io::Result<Summary> {
    write_kind(Kind::Unique, w, target_bytes, seed)
}

/// Mixed-case e-mail addresses with case-only duplicates.
pub fn write_emails<W: Write>(
    w: &mut W,
    target_bytes: usize,
    seed: u64,
) -> io::Result<Summary> {
    write_kind(Kind::Emails, w, target_bytes, seed)
}

/// GAIDs with ~5% exact duplicates and ~0.5% defects, at most `target_bytes`.
pub fn gaid(target_bytes: usize, seed: u64) -> Vec<u8> {
    kind_with_summary(Kind::Gaid, target_bytes, seed).0
}

/// Unique, valid lowercase GAIDs, at most `target_bytes`.
pub fn unique(target_bytes: usize, seed: u64) -> Vec<u8> {
    kind_with_summary(Kind::Unique, target_bytes, seed).0
}

/// Mixed-case e-mail addresses with case-only duplicates, at most
/// `target_bytes`.
pub fn emails(target_bytes: usize, seed: u64) -> Vec<u8> {
    kind_with_summary(Kind::Emails, target_bytes, seed).0
}

/// Criterion helpers: `bytes` of each workload with the default seed.
pub fn gaid_bytes(bytes: usize) -> Vec<u8> {
    gaid(bytes, SEED)
}

pub fn unique_bytes(bytes: usize) -> Vec<u8> {
    unique(bytes, SEED)
}

pub fn emails_bytes(bytes: usize) -> Vec<u8> {
    emails(bytes, SEED)
}

// Run by `cargo test` through the `workload` example; the bench that
// also includes this file has no test harness, hence the allow.
#[cfg(test)]
#[allow(unused_imports)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn deterministic_and_streaming_equals_memory() {
        for kind in Kind::ALL {
            let (a, sa) = kind_with_summary(kind, 3_000_000, 7);
            let (b, _) = kind_with_summary(kind, 3_000_000, 7);
            let (c, _) = kind_with_summary(kind, 3_000_000, 8);
            assert_eq!(a, b);
            assert_ne!(a, c);
            let mut w = Vec::new();
            let sw = write_kind(kind, &mut w, 3_000_000, 7).unwrap();
            assert_eq!(a, w);
            assert_eq!(sa, sw);
            assert!(a.len() <= 3_000_000 && a.len() > 3_000_000 - 160);
            assert_eq!(sa.bytes as usize, a.len());
            assert_eq!(
                sa.rows as usize,
                a.iter().filter(|&&b| b == b'\n').count()
            );
        }
    }

    #[test]
    fn unique_is_unique() {
        let (a, s) = kind_with_summary(Kind::Unique, 4_000_000, 1);
        let rows: Vec<&[u8]> =
            a.split(|&b| b == b'\n').filter(|r| !r.is_empty()).collect();
        assert_eq!(rows.len() as u64, s.rows);
        assert!(rows.iter().all(|r| r.len() == 36));
        let set: HashSet<&[u8]> = rows.iter().copied().collect();
        assert_eq!(set.len(), rows.len());
    }

    #[test]
    fn gaid_counts_match_summary() {
        let (a, s) = kind_with_summary(Kind::Gaid, 8_000_000, 3);
        let mut seen = HashSet::new();
        let mut dups = 0u64;
        let mut rows = 0u64;
        for r in a.split_inclusive(|&b| b == b'\n') {
            rows += 1;
            if !seen.insert(r) {
                dups += 1;
            }
        }
        assert_eq!(rows, s.rows);
        // Exact duplicates: the planted copies, plus repeated empty rows,
        // plus (rarely) two uppercase copies of the same GAID.
        let empty = s.defect_kinds[Defect::Empty as usize];
        let upper = s.defect_kinds[Defect::Upper as usize];
        let planted = s.exact_duplicates + empty.saturating_sub(1);
        assert!(
            dups >= planted && dups <= planted + upper,
            "{dups} vs {planted}"
        );
        assert_eq!(s.rows, s.fresh + s.exact_duplicates + s.defects);
        assert!(Defect::ALL.iter().all(|&d| s.defect_kinds[d as usize] > 0));
    }

    #[test]
    fn emails_differ_only_in_case() {
        let (a, s) = kind_with_summary(Kind::Emails, 4_000_000, 5);
        let lower: HashSet<Vec<u8>> = a
            .split_inclusive(|&b| b == b'\n')
            .map(|r| r.to_ascii_lowercase())
            .collect();
        assert_eq!(lower.len() as u64, s.fresh);
        assert_eq!(s.rows, s.fresh + s.exact_duplicates + s.case_duplicates);
        assert!(s.case_duplicates > 0 && s.exact_duplicates > 0);
    }
}
