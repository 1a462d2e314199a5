//! `clean`: the clean file and the rejects file, each complete or not
//! written at all, and the statistics `clean --stats` writes.

use std::io::{self, Write};
use std::path::PathBuf;

use segprep::{Error, ErrorKind, Finding, Kept, Pipeline, Sink, Stats};
use serde::Serialize;

use crate::engine::{self, Source};
use crate::output::{refuse_input, same_file, AtomicFile};

/// The outputs of a run.
pub struct Paths {
    pub output: PathBuf,
    pub rejects: Option<PathBuf>,
}

/// The statistics `clean` writes.
#[derive(Serialize)]
struct CleanStats<'a> {
    #[serde(flatten)]
    stats: &'a Stats,
    output: String,
    output_bytes: u64,
}

/// The rejects file's header.
const REJECTS_HEADER: [&str; 4] = ["line", "rule", "detail", "raw"];

/// Runs `clean` and returns the statistics as JSON.
pub fn run(
    pipeline: &Pipeline,
    max_bytes: u64,
    source: &Source<'_>,
    paths: &Paths,
    sort: bool,
) -> Result<String, Error> {
    let outputs: Vec<&PathBuf> =
        std::iter::once(&paths.output).chain(&paths.rejects).collect();
    for output in &outputs {
        if let Some(input) = source.path() {
            refuse_input(output, input)?;
        }
    }
    if let [a, b] = outputs[..] {
        if a == b || same_file(a, b) {
            return Err(Error::from(ErrorKind::Config(format!(
                "{} is named as two outputs",
                a.display()
            ))));
        }
    }
    let input = engine::open(source)?;
    let run = engine::process(pipeline, &input);
    let mut stats = run.stats().clone();
    let limit = max_bytes;
    if stats.clean_bytes > limit {
        return Err(Error::from(ErrorKind::CleanTooLarge {
            path: paths.output.clone(),
            bytes: stats.clean_bytes,
            limit,
        }));
    }
    if stats.content_bytes() > limit {
        stats.warnings.push(format!(
            "the input is {} bytes, over --max-bytes {limit}; the clean \
             file fits",
            stats.content_bytes()
        ));
    }
    // Every file is created before any is written, so that a bad path
    // fails before anything is written anywhere.
    let out = AtomicFile::create(&paths.output)?;
    let rejects = paths.rejects.as_deref().map(AtomicFile::create);
    let rejects = rejects.transpose()?;
    engine::write_clean(&run, out.file(), sort).map_err(|e| out.error(e))?;
    if let Some(file) = &rejects {
        let writer = csv::WriterBuilder::new()
            .buffer_capacity(1 << 20)
            .from_writer(file.file());
        let mut sink = RejectsSink(writer);
        sink.0
            .write_record(REJECTS_HEADER)
            .and_then(|()| run.emit(&mut sink))
            .map_err(io::Error::from)
            .and_then(|()| sink.0.flush())
            .map_err(|e| file.error(e))?;
    }
    for file in rejects.into_iter().chain([out]) {
        file.commit()?;
    }
    let report = CleanStats {
        output_bytes: stats.clean_bytes,
        stats: &stats,
        output: paths.output.display().to_string(),
    };
    Ok(serde_json::to_string(&report).expect("statistics serialize"))
}

/// Writes every dropped row as a CSV record: line,rule,detail,raw.
struct RejectsSink<W: Write>(csv::Writer<W>);

impl<W: Write> Sink for RejectsSink<W> {
    type Error = csv::Error;

    fn kept(&mut self, _: &Kept<'_>) -> Result<(), csv::Error> {
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), csv::Error> {
        self.0.write_record([
            finding.line.to_string().as_bytes(),
            finding.rule().as_bytes(),
            finding.detail().to_string().as_bytes(),
            finding.raw,
        ])
    }

    fn unchanged_rows(&self) -> bool {
        false
    }
}
