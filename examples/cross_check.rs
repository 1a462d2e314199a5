//! Checks the engine against the naive reference on a real file, every
//! row's outcome, at 1, 2 and 3 threads. For files far larger than the
//! property tests generate:
//!
//! ```sh
//! cargo run --release --features reference --example cross_check -- \
//!     FILE ID_TYPE [CASE]
//! ```
//!
//! Exits 1 on the first difference. The reference holds every row as a
//! `String`: 150 MB of GAIDs takes about 20 s and 1.6 GiB.

use std::process::ExitCode;

use segprep::reference::{self, NaiveOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, id_type, rest @ ..] = &args[..] else {
        eprintln!("usage: cross_check FILE ID_TYPE [CASE]");
        return ExitCode::from(2);
    };
    let input = match std::fs::read(file) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("cross_check: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = NaiveOptions {
        id_type: id_type.clone(),
        attribute_double: false,
        case: rest.first().cloned(),
        header: "auto".to_string(),
        attribute_name: None,
        allow_chars: String::new(),
        deny_chars: String::new(),
        ascii_only: false,
        max_value_len: segprep::DEFAULT_MAX_VALUE_LEN,
        ..NaiveOptions::default()
    };
    let want = reference::run(&input, &opts);
    for threads in [1, 2, 3] {
        let pipeline = match opts.builder().threads(threads).build() {
            Ok(pipeline) => pipeline,
            Err(e) => {
                eprintln!("cross_check: {e}");
                return ExitCode::from(2);
            }
        };
        if reference::engine_outcome(&pipeline, &input) != want {
            eprintln!("{file}: {threads} threads: engine != reference");
            return ExitCode::FAILURE;
        }
        println!(
            "{file}: {threads} threads: equal ({} kept, {} dropped)",
            want.kept.len(),
            want.dropped.len()
        );
    }
    ExitCode::SUCCESS
}
