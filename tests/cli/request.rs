//! `segprep request`: request bodies, the `--dc` wrapper and argument
//! checks.

use serde_json::{json, Value};

use crate::util::{assert_error, eqjson, eqnice, Dir, Output};

const URL: &str = "https://files.example.com/seg.csv";

/// Runs `segprep request ARGS` in a fresh folder.
fn request(name: &str, args: &[&str]) -> Output {
    Dir::new(name).cmd(&["request"]).args(args).run()
}

/// The JSON on standard output of a run that must succeed.
fn body(out: &Output) -> Value {
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    out.json()
}

/// The arguments of a body-sending operation with every option set.
fn full(op: &str) -> Vec<&str> {
    vec![
        op,
        "--name",
        "lapsed buyers",
        "--attribute-name",
        "email",
        "--attribute-type",
        "double",
        "--file-url",
        URL,
        "--callback-url",
        "http://hooks.example.com:8080/moe?k=1",
        "--email",
        "ops@example.com",
        "--email",
        "data@team.example.org",
    ]
}

#[test]
fn create_prints_every_key_in_order() {
    let mut args = full("create");
    args.extend(["--expiry-days", "30"]);
    let out = request("request_create_full", &args);
    // The text itself, to pin the key order and the pretty layout.
    eqnice!(
        r#"
exit_code: 0
--- stdout
{
  "name": "lapsed buyers",
  "attribute_name": "email",
  "attribute_type": "double",
  "file_url": "https://files.example.com/seg.csv",
  "callback_url": "http://hooks.example.com:8080/moe?k=1",
  "emails": [
    "ops@example.com",
    "data@team.example.org"
  ],
  "expiry_time": 30
}
--- stderr
"#,
        out.render()
    );
}

#[test]
fn add_remove_replace_have_no_expiry() {
    for op in ["add", "remove", "replace"] {
        let out = request(&format!("request_{op}_full"), &full(op));
        eqjson!(
            json!({
                "name": "lapsed buyers",
                "attribute_name": "email",
                "attribute_type": "double",
                "file_url": URL,
                "callback_url": "http://hooks.example.com:8080/moe?k=1",
                "emails": ["ops@example.com", "data@team.example.org"],
            }),
            body(&out)
        );
    }
}

#[test]
fn keys_not_given_are_left_out() {
    let base = ["--name", "seg", "--attribute-name", "uid", "--file-url", URL];
    let out = request(
        "request_create_minimal",
        &[&["create"][..], &base, &["--expiry-days", "7"]].concat(),
    );
    eqjson!(
        json!({
            "name": "seg",
            "attribute_name": "uid",
            "attribute_type": "string",
            "file_url": URL,
            "expiry_time": 7,
        }),
        body(&out)
    );
    for op in ["add", "remove", "replace"] {
        let out = request(
            &format!("request_{op}_minimal"),
            &[&[op][..], &base].concat(),
        );
        let got = body(&out);
        eqjson!(
            json!({
                "name": "seg",
                "attribute_name": "uid",
                "attribute_type": "string",
                "file_url": URL,
            }),
            got
        );
        assert!(!out.stdout_text().contains("null"), "{}", out.render());
    }
}

#[test]
fn archive_and_unarchive() {
    for op in ["archive", "unarchive"] {
        let out = request(&format!("request_{op}"), &[op, "--name", "seg"]);
        eqjson!(json!({"name": "seg"}), body(&out));
        let out = request(
            &format!("request_{op}_id"),
            &[op, "--name", "seg", "--segment-id", "65f0c0ffee"],
        );
        eqjson!(json!({"name": "seg", "cs_id": "65f0c0ffee"}), body(&out));
    }
}

