//! The pipeline options, seen through `clean`: each case renders the
//! run (the clean file on standard output) and the rejects file as one
//! block.

use serde_json::json;

use crate::util::{check_json, eqjson, eqnice, Dir};

/// Cleans `input` with `args` to standard output, and appends the
/// rejects file to the rendered run.
fn clean(name: &str, input: &[u8], args: &[&str]) -> String {
    let dir = Dir::new(name);
    dir.create("in.csv", input);
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--rejects", "r.csv"])
        .args(args)
        .run();
    let render = out.render_without_summary();
    format!("{render}--- rejects\n{}", dir.read_text("r.csv"))
}

#[test]
fn double_numbers_in_canonical_form() {
    let input = b"007\n1.50\n1e3\n-0\n7\n1.0\n1\n+12\n.5\n1.\nnan\ninf\n\
        1e400\n1e-400\n9007199254740992\n9007199254740993\n\
        -9007199254740993\nabc\n";
    let got = clean("opt_double", input, &["--attribute-type", "double"]);
    eqnice!(
        "
exit_code: 0
--- stdout
7
1.5
1000
0
1
12
9007199254740992
--- stderr
--- rejects
line,rule,detail,raw
5,duplicate,same value as line 1,7
7,duplicate,same value as line 6,1
9,not-a-number,not a decimal number,.5
10,not-a-number,not a decimal number,1.
11,not-a-number,not a decimal number,nan
12,not-a-number,not a decimal number,inf
13,not-a-number,number overflows a double,1e400
14,duplicate,same value as line 4,1e-400
16,imprecise-number,integer above 2^53: a double would hold another number,9007199254740993
17,imprecise-number,integer above 2^53: a double would hold another number,-9007199254740993
18,not-a-number,not a decimal number,abc
",
        got
    );
}

#[test]
fn double_with_numeric_ids() {
    let args = ["--attribute-type", "double", "--id-type", "numeric"];
    let got = clean("opt_double_numeric", b"id\n007\n-5\n1.5\n12\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
7
12
--- stderr
--- rejects
line,rule,detail,raw
1,header,\"header row, not a value\",id
3,bad-format,not numeric: ASCII digits only,-5
4,bad-format,not numeric: ASCII digits only,1.5
",
        got
    );
}

#[test]
fn numeric_keeps_leading_zeros() {
    let got =
        clean("opt_numeric", b"007\n7\n0x7\n", &["--id-type", "numeric"]);
    eqnice!(
        "
exit_code: 0
--- stdout
007
7
--- stderr
--- rejects
line,rule,detail,raw
3,bad-format,not numeric: ASCII digits only,0x7
",
        got
    );
}

#[test]
fn email_lower_case() {
    let input = "John.Doe@Example.COM\njohn.doe@example.com\nÉA@X.COM\n\
        a@b\n@b.com\na@@b.com\na@b..com\nx@y.z\n";
    let args = ["--id-type", "email", "--case", "lower"];
    let got = clean("opt_email_lower", input.as_bytes(), &args);
    eqnice!(
        "
exit_code: 0
--- stdout
john.doe@example.com
Éa@x.com
x@y.z
--- stderr
--- rejects
line,rule,detail,raw
2,duplicate,same value as line 1,john.doe@example.com
4,bad-format,\"not an e-mail address: one @, a local part and a dotted domain\",a@b
5,bad-format,\"not an e-mail address: one @, a local part and a dotted domain\",@b.com
6,bad-format,\"not an e-mail address: one @, a local part and a dotted domain\",a@@b.com
7,bad-format,\"not an e-mail address: one @, a local part and a dotted domain\",a@b..com
",
        got
    );
}

#[test]
fn email_keeps_case_by_default() {
    let input = b"A@B.CO\na@b.co\n";
    let got = clean("opt_email_keep", input, &["--id-type", "email"]);
    eqnice!(
        "
exit_code: 0
--- stdout
A@B.CO
a@b.co
--- stderr
--- rejects
line,rule,detail,raw
",
        got
    );
}

