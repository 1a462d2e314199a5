//! Command-line arguments (clap derive; doc comments are the help).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, Args, Parser, Subcommand, ValueEnum};
use segprep::{
    AttributeType, Case, Column, Delimiter, Encoding, HeaderMode, IdType,
    InputBuilder, PipelineBuilder, DEFAULT_MAX_BYTES, DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_VALUE_LEN,
};

/// The headings that group the options in help, so that a command's
/// options read as a few short lists (ruff, cargo). Global options come
/// last, under their own heading. The rules come first: the Python
/// package lists its options in the order of `check --help`.
pub mod heading {
    pub const INPUT: &str = "Input";
    pub const RULES: &str = "Rules";
    pub const OUTPUTS: &str = "Outputs";
    pub const REPORT: &str = "Report";
    pub const LIMITS: &str = "Upload limits";
    pub const PERFORMANCE: &str = "Performance";
    pub const GLOBAL: &str = "Global options";
}

/// Check, clean and dedupe single-column identifier files for MoEngage
/// File Segment uploads.
#[derive(Debug, Parser)]
#[command(
    name = "segprep",
    version,
    about,
    max_term_width = 100,
    // Replaced by a global `-h, --help` listed with the global options.
    disable_help_flag = true,
    after_help = "Examples:
  segprep check users.csv --id-type gaid
  segprep clean users.csv --id-type gaid -o clean.csv --rejects rejects.csv \\
      --stats stats.json
  segprep clean users.csv --id-type gaid -o clean.csv --split-bytes 150M
  segprep diff old.csv new.csv --added add.csv --removed remove.csv
  segprep request create --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv --expiry-days 30

See `segprep COMMAND --help` for each command's options and examples."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the output: auto (on a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true,
          ignore_case = true, help_heading = heading::GLOBAL)]
    pub color: Color,

    /// Print nothing but errors; the exit status says it all (like
    /// `grep -q`).
    #[arg(short, long, global = true, help_heading = heading::GLOBAL)]
    pub quiet: bool,

    // The words of clap's own help flag.
    #[arg(short, long, action = ArgAction::Help, global = true,
          help = "Print help (see more with '--help')",
          long_help = "Print help (see a summary with '-h')",
          help_heading = heading::GLOBAL)]
    help: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colours on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every problem with its line number; change nothing.
    ///
    /// Exit status: 0 the file conforms (it could be uploaded as it is),
    /// 1 it does not, 2 an error.
    #[command(after_long_help = "Examples:
  segprep check users.csv --id-type gaid
  segprep check export.csv --column user_id --fail-on reject
  segprep check day-1.csv day-2.csv --format json --fail-on never")]
    Check(CheckArgs),
    /// Write a clean file: fixed, filtered and deduped.
    ///
    /// Exit status: 0 written, 1 written but --fail-on-reject was given
    /// and a row was rejected, 2 an error (nothing written).
    #[command(after_long_help = "Examples:
  segprep clean users.csv --id-type gaid -o clean.csv --rejects rejects.csv \\
      --stats stats.json
  segprep clean export.csv --column user_id --delimiter auto -o clean.csv
  segprep clean phones.csv --id-type phone --default-region US -o clean.csv
  segprep clean users.csv --id-type gaid -o clean.csv \\
      --split-bytes 150M --split-values 2000000")]
    Clean(CleanArgs),
    /// Write what to add and what to remove to turn OLD into NEW.
    ///
    /// Both inputs go through the same pipeline and options as `clean`.
    /// Exit status: 0 written, 2 an error (nothing written).
    #[command(mut_args = diff_arg, after_long_help = "Examples:
  segprep diff old.csv new.csv --added add.csv --removed remove.csv
  segprep diff old.csv new.csv --id-type gaid --added add.csv \\
      --stats delta.json")]
    Diff(crate::diff::DiffArgs),
    /// Print the JSON body of a File Segment API call.
    ///
    /// Each operation takes its own options: see `segprep request
    /// OPERATION --help`. Exit status: 0 printed, 2 an invalid argument.
    #[command(
        subcommand_value_name = "OPERATION",
        subcommand_help_heading = "Operations",
        disable_help_subcommand = true,
        after_long_help = "Examples:
  segprep request create --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv --expiry-days 30
  segprep request add --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/add.csv
  segprep request archive --name Churned --segment-id 65f0c0ffee --dc 01"
    )]
    Request(crate::request::RequestArgs),
    /// Compare the platform's processing callback with the statistics
    /// `clean` wrote.
    ///
    /// Exit status: 0 consistent, 1 a mismatch or a failure status, 2 an
    /// error.
    #[command(mut_args = reconcile_arg, after_long_help = "Examples:
  segprep reconcile --stats stats.json --callback callback.json
  segprep reconcile --stats stats.json --callback callback.json \\
      --format json")]
    Reconcile(crate::reconcile::ReconcileArgs),
    /// Print a shell completion script.
    #[command(after_long_help = "Examples:
  segprep completions bash > ~/.local/share/bash-completion/completions/segprep
  segprep completions zsh > ~/.zfunc/_segprep
  segprep completions fish > ~/.config/fish/completions/segprep.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum, ignore_case = true)]
        shell: clap_complete::Shell,
    },
}

