//! `segprep request`: the JSON body of a File Segment API call.

use std::io::{self, Write};

use clap::{Arg, Args, Subcommand};
use segprep::workflow::request::{
    self, DataCenter, Operation, RequestBuilder,
};
use segprep::{AttributeType, Error, ErrorKind};

use crate::cli::enum_parser;
use crate::ExitStatus;

#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    pub operation: OperationArgs,
}

/// One subcommand per operation, so that `request OPERATION -h` lists
/// only the options that operation takes. The others are hidden but
/// still parsed, for the library to say which operations use them.
#[derive(Debug, Subcommand)]
pub enum OperationArgs {
    /// Create a segment from a file's users.
    #[command(mut_args = shown_for(Operation::Create),
              after_long_help = "Examples:
  segprep request create --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv --expiry-days 30
  segprep request create --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv --expiry-days 30 \\
      --callback-url https://hooks.example.com/moe \\
      --email ops@example.com --dc 01")]
    Create(FieldArgs),
    /// Add a file's users to a segment.
    #[command(mut_args = shown_for(Operation::Add),
              after_long_help = "Examples:
  segprep request add --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/add.csv
  segprep request add --name Churned --attribute-name user_id \\
      --attribute-type double --file-url https://cdn.example.com/add.csv")]
    Add(FieldArgs),
    /// Remove a file's users from a segment.
    #[command(mut_args = shown_for(Operation::Remove),
              after_long_help = "Examples:
  segprep request remove --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/remove.csv
  segprep request remove --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/remove.csv --email ops@example.com")]
    Remove(FieldArgs),
    /// Replace a segment's users with a file's.
    #[command(mut_args = shown_for(Operation::Replace),
              after_long_help = "Examples:
  segprep request replace --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv
  segprep request replace --name Churned --attribute-name gaid \\
      --file-url https://cdn.example.com/clean.csv \\
      --callback-url https://hooks.example.com/moe")]
    Replace(FieldArgs),
    /// Archive a segment.
    #[command(mut_args = shown_for(Operation::Archive),
              after_long_help = "Examples:
  segprep request archive --name Churned
  segprep request archive --name Churned --segment-id 65f0c0ffee --dc 01")]
    Archive(FieldArgs),
    /// Bring an archived segment back.
    #[command(mut_args = shown_for(Operation::Unarchive),
              after_long_help = "Examples:
  segprep request unarchive --name Churned
  segprep request unarchive --name Churned --segment-id 65f0c0ffee --dc 01")]
    Unarchive(FieldArgs),
}

impl OperationArgs {
    fn split(self) -> (Operation, FieldArgs) {
        match self {
            OperationArgs::Create(f) => (Operation::Create, f),
            OperationArgs::Add(f) => (Operation::Add, f),
            OperationArgs::Remove(f) => (Operation::Remove, f),
            OperationArgs::Replace(f) => (Operation::Replace, f),
            OperationArgs::Archive(f) => (Operation::Archive, f),
            OperationArgs::Unarchive(f) => (Operation::Unarchive, f),
        }
    }
}

/// Hides the options `op` does not take, by the library's own account
/// of what each operation sends.
fn shown_for(op: Operation) -> impl FnMut(Arg) -> Arg {
    move |arg| {
        let used = match arg.get_id().as_str() {
            "attribute_name" | "attribute_type" | "file_url"
            | "callback_url" | "emails" => op.sends_file(),
            "expiry_days" => op == Operation::Create,
            "segment_id" => !op.sends_file(),
            "dc" => op.endpoint().is_some(),
            _ => return arg,
        };
        arg.hide(!used)
    }
}

const SEGMENT: &str = "Segment";
const RESULT: &str = "Processing result";
const OUTPUT: &str = "Output";

#[derive(Debug, Args)]
pub struct FieldArgs {
    /// The segment's name (`name`); required, not empty.
    #[arg(long, value_name = "NAME", help_heading = SEGMENT)]
    pub name: Option<String>,