#[test]
fn dc_wraps_create_archive_unarchive() {
    let out = request(
        "request_dc_create",
        &[
            "create",
            "--name",
            "seg",
            "--attribute-name",
            "uid",
            "--file-url",
            URL,
            "--expiry-days",
            "1",
            "--dc",
            "101",
        ],
    );
    eqjson!(
        json!({
            "method": "POST",
            "url": concat!(
                "https://api-101.moengage.com",
                "/v2/custom-segments/file-segment"
            ),
            "body": {
                "name": "seg",
                "attribute_name": "uid",
                "attribute_type": "string",
                "file_url": URL,
                "expiry_time": 1,
            },
        }),
        body(&out)
    );
    for op in ["archive", "unarchive"] {
        let out = request(
            &format!("request_dc_{op}"),
            &[op, "--name", "seg", "--segment-id", "7", "--dc", "02"],
        );
        eqjson!(
            json!({
                "method": "PATCH",
                "url": format!(
                    "https://api-02.moengage.com/v2/custom-segments/{op}"
                ),
                "body": {"name": "seg", "cs_id": "7"},
            }),
            body(&out)
        );
    }
}

#[test]
fn dc_is_refused_where_no_endpoint_is_documented() {
    for op in ["add", "remove", "replace"] {
        let out = request(
            &format!("request_dc_{op}"),
            &[
                op,
                "--name",
                "seg",
                "--attribute-name",
                "uid",
                "--file-url",
                URL,
                "--dc",
                "01",
            ],
        );
        assert_error(&out, &["endpoint not documented", op]);
    }
}

/// Each case: extra arguments for `add` (or the whole command line when
/// it starts with an operation), and what the error must name.
#[test]
fn invalid_arguments_exit_2_with_the_reason() {
    let add = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["add", "--name", "seg", "--attribute-name", "uid"];
        args.extend_from_slice(extra);
        args
    };
    let create = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec![
            "create",
            "--name",
            "seg",
            "--attribute-name",
            "uid",
            "--file-url",
            URL,
        ];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        (
            "empty_name",
            vec!["add", "--name", "", "--attribute-name", "uid"],
            vec!["--name must not be empty"],
        ),
        (
            "blank_name",
            vec!["archive", "--name", "  "],
            vec!["--name must not be empty"],
        ),
        ("no_name", vec!["archive"], vec!["archive needs --name"]),
        (
            "relative_url",
            add(&["--file-url", "exports/seg.csv"]),
            vec!["--file-url", "exports/seg.csv", "not an absolute URL"],
        ),
        (
            "ftp_url",
            add(&["--file-url", "ftp://files.example.com/seg.csv"]),
            vec!["--file-url", "ftp", "not http or https"],
        ),
        (
            "url_without_host",
            add(&["--file-url", "https:///seg.csv"]),
            vec!["--file-url", "no host"],
        ),
        (
            "callback_url_without_host",
            add(&["--file-url", URL, "--callback-url", "http:callback"]),
            vec!["--callback-url", "no host"],
        ),
        (
            "bad_email",
            add(&["--file-url", URL, "--email", "ops@localhost"]),
            vec!["--email", "ops@localhost", "not an e-mail address"],
        ),
        (
            "two_ats",
            add(&["--file-url", URL, "--email", "a@b@c.com"]),
            vec!["a@b@c.com"],
        ),
        (
            "expiry_zero",
            create(&["--expiry-days", "0"]),
            vec!["--expiry-days", "at least 1"],
        ),
        (
            "expiry_fraction",
            create(&["--expiry-days", "1.5"]),
            vec!["--expiry-days", "not a whole number"],
        ),
        (
            "expiry_negative",
            create(&["--expiry-days=-3"]),
            vec!["--expiry-days", "not a whole number"],
        ),
        ("expiry_missing", create(&[]), vec!["create needs --expiry-days"]),
        (
            "expiry_for_add",
            add(&["--file-url", URL, "--expiry-days", "3"]),
            vec!["--expiry-days is not used by add"],
        ),
        (
            "unknown_dc",
            create(&["--expiry-days", "3", "--dc", "07"]),
            vec!["--dc", "07", "unknown data center", "101"],
        ),
        (
            "dc_without_zero",
            vec!["archive", "--name", "s", "--dc", "1"],
            vec!["unknown data center"],
        ),
        ("no_file_url", add(&[]), vec!["add needs --file-url"]),
        (
            "file_url_for_archive",
            vec!["archive", "--name", "seg", "--file-url", URL],
            vec!["--file-url is not used by archive"],
        ),
        (
            "segment_id_for_add",
            add(&["--file-url", URL, "--segment-id", "9"]),
            vec!["--segment-id is not used by add"],
        ),
    ];
    for (name, args, needles) in cases {
        let out = request(&format!("request_err_{name}"), &args);
        assert_error(&out, &needles);
    }
}