/// Headings for `diff`'s own options, which live in diff.rs.
fn diff_arg(arg: Arg) -> Arg {
    match arg.get_id().as_str() {
        "added" | "removed" | "stats" | "fsync" => {
            arg.help_heading(heading::OUTPUTS)
        }
        _ => arg,
    }
}

/// Headings and case-insensitive values for `reconcile`'s options, which
/// live in reconcile.rs.
fn reconcile_arg(arg: Arg) -> Arg {
    match arg.get_id().as_str() {
        "stats" | "callback" | "part" => arg.help_heading(heading::INPUT),
        "format" => arg.help_heading(heading::REPORT).ignore_case(true),
        _ => arg,
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The input files; `-` reads standard input. Each gets its findings
    /// and summary; the exit status is the worst of them.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format; with several files, `json` writes one object per
    /// file, one per line (JSON Lines).
    #[arg(long, value_enum, default_value_t = Format::Human,
          ignore_case = true, help_heading = heading::REPORT)]
    pub format: Format,

    /// What makes the exit status 1: any finding (`any`), only rows that
    /// would be rejected or a file-level finding (`reject`; fixes,
    /// duplicates and the header do not count), or nothing (`never`).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = FailOn::Any,
          ignore_case = true, help_heading = heading::REPORT)]
    pub fail_on: FailOn,

    /// At most this many diagnostics per rule; 0 means all.
    #[arg(long, value_name = "N", default_value_t = 20,
          help_heading = heading::REPORT)]
    pub max_diagnostics: u64,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The input file; `-` reads standard input.
    pub file: PathBuf,

    /// The clean file; `-` writes standard output. A file is written
    /// beside its final name and renamed into place.
    #[arg(short, long, value_name = "OUT", help_heading = heading::OUTPUTS)]
    pub output: PathBuf,

    /// Write every dropped row (reject, duplicate, header) to this CSV
    /// file: line,rule,detail,raw.
    #[arg(long, value_name = "PATH", help_heading = heading::OUTPUTS)]
    pub rejects: Option<PathBuf>,

    /// Leave these rows out of the rejects file (`duplicate`, `header`;
    /// repeat or separate with commas): a concatenation of daily exports
    /// can be mostly duplicates.
    #[arg(long, value_name = "RULE", value_delimiter = ',',
          value_parser = PossibleValuesParser::new(["duplicate", "header"])
              .map(|s| s.to_ascii_lowercase()),
          ignore_case = true, requires = "rejects",
          help_heading = heading::OUTPUTS)]
    pub rejects_omit: Vec<String>,

    /// Write the statistics as JSON to this file; `-` writes standard
    /// output.
    #[arg(long, value_name = "PATH", help_heading = heading::OUTPUTS)]
    pub stats: Option<PathBuf>,

    /// Write the values in byte order instead of first-occurrence order.
    #[arg(long, help_heading = heading::OUTPUTS)]
    pub sort: bool,

    /// Exit 1 when a row was rejected (duplicates and the header do not
    /// count); the files are still written.
    #[arg(long, help_heading = heading::OUTPUTS)]
    pub fail_on_reject: bool,

    /// Flush each written file to the disk before renaming it into
    /// place, and its folder after: slower, but the files survive a
    /// power loss once segprep has exited 0.
    #[arg(long, help_heading = heading::OUTPUTS)]
    pub fsync: bool,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Write numbered parts of at most SIZE bytes instead of one file
    /// (`-o clean.csv` gives clean.part-001.csv, ...), e.g. the
    /// platform's 150M.
    ///
    /// SIZE is a number of bytes; digits may be grouped with `_`
    /// (150_000_000) and followed by K, M or G (powers of 1000; KB, MB,
    /// GB too) or KiB, MiB or GiB (powers of 1024), in either case.
    #[arg(long, value_name = "SIZE", value_parser = parse_part_size,
          help_heading = heading::LIMITS)]
    pub split_bytes: Option<u64>,

    /// Write numbered parts of at most this many values each, e.g. the
    /// platform's default daily limit of 2000000.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..),
          help_heading = heading::LIMITS)]
    pub split_values: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding: the file does not conform.
    Any,
    /// A rejected row or a file-level finding.
    Reject,
    /// Never; only errors exit 2.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding, then a summary.
    Human,
    /// One JSON object: statistics and diagnostics.
    Json,
}

