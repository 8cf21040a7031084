//! Tests of format detection and of reading sources: every format through `read_sources`.
use std::path::Path;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest").join(name)
}

fn error(sources: &[Source], opts: ReadOptions) -> String {
    read_sources(sources, opts).unwrap_err().to_string()
}

fn text(label: &str, text: &str) -> Source {
    Source::Text { label: label.into(), text: text.into() }
}

#[test]
fn duplicate_ids_are_reported_with_both_lines() {
    let a = text("a.jsonl", "{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"y\",\"title\":\"Two\"}\n");
    let b = text("b.jsonl", "\n{\"id\":\"x\",\"title\":\"Again\"}\n");
    let err = read_sources(&[a, b], ReadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "b.jsonl:2: field \"id\": duplicate id \"x\", first seen at a.jsonl:1");
}

#[test]
fn skip_invalid_keeps_the_valid_records() {
    let a = text("a.jsonl", "{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"y\"}\n{\"id\":\"x\",\"title\":\"Dup\"}\n");
    let import = read_sources(&[a], ReadOptions { skip_invalid: true, ..Default::default() }).unwrap();
    assert_eq!(import.talks.len(), 1);
    assert_eq!(import.rejected.len(), 2);
    assert_eq!(import.rejected[0].line, 2);
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, b"{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"\xff\"}\n").unwrap();
    let err = read_sources(&[Source::File(path)], ReadOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("bad.jsonl:2: invalid UTF-8 at byte 32: the file must be UTF-8 text"), "{err}");
}

#[test]
fn slugs_are_stable() {
    assert_eq!(slugify("How the PyPy JIT works"), "how-the-pypy-jit-works");
    assert_eq!(slugify("  Sharing is Caring: Posting!  "), "sharing-is-caring-posting");
    assert_eq!(slugify("PyCon US 2012"), "pycon-us-2012");
}

#[test]
fn formats_are_detected_by_name_then_content() {
    let detect = |name: &str, text: &str| Format::detect(Path::new(name), text);
    let lines = "{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\",\"title\":\"B\"}\n";
    let pretty_schedule = "{\n  \"schedule\": {\n    \"conference\": {}\n  }\n}\n";
    assert_eq!(detect("a.jsonl", "[]"), Format::Jsonl);
    assert_eq!(detect("a.NDJSON", lines), Format::Jsonl);
    assert_eq!(detect("a.json", lines), Format::Jsonl);
    assert_eq!(detect("a.json", "\u{feff}  \n[{\"id\":\"a\"}]"), Format::Json);
    assert_eq!(detect("a.json", pretty_schedule), Format::FrabJson);
    assert_eq!(detect("a.json", "{\"schedule\": {\"conference\": {}}}"), Format::FrabJson);
    assert_eq!(detect("a.json", "{\"$schema\": \"x\",\n \"schedule\": {}}"), Format::FrabJson);
    assert_eq!(
        detect("a.json", "{\n  \"schedule\": {\n"),
        Format::FrabJson,
        "truncated schedules still read as schedules"
    );
    assert_eq!(detect("a.json", "{\n  \"id\": \"a\",\n  \"title\": \"A\"\n}"), Format::Jsonl);
    assert_eq!(detect("a.json", ""), Format::Json, "an empty .json file is an error, not an empty import");
    assert_eq!(detect("schedule.XML", ""), Format::FrabXml);
    assert_eq!(detect("talks.csv", "anything"), Format::Csv);
    assert_eq!(detect("talks.txt", "id,title\n"), Format::Listing);
    assert_eq!(detect("-", "<?xml version='1.0'?><schedule/>"), Format::FrabXml);
    assert_eq!(detect("-", "[]"), Format::Json);
    assert_eq!(detect("-", pretty_schedule), Format::FrabJson);
    assert_eq!(detect("request body", lines), Format::Jsonl);
    assert_eq!(detect("export", "id,title,speakers\na,b,c\n"), Format::Csv);
    assert_eq!(detect("export", "Sessions at PyCon US 2012 on Saturday 10th March in E1\n"), Format::Listing);
}

