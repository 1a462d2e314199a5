//! Writes a benchmark workload file.
//!
//!     cargo run --release --example workload -- KIND OUT [--bytes N] [--seed S]
//!         [--repeat K]
//!
//! KIND is gaid, unique or emails (see benches/workload.rs). OUT is a path,
//! or `-` for standard output. --bytes defaults to 150000000 for gaid and
//! unique and 50000000 for emails; --seed to 42. --repeat K writes a file
//! of about N/K bytes K times over, the shape of K daily exports of one
//! audience appended to each other. The file is written beside
//! OUT and renamed into place, so OUT is never left half-written. Prints
//! nothing but errors.

#[path = "../benches/workload.rs"]
mod workload;

use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: workload gaid|unique|emails OUT [--bytes N] \
     [--seed S] [--repeat K]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("workload: {msg}");
            ExitCode::from(2)
        }
    }
}

fn parse_num(flag: &str, v: Option<String>) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    v.replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("{flag}: not a whole number: {v}"))
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut bytes = None;
    let mut seed = workload::SEED;
    let mut repeat = 1;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bytes" => {
                bytes = Some(parse_num("--bytes", args.next())? as usize)
            }
            "--seed" => seed = parse_num("--seed", args.next())?,
            "--repeat" => {
                repeat = parse_num("--repeat", args.next())?.max(1) as usize
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with("--") => {
                return Err(format!("unknown option {s}\n{USAGE}"))
            }
            _ => positional.push(a),
        }
    }
    let [kind, out] =
        <[String; 2]>::try_from(positional).map_err(|_| USAGE.to_string())?;
    let kind = workload::Kind::parse(&kind)
        .ok_or_else(|| format!("unknown kind {kind}\n{USAGE}"))?;
    let bytes = bytes.unwrap_or_else(|| kind.default_bytes());
    let write = |w: &mut dyn Write| -> io::Result<()> {
        if repeat == 1 {
            workload::write_kind(kind, &mut &mut *w, bytes, seed)?;
            return Ok(());
        }
        let mut once = Vec::new();
        workload::write_kind(kind, &mut once, bytes / repeat, seed)?;
        for _ in 0..repeat {
            w.write_all(&once)?;
        }
        Ok(())
    };

    if out == "-" {
        let stdout = io::stdout();
        let mut lock = stdout.lock();
        write(&mut lock).map_err(|e| format!("stdout: {e}"))?;
        return Ok(());
    }
    let tmp = format!("{out}.tmp-{}", std::process::id());
    let result = (|| -> io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        write(&mut f)?;
        f.flush()?;
        std::fs::rename(&tmp, &out)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{out}: {e}")
    })
}