/// A parser of a library enum's names, in any ASCII case (`GAID`): the
/// argument must also be `ignore_case`, for clap to let it through.
pub fn enum_parser<T>() -> impl TypedValueParser<Value = T>
where
    T: std::str::FromStr<Err = String> + Clone + Send + Sync + 'static,
    T: NamedValues,
{
    PossibleValuesParser::new(T::NAMES).try_map(|s| {
        let name = T::NAMES.iter().find(|n| n.eq_ignore_ascii_case(&s));
        name.map_or(s.as_str(), |n| n).parse::<T>()
    })
}

/// The accepted names of a library enum.
pub trait NamedValues {
    const NAMES: &'static [&'static str];
}

macro_rules! named_values {
    ($($t:ty),+) => {
        $(impl NamedValues for $t {
            const NAMES: &'static [&'static str] = <$t>::NAMES;
        })+
    };
}

named_values!(IdType, AttributeType, Case, HeaderMode, Encoding);

/// A size in bytes: digits with `_` separators, and an optional suffix
/// `K`, `M`, `G` (powers of 1000; `KB`, `MB`, `GB` too) or `KiB`, `MiB`,
/// `GiB` (powers of 1024): `150M`, `150_000_000`, `1GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let number: String = number.chars().filter(|&c| c != '_').collect();
    let scale: u64 = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "'{text}': not a size (digits, then K, M, G, KiB, MiB or \
                 GiB: 150M, 150_000_000)"
            ))
        }
    };
    if number.is_empty() || text.starts_with('_') {
        return Err(format!("'{text}': not a size (150M, 150_000_000)"));
    }
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("'{text}': too large"))
}

