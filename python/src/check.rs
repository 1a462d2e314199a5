//! `check`: the document of `segprep check --format json`, built from a
//! sink. The command line has its own copy until the library owns it.

use std::collections::HashMap;
use std::convert::Infallible;

use segprep::{Error, Finding, Fix, Kept, Pipeline, Reject, Sink, Stats};
use serde::Serialize;

use crate::engine::{self, Source};

/// One diagnostic of the report.
#[derive(Debug, Serialize)]
struct Diagnostic {
    line: u64,
    rule: &'static str,
    kind: &'static str,
    raw: String,
    detail: String,
}

/// The report: the statistics, the verdict, the diagnostics.
#[derive(Debug, Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    stats: &'a Stats,
    conforms: bool,
    file_findings: Vec<&'static str>,
    diagnostics: Vec<Diagnostic>,
}

/// Runs `check` and returns the report as JSON.
pub fn run(
    pipeline: &Pipeline,
    source: &Source<'_>,
    max_diagnostics: u64,
) -> Result<String, Error> {
    let input = engine::open(source)?;
    let run = engine::process(pipeline, &input);
    let stats = run.stats();
    let mut sink = Diagnostics::new(stats, max_diagnostics);
    let Ok(()) = run.emit(&mut sink);
    let report = Report {
        stats,
        conforms: stats.conforms(),
        file_findings: stats.file_findings.iter().map(|f| f.name()).collect(),
        diagnostics: sink.list,
    };
    Ok(serde_json::to_string(&report).expect("a report serializes"))
}

/// Collects at most `max` findings per rule (0: all), in line order, and
/// asks for no more rows once every rule has shown its share.
struct Diagnostics {
    max: u64,
    /// Per rule: findings to show (its count in the statistics, capped)
    /// and findings received.
    rules: HashMap<&'static str, (u64, u64)>,
    /// Rules with findings still to show.
    open: usize,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    fn new(stats: &Stats, max: u64) -> Diagnostics {
        let cap = |n: u64| if max == 0 { n } else { n.min(max) };
        let mut rules = HashMap::new();
        for fix in Fix::ALL {
            rules.insert(fix.name(), (cap(stats.fixed(fix)), 0));
        }
        for reject in Reject::ALL {
            rules.insert(reject.name(), (cap(stats.rejected(reject)), 0));
        }
        rules.insert("duplicate", (cap(stats.duplicates), 0));
        rules.insert("header", (cap(u64::from(stats.header.is_some())), 0));
        let open = rules.values().filter(|(show, _)| *show > 0).count();
        Diagnostics { max, rules, open, list: Vec::new() }
    }

    fn finding(&mut self, finding: &Finding<'_>) {
        let rule = finding.rule();
        let (show, received) = self.rules.entry(rule).or_insert((0, 0));
        *received += 1;
        if *received == *show {
            self.open -= 1;
        }
        if self.max != 0 && *received > self.max {
            return;
        }
        self.list.push(Diagnostic {
            line: finding.line,
            rule,
            kind: finding.kind_name(),
            raw: String::from_utf8_lossy(finding.raw).into_owned(),
            detail: finding.detail().to_string(),
        });
    }
}

impl Sink for Diagnostics {
    type Error = Infallible;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Infallible> {
        for finding in row.findings() {
            self.finding(&finding);
        }
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), Infallible> {
        self.finding(finding);
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn wants_more(&self) -> bool {
        self.open > 0
    }
}
