//! Adversarial import files: an entity bomb, 100,000-deep JSON nesting in every JSON format,
//! and files too large to read. Each fails fast, with bounded memory and an exact message.

use std::path::Path;

use talksearch::Error;
use talksearch::ingest::{self, Format, MAX_FILE_BYTES, ReadOptions, Source};

use crate::util::{stderr, talksearch};

/// The import of `text` (labelled `label`) as `format`: its error message.
fn import_error(label: &str, text: String, format: Format) -> String {
    let source = Source::Text { label: label.into(), text };
    let opts = ReadOptions { format: Some(format), ..ReadOptions::default() };
    match ingest::read_sources(&[source], opts) {
        Ok(import) => panic!("{label}: imported {} talks", import.talks.len()),
        Err(e) => e.to_string(),
    }
}

const DEPTH: usize = 100_000;

#[test]
fn billion_laughs_is_refused_without_expanding_anything() {
    let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE schedule [\n <!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        bomb.push_str(&format!(" <!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    bomb.push_str("]>\n<schedule><conference><title>&lol9;</title></conference></schedule>\n");
    assert_eq!(
        import_error("bomb.xml", bomb, Format::FrabXml),
        "bomb.xml:2: DOCTYPE declares entities: entity declarations are not accepted (and never expanded)"
    );
    // An undeclared entity (the bomb's payload without its DOCTYPE) is an error, not expanded.
    let payload = "<schedule><conference><title>&lol9;</title></conference></schedule>".to_string();
    assert_eq!(
        import_error("payload.xml", payload, Format::FrabXml),
        "payload.xml:1: entity &lol9; is not defined: only &amp; &lt; &gt; &quot; &apos; and character references are read"
    );
}

/// 100,000 levels of `open` around `1`.
fn deep(open: &str, close: &str) -> String {
    format!("{}1{}", open.repeat(DEPTH), close.repeat(DEPTH))
}

#[test]
fn deep_json_nesting_fails_fast_in_every_json_format() {
    // Where a record field is expected, the first wrong type ends parsing: no recursion.
    let refused = [
        ("deep.jsonl", Format::Jsonl, deep("[", "]"), "invalid type: sequence, expected a string (column 1)"),
        ("deep.json", Format::Json, deep("[", "]"), "invalid type: sequence, expected a string (column 1)"),
        (
            "title.jsonl",
            Format::Jsonl,
            format!("{{\"id\":\"a\",\"title\":{}}}", deep("[", "]")),
            "invalid type: sequence, expected a string (column 18)",
        ),
        (
            "speakers.jsonl",
            Format::Jsonl,
            format!("{{\"id\":\"a\",\"title\":\"t\",\"speakers\":{}}}", deep("[", "]")),
            "invalid type: sequence, expected a string (column 34)",
        ),
    ];
    for (label, format, text, expected) in refused {
        assert_eq!(import_error(label, text, format), format!("{label}:1: invalid JSON: {expected}"));
    }
    // Where any JSON value is read, serde_json's recursion limit (128) stops it.
    let title = format!("{{\"schedule\":{{\"conference\":{{\"title\":{}}}}}}}", deep("[", "]"));
    assert_eq!(
        import_error("title.json", title, Format::FrabJson),
        "title.json:1: invalid frab schedule JSON: recursion limit exceeded (column 160)"
    );
    let event = format!(
        "{{\"schedule\":{{\"conference\":{{\"title\":\"t\",\"days\":[{{\"rooms\":{{\"r\":[{}]}}}}]}}}}}}",
        deep("[", "]")
    );
    assert_eq!(
        import_error("event.json", event, Format::FrabJson),
        "event.json:1: expected an event object, found a list"
    );
    // An unknown field is skipped without recursion, however deep: the record is imported.
    for (format, text) in [
        (Format::Jsonl, format!("{{\"id\":\"a\",\"title\":\"t\",\"x\":{}}}", deep("{\"a\":", "}"))),
        (Format::Json, format!("[{{\"id\":\"a\",\"title\":\"t\",\"x\":{}}}]", deep("[", "]"))),
    ] {
        let source = Source::Text { label: "unknown".into(), text };
        let import = ingest::read_sources(&[source], ReadOptions { format: Some(format), ..ReadOptions::default() });
        assert_eq!(import.unwrap().talks.len(), 1, "{format:?}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.jsonl");
    // A sparse file: 3 GiB on paper, no disk and no memory used.
    std::fs::File::create(&path).unwrap().set_len(3 << 30).unwrap();
    let err = ingest::read_sources(&[Source::File(path.clone())], ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }));
    let expected = format!("{}: file too large: 3221225472 bytes, limit {MAX_FILE_BYTES}", path.display());
    assert_eq!(err.to_string(), expected);
    // The command line says the same and exits 3 (bad input), leaving no index behind.
    let idx = tmp.path().join("index");
    let out = talksearch(&["--index", &idx.display().to_string(), "index", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(!Path::new(&idx).join("CURRENT").exists());
}