#[test]
fn phone_formatting() {
    let input = b"+1 (555) 123-4567\n555.123.4567,\n15551234567\n\
        +15551234567\n123\n+1234567890123456\n12+34567\n555-CALL-NOW\n";
    let got = clean("opt_phone", input, &["--id-type", "phone"]);
    eqnice!(
        "
exit_code: 0
--- stdout
+15551234567
5551234567
15551234567
--- stderr
segprep: warning: 2 phone numbers have no country code (no leading +), so the platform may not match them; a default region writes them in E.164
--- rejects
line,rule,detail,raw
4,duplicate,same value as line 1,+15551234567
5,bad-format,not a phone number: optional + and 7 to 15 digits,123
6,bad-format,not a phone number: optional + and 7 to 15 digits,+1234567890123456
7,bad-format,not a phone number: optional + and 7 to 15 digits,12+34567
8,bad-format,not a phone number: optional + and 7 to 15 digits,555-CALL-NOW
",
        got
    );
}

const UUIDS: &[u8] = b"abcdef01-2345-6789-ABCD-ef0123456789\n\
    00000000-0000-0000-0000-000000000000\n\
    {abcdef01-2345-6789-abcd-ef0123456789}\n\
    abcdef0123456789abcdef0123456789\n";

#[test]
fn uuid_types_and_their_case() {
    let zero = "2,zero-ad-id,all-zero advertising id,\
                00000000-0000-0000-0000-000000000000\n";
    let tail = "3,bad-format,not a UUID: 8-4-4-4-12 hexadecimal digits,\
                {abcdef01-2345-6789-abcd-ef0123456789}
4,bad-format,not a UUID: 8-4-4-4-12 hexadecimal digits,\
abcdef0123456789abcdef0123456789
";
    let lower = "abcdef01-2345-6789-abcd-ef0123456789\n";
    let upper = "ABCDEF01-2345-6789-ABCD-EF0123456789\n";
    let mixed = "abcdef01-2345-6789-ABCD-ef0123456789\n";
    let zero_kept = "00000000-0000-0000-0000-000000000000\n";
    let cases: &[(&[&str], String, &str)] = &[
        (&["--id-type", "uuid"], format!("{lower}{zero_kept}"), ""),
        (&["--id-type", "gaid"], lower.to_string(), zero),
        (&["--id-type", "idfa"], upper.to_string(), zero),
        (&["--id-type", "gaid", "--case", "upper"], upper.to_string(), zero),
        (&["--id-type", "idfa", "--case", "keep"], mixed.to_string(), zero),
    ];
    for (args, clean_file, zero) in cases {
        let got = clean("opt_uuid", UUIDS, args);
        let want = format!(
            "exit_code: 0\n--- stdout\n{clean_file}--- stderr\n--- rejects\n\
             line,rule,detail,raw\n{zero}{tail}"
        );
        eqnice!(want, got);
    }
}

#[test]
fn header_yes_no_auto() {
    // (input, args, clean file, header line of the rejects file)
    let cases: &[(&str, &[&str], &str, &str)] = &[
        // A string id type has no automatic header, but for a name of
        // an id column (rule (c)).
        ("user_key\nabc\n", &[], "user_key\nabc\n", ""),
        ("user_id\nabc\n", &[], "abc\n", "user_id"),
        ("user_id\nabc\n", &["--header", "yes"], "abc\n", "user_id"),
        (
            "123\n456\n",
            &["--header", "yes", "--id-type", "numeric"],
            "456\n",
            "123",
        ),
        ("id\n456\n", &["--id-type", "numeric"], "456\n", "id"),
        (
            "#gaid\n38400000-8cf0-11bd-b23e-10b96e40000d\n",
            &["--id-type", "gaid"],
            "38400000-8cf0-11bd-b23e-10b96e40000d\n",
            "#gaid",
        ),
        ("amount\n1.5\n", &["--attribute-type", "double"], "1.5\n", "amount"),
        (
            "Phone\r\n+1 555 123 4567\r\n",
            &["--id-type", "phone"],
            "+15551234567\n",
            "Phone",
        ),
    ];
    for (input, args, clean_file, header) in cases {
        let got = clean("opt_header", input.as_bytes(), args);
        let header = match *header {
            "" => String::new(),
            h => format!("1,header,\"header row, not a value\",{h}\n"),
        };
        let want = format!(
            "exit_code: 0\n--- stdout\n{clean_file}--- stderr\n--- rejects\n\
             line,rule,detail,raw\n{header}"
        );
        eqnice!(want, got, "{input:?} {args:?}");
    }
}

