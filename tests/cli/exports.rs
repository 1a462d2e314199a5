//! Files as real tools export them: Excel's "CSV UTF-8", European
//! `;`-separated exports, tab-separated dumps, phone numbers typed by
//! people. Each test writes the file the way the tool does.

use crate::util::{assert_balanced, assert_error, eqnice, Dir};

/// Runs `clean` on `input` with `args`; renders the outcome, the rejects
/// file and the statistics' counts (JSON keys in byte order).
fn clean(name: &str, input: &[u8], args: &[&str]) -> String {
    let dir = Dir::new(name);
    dir.create("in.csv", input);
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--rejects", "r.csv"])
        .args(&["--stats", "s.json"])
        .args(args)
        .run();
    let stats = dir.read_json("s.json");
    assert_balanced(&stats);
    format!(
        "{}--- rejects\n{}--- counts\nrejected {}\nfixed {}\n",
        out.render_without_summary(),
        dir.read_text("r.csv"),
        stats["rejected"],
        stats["fixed"],
    )
}

/// Excel's "CSV UTF-8 (Comma delimited)": a BOM, CRLF line ends, the
/// header, and long ids as Excel shows them once it took them for
/// numbers.
const EXCEL: &[u8] = b"\xEF\xBB\xBFuser_id\r\n\
    441234567890\r\n\
    4.41E+11\r\n\
    12345.0\r\n\
    12345\r\n\
    1.23457E+17\r\n\
    00789\r\n";

#[test]
fn excel_csv_utf8_export_of_numeric_ids() {
    let got = clean("exports_excel", EXCEL, &["--id-type", "numeric"]);
    eqnice!(
        r#"
exit_code: 0
--- stdout
441234567890
12345
00789
--- stderr
--- rejects
line,rule,detail,raw
1,header,"header row, not a value",user_id
3,excel-scientific,scientific notation from a spreadsheet: the digits are lost; export the column as text,4.41E+11
5,duplicate,same value as line 4,12345
6,excel-scientific,scientific notation from a spreadsheet: the digits are lost; export the column as text,1.23457E+17
--- counts
rejected {"excel-scientific":2}
fixed {"bom":1,"crlf":3,"excel-decimal":1}
"#,
        got
    );
}

#[test]
fn excel_csv_utf8_export_of_string_ids() {
    // Strings keep `12345.0` as it is, but scientific notation is still
    // a number whose digits are gone.
    let got = clean("exports_excel_string", EXCEL, &[]);
    eqnice!(
        r#"
exit_code: 0
--- stdout
441234567890
12345.0
12345
00789
--- stderr
--- rejects
line,rule,detail,raw
1,header,"header row, not a value",user_id
3,excel-scientific,scientific notation from a spreadsheet: the digits are lost; export the column as text,4.41E+11
6,excel-scientific,scientific notation from a spreadsheet: the digits are lost; export the column as text,1.23457E+17
--- counts
rejected {"excel-scientific":2}
fixed {"bom":1,"crlf":4}
"#,
        got
    );
    // With attribute type double it is a number like any other.
    let double = ["--attribute-type", "double"];
    let got = clean("exports_excel_double", EXCEL, &double);
    assert!(got.contains("\n441000000000\n"), "{got}");
    assert!(!got.contains("excel-scientific"), "{got}");
}