/// A size of at least one byte.
fn parse_part_size(text: &str) -> Result<u64, String> {
    match parse_size(text)? {
        0 => Err(format!("'{text}': a part holds at least 1 byte")),
        n => Ok(n),
    }
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// What the values identify; sets the format check and the default
    /// case.
    #[arg(long, value_name = "TYPE", default_value = "string",
          value_parser = enum_parser::<IdType>(), ignore_case = true,
          help_heading = heading::RULES)]
    pub id_type: IdType,

    /// The segment attribute's type; `double` checks and rewrites
    /// numbers (needs --id-type string or numeric).
    #[arg(long, value_name = "TYPE", default_value = "string",
          value_parser = enum_parser::<AttributeType>(), ignore_case = true,
          help_heading = heading::RULES)]
    pub attribute_type: AttributeType,

    /// Fold ASCII letters; default: lower for uuid and gaid, upper for
    /// idfa, keep otherwise.
    #[arg(long, value_name = "CASE", value_parser = enum_parser::<Case>(),
          ignore_case = true, help_heading = heading::RULES)]
    pub case: Option<Case>,

    /// Whether row 1 is a header.
    #[arg(long, value_name = "MODE", default_value = "auto",
          value_parser = enum_parser::<HeaderMode>(), ignore_case = true,
          help_heading = heading::RULES)]
    pub header: HeaderMode,

    /// The segment's attribute name; a row 1 equal to it (ignoring
    /// case) is the header.
    #[arg(long, value_name = "NAME", help_heading = heading::RULES)]
    pub attribute_name: Option<String>,

    /// With --id-type phone: the country of numbers written without a
    /// country code (ISO 3166 alpha-2, such as US, IN, GB); every valid
    /// number is then written in E.164 (+15551234567).
    #[arg(long, value_name = "CC", help_heading = heading::RULES)]
    pub default_region: Option<String>,

    /// Characters to allow although they are special (each taken
    /// literally).
    #[arg(long, value_name = "CHARS", default_value = "",
          help_heading = heading::RULES)]
    pub allow_chars: String,

    /// Characters to reject besides the special ones (each taken
    /// literally; wins over --allow-chars).
    #[arg(long, value_name = "CHARS", default_value = "",
          help_heading = heading::RULES)]
    pub deny_chars: String,

    /// Reject every non-ASCII character.
    #[arg(long, help_heading = heading::RULES)]
    pub ascii_only: bool,

    /// Reject values longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_VALUE_LEN,
          help_heading = heading::RULES)]
    pub max_value_len: usize,

    /// Take the values from this column of each row: a number from 1,
    /// or a name from the header in row 1 (ignoring case).
    #[arg(long, value_name = "N|NAME",
          value_parser = |s: &str| s.parse::<Column>(),
          help_heading = heading::INPUT)]
    pub column: Option<Column>,

    /// What separates fields: one ASCII character (`,` `;` `|`), `tab`,
    /// or `auto` (the one of , ; tab | that splits the first 100 rows
    /// most consistently).
    #[arg(long, value_name = "C", default_value = ",",
          value_parser = |s: &str| s.parse::<Delimiter>(),
          help_heading = heading::INPUT)]
    pub delimiter: Delimiter,

    /// The input's text encoding; auto is UTF-8 unless the file starts
    /// with a UTF-16 byte order mark. Other encodings become UTF-8.
    #[arg(long, value_name = "ENCODING", default_value = "auto",
          value_parser = enum_parser::<Encoding>(), ignore_case = true,
          help_heading = heading::INPUT)]
    pub encoding: Encoding,

    /// Stop with an error past SIZE bytes of decoded input (after
    /// decompressing), so a small compressed file cannot take all
    /// memory; 0 means no cap. E.g. 1500M, 2GiB.
    ///
    /// SIZE is a number of bytes; digits may be grouped with `_`
    /// (1_500_000_000) and followed by K, M or G (powers of 1000; KB,
    /// MB, GB too) or KiB, MiB or GiB (powers of 1024), in either case.
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_INPUT_BYTES,
          value_parser = parse_size, help_heading = heading::INPUT)]
    pub max_input_bytes: u64,

    /// The platform's file size limit, e.g. 150M, 143MiB, 150_000_000.
    ///
    /// SIZE is a number of bytes; digits may be grouped with `_`
    /// (150_000_000) and followed by K, M or G (powers of 1000; KB, MB,
    /// GB too) or KiB, MiB or GiB (powers of 1024), in either case.
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_BYTES,
          value_parser = parse_size, help_heading = heading::LIMITS)]
    pub max_bytes: u64,

    /// Worker threads; 0 means one per core. Results do not depend on it.
    #[arg(long, value_name = "N", default_value_t = 0,
          help_heading = heading::PERFORMANCE)]
    pub threads: usize,

    /// Read files instead of memory-mapping them (safe if the file may
    /// change while segprep reads it).
    #[arg(long, help_heading = heading::PERFORMANCE)]
    pub no_mmap: bool,
}

impl CommonArgs {
    /// How the input is read, but for mapping (the caller's choice).
    pub fn input_builder(&self) -> InputBuilder {
        let mut builder = InputBuilder::new();
        builder.encoding(self.encoding).max_input_bytes(self.max_input_bytes);
        builder
    }

    pub fn builder(&self) -> PipelineBuilder {
        let mut builder = PipelineBuilder::new();
        builder
            .id_type(self.id_type)
            .attribute_type(self.attribute_type)
            .case(self.case)
            .header(self.header)
            .attribute_name(self.attribute_name.clone())
            .column(self.column.clone())
            .delimiter(self.delimiter)
            .default_region(self.default_region.as_deref())
            .allow_chars(&self.allow_chars)
            .deny_chars(&self.deny_chars)
            .ascii_only(self.ascii_only)
            .max_value_len(self.max_value_len)
            .max_bytes(self.max_bytes)
            .threads(self.threads);
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_with_suffixes_and_separators() {
        for (text, want) in [
            ("150000000", 150_000_000),
            ("150_000_000", 150_000_000),
            ("150M", 150_000_000),
            ("150MB", 150_000_000),
            ("150m", 150_000_000),
            ("1G", 1_000_000_000),
            ("4K", 4_000),
            ("1KiB", 1024),
            ("143MiB", 143 << 20),
            ("2GiB", 2 << 30),
            ("0", 0),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for text in
            ["", "M", "_1", "1.5M", "1TB", "-1", "99999999999999999999"]
        {
            assert!(parse_size(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_size("20000000000G"),
            Err("'20000000000G': too large".to_string())
        );
    }
}