#[test]
fn header_no_keeps_row_1_as_data() {
    let args = ["--header", "no", "--id-type", "numeric"];
    let got = clean("opt_header_no", b"id\n456\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
456
--- stderr
--- rejects
line,rule,detail,raw
1,bad-format,not numeric: ASCII digits only,id
",
        got
    );
}

#[test]
fn header_auto_needs_a_kept_row_2() {
    // Row 2 is rejected too, so row 1 is data.
    let args = ["--id-type", "numeric"];
    let got = clean("opt_header_auto_row2", b"key\nabc\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
--- stderr
--- rejects
line,rule,detail,raw
1,bad-format,not numeric: ASCII digits only,key
2,bad-format,not numeric: ASCII digits only,abc
",
        got
    );
    // No row 2 at all.
    let got = clean("opt_header_auto_no_row2", b"key\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
--- stderr
--- rejects
line,rule,detail,raw
1,bad-format,not numeric: ASCII digits only,key
",
        got
    );
}

#[test]
fn header_auto_only_for_special_char_bad_format_not_a_number() {
    let zero = b"00000000-0000-0000-0000-000000000000\n\
        38400000-8cf0-11bd-b23e-10b96e40000d\n";
    let got = clean("opt_header_auto_zero", zero, &["--id-type", "gaid"]);
    eqnice!(
        "
exit_code: 0
--- stdout
38400000-8cf0-11bd-b23e-10b96e40000d
--- stderr
--- rejects
line,rule,detail,raw
1,zero-ad-id,all-zero advertising id,00000000-0000-0000-0000-000000000000
",
        got
    );
    let args = ["--id-type", "numeric", "--max-value-len", "3"];
    let got = clean("opt_header_auto_too_long", b"1234\n123\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
123
--- stderr
--- rejects
line,rule,detail,raw
1,too-long,\"4 bytes, over the limit of 3\",1234
",
        got
    );
}

#[test]
fn attribute_name_marks_the_header() {
    let cases: &[(&[u8], &[&str], &str, &str)] = &[
        // Compared after step 5, ignoring ASCII case.
        (
            b" \"USER_ID\" ,\nabc\n",
            &["--attribute-name", "user_id"],
            "abc\n",
            "\" \"\"USER_ID\"\" ,\"",
        ),
        (
            b"\xEF\xBB\xBFUser_Id\r\nabc\n",
            &["--attribute-name", "user_ID"],
            "abc\n",
            "User_Id",
        ),
        // Even a row 1 that would be a valid value.
        (
            b"123\n456\n",
            &["--attribute-name", "123", "--id-type", "numeric"],
            "456\n",
            "123",
        ),
        // Another name: row 1 is data.
        (b"name\nabc\n", &["--attribute-name", "user_id"], "name\nabc\n", ""),
    ];
    for (input, args, clean_file, header) in cases {
        let got = clean("opt_attribute_name", input, args);
        let header = match *header {
            "" => String::new(),
            h => format!("1,header,\"header row, not a value\",{h}\n"),
        };
        let want = format!(
            "exit_code: 0\n--- stdout\n{clean_file}--- stderr\n--- rejects\n\
             line,rule,detail,raw\n{header}"
        );
        eqnice!(want, got, "{input:?} {args:?}");
    }
}