#[test]
fn excel_check_says_what_to_do() {
    let dir = Dir::new("exports_excel_check");
    dir.create("users.csv", EXCEL);
    let out = dir.cmd(&["check", "users.csv", "--id-type", "numeric"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
users.csv:1: header header row, not a value: "user_id"
users.csv:2: crlf CR before LF removed: "441234567890"
users.csv:3: excel-scientific scientific notation from a spreadsheet: the digits are lost; export the column as text: "4.41E+11"
users.csv:4: crlf CR before LF removed: "12345.0"
users.csv:4: excel-decimal a spreadsheet's trailing .0 removed: "12345.0"
users.csv:5: duplicate same value as line 4: "12345"
users.csv:6: excel-scientific scientific notation from a spreadsheet: the digits are lost; export the column as text: "1.23457E+17"
users.csv:7: crlf CR before LF removed: "00789"

users.csv: 7 rows (values_found), 3 values to upload (values_processed)
  rule                   rows first line  what to do
  bom                       1          -  clean removes the byte order mark
  crlf                      3          2  clean removes the CR of Windows line ends
  excel-decimal             1          4  clean removes the .0 a spreadsheet added to the number
  header                    1          1  row 1 is a header, not a value: clean drops it
  excel-scientific          2          3  a spreadsheet wrote the number as 4.41E+11: export the column as text
  duplicate                 1          5  clean keeps the first occurrence
not ready to upload: 4 rows would be dropped, values need fixing; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

/// A German CRM export: `;`-separated, quoted fields, a decimal comma,
/// a short row and a blank line at the end.
const EUROPEAN: &str = "Kundennummer;Name;E-Mail;Umsatz\r\n\
    10001;\"Müller; Hans\";hans.mueller@example.de;12,50\r\n\
    10002;Zoë Weiß; ZOE@example.de ;0,00\r\n\
    10003;\"Ölmann\";\"\";3,10\r\n\
    10004;kurz\r\n\
    10005;\"Kaputt;x@example.de;1,00\r\n\
    10006;Hans;hans.mueller@example.de;9,99\r\n\
    \r\n";

#[test]
fn european_export_column_by_name() {
    let args =
        ["--column", "e-mail", "--delimiter", ";", "--id-type", "email"];
    let got = clean("exports_eu_name", EUROPEAN.as_bytes(), &args);
    eqnice!(
        r#"
exit_code: 0
--- stdout
hans.mueller@example.de
ZOE@example.de
--- stderr
--- rejects
line,rule,detail,raw
1,header,"header row, not a value",Kundennummer;Name;E-Mail;Umsatz
4,empty-row,no value in the row,"10003;""Ölmann"";"""";3,10"
5,missing-column,"2 fields, no column 3",10004;kurz
6,bad-quoting,quoted field is not closed,"10005;""Kaputt;x@example.de;1,00"
7,duplicate,same value as line 2,"10006;Hans;hans.mueller@example.de;9,99"
8,empty-row,no value in the row,
--- counts
rejected {"bad-quoting":1,"empty-row":2,"missing-column":1}
fixed {"crlf":2,"whitespace":1}
"#,
        got
    );
}

#[test]
fn european_export_column_by_number_and_auto_delimiter() {
    let by_name = clean(
        "exports_eu_auto_name",
        EUROPEAN.as_bytes(),
        &["--column", "E-MAIL", "--delimiter", "auto", "--id-type", "email"],
    );
    // Column 3 with header auto: row 1 `E-Mail` names an id column.
    let by_number = clean(
        "exports_eu_auto_number",
        EUROPEAN.as_bytes(),
        &["--column", "3", "--delimiter", "auto", "--id-type", "email"],
    );
    assert_eq!(by_name, by_number);
    assert!(by_name.starts_with(
        "exit_code: 0\n--- stdout\nhans.mueller@example.de\nZOE@example.de\n"
    ));
}

#[test]
fn a_column_name_the_header_lacks_is_an_error() {
    let dir = Dir::new("exports_no_such_column");
    dir.create("eu.csv", EUROPEAN);
    let commands: [&[&str]; 2] =
        [&["check", "eu.csv"], &["clean", "eu.csv", "-o", "out.csv"]];
    for command in commands {
        let out = dir
            .cmd(command)
            .args(&["--column", "user_id", "--delimiter", ";"])
            .run();
        assert_error(
            &out,
            &["eu.csv: column 'user_id' is not in the header (fields: \
                 Kundennummer, Name, E-Mail, Umsatz)"],
        );
    }
    assert!(!dir.exists("out.csv"));
}

#[test]
fn tab_separated_dump() {
    // A warehouse dump: id, then a tab, then an e-mail; an empty first
    // field still counts as a field.
    let input = b"id\temail\n1\ta@example.com\n\tb@example.com\n3\n\
        4\t \"c@example.com\" \n";
    let got =
        clean("exports_tab", input, &["--delimiter", "tab", "--column", "2"]);
    eqnice!(
        r#"
exit_code: 0
--- stdout
a@example.com
b@example.com
c@example.com
--- stderr
--- rejects
line,rule,detail,raw
1,header,"header row, not a value",id	email
4,missing-column,"1 fields, no column 2",3
--- counts
rejected {"missing-column":1}
fixed {"quoted":1,"whitespace":1}
"#,
        got
    );
    // A fix's finding shows the whole row, not the picked field.
    let dir = Dir::new("exports_tab_check");
    dir.create("dump.tsv", input);
    let out = dir
        .cmd(&["check", "dump.tsv", "--delimiter", "tab", "--column", "2"])
        .args(&["--format", "json"])
        .run();
    let fixes: Vec<String> = out.json()["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["kind"] == "fix")
        .map(|d| format!("{} {} {}", d["line"], d["rule"], d["raw"]))
        .collect();
    assert_eq!(
        fixes,
        [
            r#"5 "whitespace" "4\t \"c@example.com\" ""#,
            r#"5 "quoted" "4\t \"c@example.com\" ""#,
        ]
    );
}

#[test]
fn delimited_rows_get_a_delimiter_hint() {
    let dir = Dir::new("exports_hints");
    dir.create("tab.csv", "u1\tAnna\nu2\tBert\nu3\tCara\n");
    dir.create("semi.csv", "u1;Anna\nu2;Bert\n");
    dir.create("comma.csv", "u1,Anna\nu2,Bert\n");
    dir.create("hash.csv", "u#1\nu#2\n");
    let summary = |file: &str| {
        let out = dir.cmd(&["check", file, "--max-diagnostics", "1"]).run();
        assert_eq!(out.code(), 1, "{}", out.render());
        out.stdout_text()
    };
    let tab = summary("tab.csv");
    assert!(
        tab.contains(
            "special-char              3          1  values hold '\\t': pick \
             one column with --delimiter tab --column N|NAME"
        ),
        "{tab}"
    );
    let semi = summary("semi.csv");
    assert!(semi.contains("--delimiter ; --column N|NAME"), "{semi}");
    assert!(!semi.contains("--allow-chars"), "{semi}");
    let comma = summary("comma.csv");
    assert!(
        comma.contains(
            "multi-column              2          1  more than one \
             column: pick one with --column N|NAME"
        ),
        "{comma}"
    );
    // A character that separates nothing keeps the usual hint.
    let hash = summary("hash.csv");
    assert!(hash.contains("(--allow-chars to keep)"), "{hash}");
    // The hinted options do pick the column.
    let out = dir
        .cmd(&["clean", "tab.csv", "-o", "-", "--delimiter", "tab"])
        .args(&["--column", "1", "-q"])
        .run();
    eqnice!(
        "exit_code: 0\n--- stdout\nu1\nu2\nu3\n--- stderr\n",
        out.render()
    );
}

/// One US number in the spellings people type it in, and as Excel
/// writes it once it took it for a number.
const US_SPELLINGS: &str = "Phone Number\n\
    +1 (650) 253-0000\n\
    650.253.0000\n\
    1 650 253 0000\n\
    00 1 650 253 0000\n\
    (650) 253-0000\n\
    6502530000.0\n\
    +44 20 7031 3000\n\
    011 44 20 7031 3000\n\
    650 253 000\n\
    +1 (555) 123-4567\n";

#[test]
fn phone_spellings_are_one_value_with_a_default_region() {
    let args = ["--id-type", "phone", "--default-region", "US"];
    let got = clean("exports_phone_us", US_SPELLINGS.as_bytes(), &args);
    eqnice!(
        r#"
exit_code: 0
--- stdout
+16502530000
+442070313000
--- stderr
--- rejects
line,rule,detail,raw
1,header,"header row, not a value",Phone Number
3,duplicate,same value as line 2,650.253.0000
4,duplicate,same value as line 2,1 650 253 0000
5,duplicate,same value as line 2,00 1 650 253 0000
6,duplicate,same value as line 2,(650) 253-0000
7,duplicate,same value as line 2,6502530000.0
9,duplicate,same value as line 8,011 44 20 7031 3000
10,bad-format,not a valid phone number of its country,650 253 000
11,bad-format,not a valid phone number of its country,+1 (555) 123-4567
--- counts
rejected {"bad-format":2}
fixed {"phone-format":2}
"#,
        got
    );
}

#[test]
fn phone_numbers_without_a_region() {
    let input = "+1 (555) 123-4567\n555.123.4567\n1 555 123 4567\n\
        00 1 555 123 4567\n5551234567.0\n";
    let got = clean(
        "exports_phone_plain",
        input.as_bytes(),
        &["--id-type", "phone"],
    );
    // `00` is `+`; `5551234567.0` loses Excel's `.0`, never becoming
    // 55512345670.
    eqnice!(
        r#"
exit_code: 0
--- stdout
+15551234567
5551234567
15551234567
--- stderr
segprep: warning: 2 phone numbers have no country code (no leading +), so the platform may not match them; a default region writes them in E.164
--- rejects
line,rule,detail,raw
4,duplicate,same value as line 1,00 1 555 123 4567
5,duplicate,same value as line 2,5551234567.0
--- counts
rejected {}
fixed {"phone-format":3}
"#,
        got
    );
    let dir = Dir::new("exports_phone_check");
    dir.create("p.csv", input);
    let out = dir.cmd(&["check", "p.csv", "--id-type", "phone"]).run();
    let text = out.stdout_text();
    assert!(
        text.contains(
            "  warning: 2 phone numbers have no country code (no leading +), \
             so the platform may not match them; a default region writes \
             them in E.164\n    give --default-region CC (such as US) to \
             write them as +<country code><number>\n"
        ),
        "{text}"
    );
}

#[test]
fn bad_export_options_are_errors() {
    let dir = Dir::new("exports_bad_options");
    dir.create("in.csv", "a\n");
    let cases: &[(&[&str], &str)] = &[
        (&["--column", "0"], "columns are numbered from 1"),
        (&["--delimiter", "\""], "the delimiter cannot be '\"'"),
        (&["--delimiter", "ab"], "unknown delimiter 'ab'"),
        (
            &["--column", "user_id", "--header", "no"],
            "a column name needs row 1 as the header",
        ),
        (
            &["--default-region", "US"],
            "a default region needs id type phone, not string",
        ),
        (
            &["--id-type", "phone", "--default-region", "XX"],
            "unknown region 'XX'",
        ),
    ];
    for (args, needle) in cases {
        let out = dir.cmd(&["check", "in.csv"]).args(args).run();
        assert_eq!(out.code(), 2, "{args:?}\n{}", out.render());
        assert!(out.stdout.is_empty(), "{args:?}\n{}", out.render());
        assert!(
            out.stderr_text().contains(needle),
            "{args:?}\n{}",
            out.render()
        );
    }
}

#[test]
fn a_header_row_that_names_an_id_column_is_dropped() {
    for header in ["email", "E-Mail Address", "\"User ID\"", "customer_id"] {
        let input = format!("{header}\na@example.com\n");
        let got = clean("exports_header_words", input.as_bytes(), &[]);
        assert!(
            got.starts_with("exit_code: 0\n--- stdout\na@example.com\n"),
            "{header}: {got}"
        );
        assert!(got.contains("1,header,"), "{header}: {got}");
    }
    let got =
        clean("exports_header_words_no", b"emails\na@example.com\n", &[]);
    assert!(got.starts_with("exit_code: 0\n--- stdout\nemails\n"), "{got}");
}
