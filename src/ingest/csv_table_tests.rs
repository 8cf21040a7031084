//! Tests of the CSV importer.
use super::*;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/ingest/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn errors(p: &Parsed) -> Vec<String> {
    p.rejected.iter().map(ToString::to_string).collect()
}

fn map(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect()
}

#[test]
fn reads_columns_named_after_the_fields() {
    let p = parse(&fixture("talks.csv"), "talks.csv", &[]);
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
    let (jit, why) = (&p.records[0].talk, &p.records[1].talk);
    assert_eq!(jit.id, "pycon-us-2012/how-the-pypy-jit-works");
    assert_eq!(
        jit.r#abstract,
        "The Python community is abuzz.\n\nThis talk will discuss how the PyPy JIT is implemented."
    );
    assert_eq!(
        (jit.tags.as_slice(), jit.url.as_deref(), jit.duration_s),
        (&["pypy".to_string(), "jit".to_string()][..], None, Some(1800))
    );
    assert_eq!(
        (jit.date.as_deref(), jit.language.as_deref(), jit.event.as_deref()),
        (Some("2012-03-10"), Some("eng"), Some("PyCon US 2012"))
    );
    assert_eq!(why.speakers, ["Alex Gaynor", "Maciej Fijalkowski", "Armin Rigo"]);
    assert_eq!(why.tags, ["pypy", "speed"]);
    assert_eq!(why.url.as_deref(), Some("https://example.org/v"));
}

#[test]
fn mapped_columns_and_derived_ids() {
    let columns =
        map(&[("speakers", "Presenter"), ("abstract", "Description"), ("event", "conference"), ("date", "Day")]);
    let p = parse(&fixture("talks-mapped.csv"), "mapped.csv", &columns);
    assert_eq!(errors(&p), Vec::<String>::new());
    let talks: Vec<&Talk> = p.records.iter().map(|r| &r.talk).collect();
    assert_eq!(
        talks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        [
            "pycon-us-2012/how-the-pypy-jit-works",
            "pycon-us-2012/why-pypy-by-example",
            "pycon-us-2012/how-the-pypy-jit-works-2"
        ]
    );
    assert_eq!(
        (talks[0].date.as_deref(), talks[0].r#abstract.as_str()),
        (Some("2012-03-10"), "The Python community is abuzz.")
    );
    assert_eq!(talks[1].speakers, ["Alex Gaynor", "Maciej Fijalkowski"]);
    assert_eq!((talks[1].r#abstract.as_str(), talks[2].date.as_deref()), ("", None));
}

#[test]
fn header_problems_reject_the_file() {
    let text = fixture("talks-mapped.csv");
    assert_eq!(
        errors(&parse(&text, "m.csv", &map(&[("abstract", "Summary")]))),
        ["m.csv:1: field \"abstract\": no column \"Summary\" in the header"]
    );
    assert_eq!(
        errors(&parse("name,speakers\nx,y\n", "t.csv", &[])),
        ["t.csv:1: field \"title\": no \"title\" column in the header (name one, or map one with --map title=COLUMN)"]
    );
    assert_eq!(errors(&parse("", "e.csv", &[])), ["e.csv:1: empty file"]);
    assert_eq!(errors(&parse("\u{feff}\r\n\r\n", "e.csv", &[])), ["e.csv:1: empty file"]);
    let header_only = parse("id,title\n", "h.csv", &[]);
    assert_eq!((header_only.records.len(), header_only.rejected.len()), (0, 0));
}

#[test]
fn bad_rows_are_rejected_at_their_line_naming_the_field() {
    let p = parse(&fixture("broken.csv"), "broken.csv", &[]);
    assert_eq!(
        errors(&p),
        [
            "broken.csv:3: field \"duration_s\": \"abc\" is not a whole number",
            "broken.csv:4: expected 4 cells as in the header, found 5 (a cell with a comma must be quoted)",
            "broken.csv:5: field \"date\": \"10/03/2012\" is not a date of the form YYYY-MM-DD",
            "broken.csv:6: field \"title\": empty, and so is the abstract",
        ]
    );
    assert_eq!(p.records.len(), 1);
}

#[test]
fn a_bom_crlf_and_a_truncated_quote_are_handled() {
    let crlf = format!("\u{feff}{}", fixture("talks.csv").replace('\n', "\r\n"));
    let p = parse(&crlf, "crlf.csv", &[]);
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
    assert_eq!(p.records[0].talk, parse(&fixture("talks.csv"), "talks.csv", &[]).records[0].talk);

    let text = fixture("talks.csv");
    let cut = &text[..text.find("This talk").unwrap()];
    let p = parse(cut, "cut.csv", &[]);
    assert_eq!(
        errors(&p),
        ["cut.csv:2: a quoted cell is not closed before the end of the file (is the file truncated?)"]
    );
}

#[test]
fn a_huge_abstract_is_read() {
    let words = "lorem ipsum, \"dolor\" sit ".repeat(10 * 1024 * 1024 / 25);
    let text = format!("id,title,abstract\na,A,\"{}\"\nb,B,x\n", words.replace('"', "\"\""));
    let p = parse(&text, "big.csv", &[]);
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    assert!(p.records[0].talk.r#abstract.starts_with("lorem ipsum, \"dolor\" sit lorem"));
}

#[test]
fn map_arguments_are_checked() {
    assert_eq!(parse_map("abstract=description"), Ok(("abstract".into(), "description".into())));
    assert_eq!(parse_map(" speakers = Presenter Name "), Ok(("speakers".into(), "Presenter Name".into())));
    assert!(parse_map("abstract").unwrap_err().starts_with("expected FIELD=COLUMN"));
    assert!(parse_map("summary=x").unwrap_err().starts_with("unknown field \"summary\": expected one of id, title,"));
    assert_eq!(parse_map("title="), Err("no column named for field \"title\"".into()));
}

#[test]
fn headers_are_recognised() {
    assert!(looks_like_header("id,title,speakers\n1,2,3"));
    assert!(looks_like_header("\u{feff}\"Title\",\"Speaker\""));
    assert!(!looks_like_header("Sessions at PyCon US 2012, title"));
    assert!(!looks_like_header("title"));
}