    /// The user attribute the file's values identify (`attribute_name`);
    /// required.
    #[arg(long, value_name = "NAME", help_heading = SEGMENT)]
    pub attribute_name: Option<String>,

    /// The attribute's type (`attribute_type`) [default: string].
    #[arg(long, value_name = "TYPE",
          value_parser = enum_parser::<AttributeType>(), ignore_case = true,
          help_heading = SEGMENT)]
    pub attribute_type: Option<AttributeType>,

    /// Where the platform downloads the clean file (`file_url`): an
    /// absolute http or https URL; required.
    #[arg(long, value_name = "URL", help_heading = SEGMENT)]
    pub file_url: Option<String>,

    /// The segment's lifetime in days (`expiry_time`), a whole number of
    /// at least 1; required.
    #[arg(long, value_name = "DAYS", help_heading = SEGMENT)]
    pub expiry_days: Option<String>,

    /// The segment's id (`cs_id`).
    #[arg(long, value_name = "ID", help_heading = SEGMENT)]
    pub segment_id: Option<String>,

    /// Where the platform posts its processing result (`callback_url`),
    /// for `segprep reconcile`: an absolute http or https URL.
    #[arg(long, value_name = "URL", help_heading = RESULT)]
    pub callback_url: Option<String>,

    /// An address that receives the processing result (`emails`);
    /// repeat for more.
    #[arg(long = "email", value_name = "ADDRESS", help_heading = RESULT)]
    pub emails: Vec<String>,

    /// Print `{"method", "url", "body"}` for this data center (01, 02,
    /// 03, 04, 05, 06 or 101) instead of the body alone.
    #[arg(long, value_name = "DC", help_heading = OUTPUT)]
    pub dc: Option<String>,
}

pub fn run(args: RequestArgs) -> Result<ExitStatus, Error> {
    let (operation, fields) = args.operation.split();
    let request = build(operation, fields).map_err(in_flag_words)?;
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &request)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(None, "writing standard output", e))?;
    Ok(ExitStatus::Success)
}

/// The library names a request's fields by their builder methods
/// (`file_url`); the command line's user knows them as flags.
const FLAGS: &[(&str, &str)] = &[
    ("`attribute_name`", "--attribute-name"),
    ("`attribute_type`", "--attribute-type"),
    ("`callback_url`", "--callback-url"),
    ("`data_center`", "--dc"),
    ("`email`", "--email"),
    ("`expiry_days`", "--expiry-days"),
    ("`file_url`", "--file-url"),
    ("`name`", "--name"),
    ("`segment_id`", "--segment-id"),
    ("the email id type", "--id-type email"),
];

fn in_flag_words(err: Error) -> Error {
    match err.kind() {
        ErrorKind::Config(message) => {
            let message = FLAGS
                .iter()
                .fold(message.clone(), |m, (a, b)| m.replace(a, b));
            Error::from(ErrorKind::Config(message))
        }
        _ => err,
    }
}

fn build(
    operation: Operation,
    args: FieldArgs,
) -> Result<request::Request, Error> {
    let mut builder = RequestBuilder::new(operation);
    if let Some(name) = args.name {
        builder.name(name);
    }
    if let Some(name) = args.attribute_name {
        builder.attribute_name(name);
    }
    if let Some(kind) = args.attribute_type {
        builder.attribute_type(kind);
    }
    if let Some(url) = args.file_url {
        builder.file_url(url);
    }
    if let Some(url) = args.callback_url {
        builder.callback_url(url);
    }
    for email in args.emails {
        builder.email(email);
    }
    if let Some(days) = &args.expiry_days {
        builder.expiry_days(request::parse_days(days)?);
    }
    if let Some(id) = args.segment_id {
        builder.segment_id(id);
    }
    if let Some(dc) = &args.dc {
        builder.data_center(dc.parse::<DataCenter>()?);
    }
    builder.build()
}