#[test]
fn every_format_reads_through_read_sources() {
    let files = ["talks.json", "talks.csv"].map(|f| Source::File(fixture(f)));
    let at = |name: &str| fixture(name).display().to_string();
    let (json, csv) = (at("talks.json"), at("talks.csv"));
    assert_eq!(
        error(&files, ReadOptions::default()),
        format!(
            "{csv}:2: field \"id\": duplicate id \"pycon-us-2012/how-the-pypy-jit-works\", first seen at {json}:2\n\
             {csv}:5: field \"id\": duplicate id \"pycon-us-2012/why-pypy-by-example\", first seen at {json}:14"
        )
    );
    let import = read_sources(&files, ReadOptions { skip_invalid: true, ..Default::default() }).unwrap();
    assert_eq!((import.talks.len(), import.rejected.len()), (2, 2));

    let mapped = ReadOptions {
        map: vec![
            ("speakers".into(), "Presenter".into()),
            ("abstract".into(), "Description".into()),
            ("event".into(), "Conference".into()),
        ],
        ..Default::default()
    };
    let import = read_sources(&[Source::File(fixture("talks-mapped.csv"))], mapped).unwrap();
    assert_eq!(import.talks.len(), 3);
    assert_eq!(import.talks[0].speakers, ["Benjamin Peterson"]);
    let import = read_sources(&[Source::File(fixture("talks-mapped.csv"))], ReadOptions::default()).unwrap();
    assert_eq!(import.talks[0].id, "how-the-pypy-jit-works");

    let broken = at("broken.json");
    assert_eq!(
        error(&[Source::File(fixture("broken.json"))], ReadOptions::default()),
        format!(
            "{broken}:3: field \"speakers\": expected a list of strings, found a string\n\
             {broken}:4: field \"duration_s\": expected a non-negative whole number, found a string\n\
             {broken}:5: field \"id\": duplicate id \"a\", first seen at {broken}:2"
        )
    );
    let broken = at("broken.csv");
    assert!(
        error(&[Source::File(fixture("broken.csv"))], ReadOptions::default())
            .starts_with(&format!("{broken}:3: field \"duration_s\": \"abc\" is not a whole number\n"))
    );
}

#[test]
fn a_forced_format_overrides_detection() {
    let text = |label: &str, body: &str| Source::Text { label: label.into(), text: body.into() };
    let csv = text("talks.txt", "title,speakers\nOne,Ann\n");
    let import = read_sources(&[csv], ReadOptions { format: Some(Format::Csv), ..Default::default() }).unwrap();
    assert_eq!((import.talks[0].id.as_str(), import.talks[0].speakers.as_slice()), ("one", &["Ann".to_string()][..]));
    let lines = text("talks.json", "{\"id\":\"a\",\"title\":\"A\"}\n");
    let err = error(&[lines], ReadOptions { format: Some(Format::Json), ..Default::default() });
    assert_eq!(err, "talks.json:1: invalid JSON: invalid type: map, expected a JSON array of talk records");
}

#[test]
fn files_that_are_not_utf8_are_rejected_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("s.xml", &b"<schedule>\n<conference><title>Caf\xe9</title></conference></schedule>"[..]),
        ("t.csv", &b"id,title\na,Caf\xe9\n"[..]),
        ("t.json", &b"[\n{\"id\":\"a\",\"title\":\"Caf\xe9\"}]"[..]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = error(&[Source::File(path)], ReadOptions::default());
        assert!(err.contains(&format!("{name}:2: invalid UTF-8 at byte ")), "{err}");
    }
}

#[test]
fn json_lines_records_are_taken_as_they_are() {
    // No cleanup on JSON Lines: what was exported reads back byte-identical.
    let line = r#"{"id":"a","title":"*args and **kwargs","speakers":["A  B"],"abstract":"- one\n- two &amp; <b>three</b>","event":null,"date":null,"tags":[],"language":null,"url":null,"duration_s":null}"#;
    let import =
        read_sources(&[Source::Text { label: "a.jsonl".into(), text: format!("{line}\n") }], ReadOptions::default())
            .unwrap();
    assert_eq!(serde_json::to_string(&import.talks[0]).unwrap(), line);
}

#[test]
fn the_corpus_reads_quickly_and_unchanged() {
    let Some((path, text)) = corpus_fixture() else { return };
    assert_eq!(Format::detect(&path, &text), Format::Jsonl);
    let import = read_sources(&[Source::File(path)], ReadOptions::default()).unwrap();
    assert_eq!(import.talks.len(), 21_713);
    for (talk, line) in import.talks.iter().zip(text.lines()) {
        assert_eq!(serde_json::to_string(talk).unwrap(), line, "{}", talk.id);
    }
}

#[test]
fn reading_stops_one_byte_past_the_limit_whatever_the_file_claims() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.jsonl");
    std::fs::write(&small, "0123456789").unwrap();
    assert_eq!(read_file(&small, 10).unwrap().len(), 10);
    let err = read_file(&small, 9).unwrap_err().to_string();
    assert_eq!(err, format!("{}: file too large: 10 bytes, limit 9", small.display()));
    // A device reports no size and never ends: only limit + 1 bytes are read.
    if Path::new("/dev/zero").exists() {
        let err = read_file(Path::new("/dev/zero"), 1 << 20).unwrap_err().to_string();
        assert_eq!(err, "/dev/zero: file too large: more than 1048576 bytes, limit 1048576");
    }
}