#[test]
fn header_in_stats_never_holds_the_bom() {
    let dir = Dir::new("opt_header_stats");
    dir.create("in.csv", b"\xEF\xBB\xBF\xFFid\r\nabc\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--header", "yes"])
        .args(&["--stats", "s.json"])
        .run();
    eqnice!("abc\n", out.stdout_text());
    let stats = dir.read_json("s.json");
    assert_eq!(stats["header"], "\u{FFFD}id");
    assert_eq!(stats["fixed"]["bom"], 1);
}

#[test]
fn the_special_characters() {
    let input = "a b\na\tb\na\"b\na'b\na#b\n\"a,b\"\na;b\na\\b\na|b\na<b\n\
        a>b\na`b\na\u{0}b\na\u{7f}b\na\u{a0}b\na\u{200b}b\na\u{feff}b\n\
        a\u{1b}b\na-b_c.d@e+f:g/h=i\nñandú\n";
    let got = clean("opt_special", input.as_bytes(), &[]);
    eqnice!(
        "
exit_code: 0
--- stdout
a-b_c.d@e+f:g/h=i
ñandú
--- stderr
--- rejects
line,rule,detail,raw
1,special-char,value has ' ',a b
2,special-char,value has '\\t',a\tb
3,special-char,\"value has '\"\"'\",\"a\"\"b\"
4,special-char,value has '\\'',a'b
5,special-char,value has '#',a#b
6,special-char,\"value has ','\",\"\"\"a,b\"\"\"
7,special-char,value has ';',a;b
8,special-char,value has '\\\\',a\\b
9,special-char,value has '|',a|b
10,special-char,value has '<',a<b
11,special-char,value has '>',a>b
12,special-char,value has '`',a`b
13,special-char,value has '\\0',a\u{0}b
14,special-char,value has '\\u{7f}',a\u{7f}b
15,special-char,value has '\\u{a0}',a\u{a0}b
16,special-char,value has '\\u{200b}',a\u{200b}b
17,special-char,value has '\\u{feff}',a\u{feff}b
18,special-char,value has '\\u{1b}',a\u{1b}b
",
        got
    );
}

#[test]
fn allow_and_deny_chars() {
    let input = "a#b\na;b\nxyz\ncafé\nab\na b\n";
    let args = ["--allow-chars", "#; ", "--deny-chars", ";xé"];
    let got = clean("opt_allow_deny", input.as_bytes(), &args);
    eqnice!(
        "
exit_code: 0
--- stdout
a#b
ab
a b
--- stderr
--- rejects
line,rule,detail,raw
2,special-char,value has ';',a;b
3,special-char,value has 'x',xyz
4,special-char,value has 'é',café
",
        got
    );
}

#[test]
fn ascii_only_wins_over_allow_chars() {
    let input = "café\nab\n\u{a0}cd\u{a0}\n";
    let args = ["--ascii-only", "--allow-chars", "é"];
    let got = clean("opt_ascii_only", input.as_bytes(), &args);
    eqnice!(
        "
exit_code: 0
--- stdout
ab
cd
--- stderr
--- rejects
line,rule,detail,raw
1,special-char,value has 'é',café
",
        got
    );
    // Without the flag, the same value is kept.
    let got = clean("opt_not_ascii_only", "café\n".as_bytes(), &[]);
    eqnice!(
        "
exit_code: 0
--- stdout
café
--- stderr
--- rejects
line,rule,detail,raw
",
        got
    );
}

#[test]
fn max_value_len() {
    let input = "abc\nabcd\n\"abc\"\n  abc  \nñañ\nñaññ\n";
    let got = clean(
        "opt_max_value_len",
        input.as_bytes(),
        &["--max-value-len", "6"],
    );
    eqnice!(
        "
exit_code: 0
--- stdout
abc
abcd
ñañ
--- stderr
--- rejects
line,rule,detail,raw
3,duplicate,same value as line 1,\"\"\"abc\"\"\"
4,duplicate,same value as line 1,  abc\x20\x20
6,too-long,\"7 bytes, over the limit of 6\",ñaññ
",
        got
    );
}

#[test]
fn max_value_len_is_measured_before_the_canonical_form() {
    let args = ["--attribute-type", "double", "--max-value-len", "3"];
    let got = clean("opt_max_value_len_double", b"1e3\n1000\n", &args);
    eqnice!(
        "
exit_code: 0
--- stdout
1000
--- stderr
--- rejects
line,rule,detail,raw
2,too-long,\"4 bytes, over the limit of 3\",1000
",
        got
    );
}

#[test]
fn doubled_quote_is_one_quote() {
    let input = b"\"a\"\"b\"\n\"\"\"\"\n";
    let got = clean("opt_doubled_quote", input, &["--allow-chars", "\""]);
    eqnice!(
        "
exit_code: 0
--- stdout
a\"b
\"
--- stderr
segprep: warning: 1 value holds a comma, a leading quote, white space at either end or a final CR that --allow-chars let through: as lines of the clean file they read back as other values, split, unquoted or trimmed
--- rejects
line,rule,detail,raw
",
        got
    );
}

#[test]
fn ascii_only_wins_over_allowed_specials() {
    let input = "a\u{a0}b\na b\n";
    let args = ["--ascii-only", "--allow-chars", "\u{a0} "];
    let got = clean("opt_ascii_only_specials", input.as_bytes(), &args);
    eqnice!(
        "
exit_code: 0
--- stdout
a b
--- stderr
--- rejects
line,rule,detail,raw
1,special-char,value has '\\u{a0}',a\u{a0}b
",
        got
    );
}

#[test]
fn allowed_csv_syntax_that_would_not_read_back_warns() {
    let dir = Dir::new("opt_unreadable");
    // Two values that --allow-chars lets through but a CSV reader would
    // give back as something else; `a"b` reads back as itself.
    dir.create("in.csv", "\"a,b\"\n\"\"\"x\"\na\"b\nplain\n");
    let args = ["--allow-chars", ",\""];
    let mut cmd = dir.cmd(&["clean", "in.csv", "-o", "out.csv", "--stats"]);
    let out = cmd.args(&["stats.json"]).args(&args).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(dir.read_text("out.csv"), "a,b\n\"x\na\"b\nplain\n");
    let stats = dir.read_json("stats.json");
    let warnings = stats["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().expect("a string");
    assert_eq!(
        warning,
        "2 values hold a comma, a leading quote, white space at either end \
         or a final CR that --allow-chars let through: as lines of the \
         clean file they read back as other values, split, unquoted or \
         trimmed"
    );

    // The clean file, checked with the same options, shows why.
    let json = check_json(&dir, "out.csv", &args, 1);
    eqjson!(json!({"multi-column": 1, "bad-quoting": 1}), json["rejected"]);

    // Without such values there is no warning.
    dir.create("ok.csv", "a\"b\nplain\n");
    let json = check_json(&dir, "ok.csv", &args, 0);
    eqjson!(json!([]), json["warnings"]);
}

/// Header `auto` with `--attribute-type double`: a row 1 rejected as
/// `imprecise-number` is not one of the rejects that make a header
/// (`special-char`, `bad-format`, `not-a-number`), so it stays data.
#[test]
fn imprecise_number_in_row_1_is_not_a_header() {
    let input = b"9007199254740993\n1\n";
    let args = ["--attribute-type", "double"];
    let got = clean("opt_imprecise_not_header", input, &args);
    eqnice!(
        "
exit_code: 0
--- stdout
1
--- stderr
--- rejects
line,rule,detail,raw
1,imprecise-number,integer above 2^53: a double would hold another number,9007199254740993
",
        got
    );

    let dir = Dir::new("opt_imprecise_not_header_check");
    dir.create("in.csv", input);
    let json = check_json(&dir, "in.csv", &args, 1);
    assert_eq!(json["header"], serde_json::Value::Null);
    eqjson!(json!({"imprecise-number": 1}), json["rejected"]);
    assert_eq!(json["values_found"], 2);
    assert_eq!(json["values_processed"], 1);
}