#[test]
fn unknown_operation_is_a_usage_error() {
    let out = request("request_unknown_op", &["delete", "--name", "seg"]);
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stdout.is_empty());
    assert!(out.stderr_text().contains("delete"), "{}", out.render());
}

/// `add` with every required option and these e-mails.
fn add_with_emails(name: &str, emails: &[&str]) -> Output {
    let mut args = vec!["add", "--name", "seg", "--attribute-name", "uid"];
    args.extend(["--file-url", URL]);
    for email in emails {
        args.extend(["--email", email]);
    }
    request(name, &args)
}

/// An e-mail passes exactly when the `email` id type would keep it
/// unchanged as a one-row file: no white space, no special character, no
/// line break. See: issue 19.
#[test]
fn r19_emails_pass_the_email_id_type_unchanged() {
    let cases = [
        ("newline", "a@x.com\n", "a@x.com\\n"),
        ("crlf", "a@x.com\r\n", "a@x.com\\r\\n"),
        ("tab", "a@x.com\t", "a@x.com\\t"),
        ("leading_space", " a@x.com", " a@x.com"),
        ("inner_space", "a b@x.com", "a b@x.com"),
        ("hash", "a#b@x.com", "a#b@x.com"),
        ("double_quotes", "\"a@x.com\"", "\\\"a@x.com\\\""),
        ("single_quote", "o'neil@x.com", "o\\'neil@x.com"),
        ("comma", "a@x.com,b@x.com", "a@x.com,b@x.com"),
        ("escape", "a@x.com\u{1b}[2K", "a@x.com\\u{1b}[2K"),
        ("bom", "\u{feff}a@x.com", "\\u{feff}a@x.com"),
    ];
    for (name, email, shown) in cases {
        let out = add_with_emails(&format!("request_email_{name}"), &[email]);
        assert_error(
            &out,
            &[&format!("--email '{shown}'"), "not an e-mail address"],
        );
        assert!(!out.stderr.contains(&0x1b), "{}", out.render());
    }
    // The reason is the engine's own finding.
    let out = add_with_emails("request_email_reason", &["a#b@x.com"]);
    assert_error(&out, &["special-char", "value has '#'"]);
    let out = add_with_emails("request_email_format", &["ops@localhost"]);
    assert_error(&out, &["bad-format"]);

    let good = ["Ops@Example.com", "first.last+tag@mail.example.co.uk"];
    let out = add_with_emails("request_email_good", &good);
    assert_eq!(body(&out)["emails"], json!(good));
}

/// `--expiry-days` stops at 2^53 - 1, the largest whole number a JSON
/// reader that uses doubles holds exactly. See: issue 19.
#[test]
fn r19_expiry_days_fit_a_json_number_exactly() {
    let create = |name: &str, days: &str| {
        request(
            name,
            &[
                "create",
                "--name",
                "seg",
                "--attribute-name",
                "uid",
                "--file-url",
                URL,
                "--expiry-days",
                days,
            ],
        )
    };
    let out = create("request_expiry_max", "9007199254740991");
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(
        out.stdout_text().contains("\"expiry_time\": 9007199254740991\n"),
        "{}",
        out.render()
    );
    for days in ["9007199254740992", "18446744073709551615"] {
        let out = create(&format!("request_expiry_{days}"), days);
        assert_error(
            &out,
            &[&format!("--expiry-days '{days}'"), "at most 9007199254740991"],
        );
    }
    let out = create("request_expiry_overflow", "99999999999999999999999");
    assert_error(&out, &["--expiry-days", "at most 9007199254740991"]);
}
