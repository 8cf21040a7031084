//! Tests of the JSON array importer.
use super::*;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/ingest/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn errors(p: &Parsed) -> Vec<String> {
    p.rejected.iter().map(ToString::to_string).collect()
}

#[test]
fn reads_records_at_the_lines_they_start_on_and_cleans_them() {
    let p = parse(&fixture("talks.json"), "talks.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 14]);
    let (jit, why) = (&p.records[0].talk, &p.records[1].talk);
    assert_eq!(jit.id, "pycon-us-2012/how-the-pypy-jit-works");
    assert_eq!(
        jit.r#abstract,
        "The Python community is abuzz about the major speed gains PyPy can offer.\n\nThis talk will discuss how the PyPy JIT is implemented & tested."
    );
    assert_eq!((jit.duration_s, jit.tags.as_slice()), (Some(1800), &["pypy".to_string(), "jit".to_string()][..]));
    assert_eq!(why.r#abstract, "One of the goals of PyPy is to make existing Python code faster.");
    assert_eq!(why.speakers, ["Alex Gaynor", "Maciej Fijalkowski"]);
}

#[test]
fn names_the_line_and_field_of_each_bad_record() {
    let p = parse(&fixture("broken.json"), "broken.json");
    assert_eq!(
        errors(&p),
        [
            "broken.json:3: field \"speakers\": expected a list of strings, found a string",
            "broken.json:4: field \"duration_s\": expected a non-negative whole number, found a string",
        ]
    );
    // Duplicate ids are found across all formats by `read_sources`.
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
}

#[test]
fn a_bom_crlf_and_one_line_arrays_are_read() {
    let crlf = format!("\u{feff}{}", fixture("talks.json").replace('\n', "\r\n"));
    let p = parse(&crlf, "crlf.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 14]);
    let p = parse(r#"[{"id":"a","title":"A"},{"id":"b","title":"B"}]"#, "one.json");
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 1]);
}

#[test]
fn empty_truncated_and_non_array_input_is_rejected() {
    assert_eq!(errors(&parse("", "e.json")), ["e.json:1: empty file"]);
    assert_eq!(errors(&parse("\u{feff}\r\n", "e.json")), ["e.json:1: empty file"]);
    let p = parse("[]", "none.json");
    assert_eq!((p.records.len(), p.rejected.len()), (0, 0));

    let text = fixture("talks.json");
    let cut = &text[..text.find("\"abstract\": \"One").unwrap()];
    let p = parse(cut, "cut.json");
    assert_eq!(p.records.len(), 1, "the records before the cut are kept");
    assert_eq!(errors(&p), ["cut.json:15: invalid JSON: EOF while parsing an object (column 3)"]);

    let p = parse("[\n{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\",\"title\":\"B\"}\n]", "comma.json");
    assert_eq!(errors(&p), ["comma.json:3: invalid JSON: expected `,` or `]` (column 1)"]);
    assert_eq!(
        errors(&parse("{\"id\":\"a\",\"title\":\"A\"}", "obj.json")),
        ["obj.json:1: invalid JSON: invalid type: map, expected a JSON array of talk records"]
    );
    assert_eq!(
        errors(&parse("[1, \"x\"]", "n.json")),
        ["n.json:1: expected a JSON object, found a number", "n.json:1: expected a JSON object, found a string"]
    );
    assert_eq!(
        errors(&parse("[{\"id\":\"a\",\"title\":\"A\"}] x", "t.json")),
        ["t.json:1: invalid JSON: trailing characters (column 26)"]
    );
}

#[test]
fn cleanup_can_empty_a_record() {
    let p = parse(r#"[{"id":"a","title":"<b></b>","abstract":"<p> </p>"}]"#, "c.json");
    assert_eq!(errors(&p), ["c.json:1: field \"title\": empty, and so is the abstract"]);
}

#[test]
fn a_huge_abstract_is_read() {
    let words = "lorem ipsum dolor sit ".repeat(10 * 1024 * 1024 / 22);
    let text =
        format!("[\n{{\"id\":\"a\",\"title\":\"A\",\"abstract\":\"{words}\"}},\n{{\"id\":\"b\",\"title\":\"B\"}}\n]");
    let p = parse(&text, "big.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    assert!(p.records[0].talk.r#abstract.len() > 10_000_000);
}
