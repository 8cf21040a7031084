//! Tests of the pyvideo data tree importer: the hand-written fixture trees under
//! `tests/fixtures/pyvideo/`, the text rules, and agreement with the corpus made from the real tree.
use std::path::Path;

use super::*;
use crate::ingest::{Format, ReadOptions, Source, read_sources};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pyvideo").join(name)
}

fn read(path: PathBuf, opts: ReadOptions) -> crate::Result<crate::ingest::Import> {
    read_sources(&[Source::File(path)], opts)
}

fn json(talk: &Talk) -> String {
    serde_json::to_string(talk).unwrap()
}

/// The corpus record of the fixture's one real talk, as `talks.jsonl` has it.
const PYPY_RECORD: &str = r#"{"id":"pycon-us-2012/how-the-pypy-jit-works","title":"How the PyPy JIT works","speakers":["Benjamin Peterson"],"abstract":"The Python community is abuzz about the major speed gains PyPy can offer pure Python code. But how does PyPy JIT actually work? This talk will discuss how the PyPy JIT is implemented. It will include descriptions of the tracing, optimization, and assembly generation phases. I will demonstrate each step with a example loop.","event":"PyCon US 2012","date":"2012-03-10","tags":[],"language":"eng","url":"https://www.youtube.com/watch?v=NIcijUt-HlE","duration_s":null}"#;

#[test]
fn reads_the_fixture_tree_in_id_order_leaving_out_no_publish_videos() {
    let import = read(fixture("tree"), ReadOptions::default()).unwrap();
    let ids: Vec<&str> = import.talks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "kiwi-pycon-2031/async-sheep-herding",
            "kiwi-pycon-2031/lightning-talks-day-1",
            "pycon-us-2012/how-the-pypy-jit-works",
            "pyday-atlantis-2030/unicode-in-the-deep",
        ]
    );
    let [sheep, lightning, pypy, unicode] = &import.talks[..] else { unreachable!() };
    assert_eq!(json(pypy), PYPY_RECORD);
    assert_eq!(
        json(sheep),
        r#"{"id":"kiwi-pycon-2031/async-sheep-herding","title":"Async sheep herding","speakers":["Aroha Ngata","Tom Baker"],"abstract":"Herding sheep with asyncio & a Raspberry Pi: what the flock taught us about back-pressure.\n\nWe cover:\n\n- event loops\n- cancellation and timeouts\n\nBring your own gumboots.","event":"Kiwi PyCon 2031","date":"2031-09-14","tags":["asyncio","hardware"],"language":"eng","url":"https://example.org/media/kiwi-pycon-2031/sheep.mp4","duration_s":1834}"#
    );
    assert_eq!(
        json(lightning),
        r#"{"id":"kiwi-pycon-2031/lightning-talks-day-1","title":"Lightning talks, day 1","speakers":[],"abstract":"Five minutes each:\n1. Packaging a haka\n2. Tuatara-speed Python and more.","event":"Kiwi PyCon 2031","date":null,"tags":[],"language":null,"url":"https://www.youtube.com/watch?v=lightning01","duration_s":null}"#
    );
    assert_eq!(unicode.title, "Unicode in the déep");
    assert_eq!(unicode.speakers, ["Marie Curie-Dupont"]);
    assert_eq!(unicode.date.as_deref(), Some("2030-05-01"), "the time after the date is dropped");
    assert_eq!(unicode.r#abstract, "Cafés, naïve bytes and “smart” quotes: how Python 3 reads what divers wrote down.");
    assert_eq!((unicode.duration_s, unicode.language.as_deref()), (Some(2700), Some("fra")));
}

#[test]
fn one_event_directory_reads_alone_with_the_same_ids() {
    let import = read(fixture("tree/kiwi-pycon-2031"), ReadOptions::default()).unwrap();
    let ids: Vec<&str> = import.talks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["kiwi-pycon-2031/async-sheep-herding", "kiwi-pycon-2031/lightning-talks-day-1"]);
    let forced = ReadOptions { format: Some(Format::Pyvideo), ..Default::default() };
    assert_eq!(read(fixture("tree/kiwi-pycon-2031"), forced).unwrap().talks.len(), 2);
}

#[test]
fn the_broken_tree_names_each_file_line_and_field() {
    let root = fixture("broken");
    let at = |rel: &str| root.join(rel).display().to_string();
    let err = read(root.clone(), ReadOptions::default()).unwrap_err().to_string();
    let expected = [
        format!(
            "{}:3: field \"title\": expected a string, found a number; the event's videos were not read",
            at("bad-category-2022/category.json")
        ),
        format!(
            "{}: missing: every event directory needs one, with the event's \"title\"; the event's videos \
             were not read",
            at("no-category-2021/category.json")
        ),
        format!(
            "{}:3: field \"recorded\": \"2021-02-29\" is not a date of the form YYYY-MM-DD",
            at("good-conf-2020/videos/bad-date.json")
        ),
        format!("{}:1: field \"title\": missing", at("good-conf-2020/videos/no-title.json")),
        format!(
            "{}:3: field \"speakers\": expected a list of strings, found a string",
            at("good-conf-2020/videos/speakers-string.json")
        ),
        format!(
            "{}:3: invalid JSON: EOF while parsing a string (column 55)",
            at("good-conf-2020/videos/truncated.json")
        ),
        format!(
            "{}:3: field \"videos\": expected a list of {{\"type\", \"url\"}} objects, found an object",
            at("good-conf-2020/videos/videos-object.json")
        ),
        format!(
            "{}:3: field \"duration\": expected a non-negative whole number of seconds, found a string (\"45:00\")",
            at("good-conf-2020/videos/wrong-duration.json")
        ),
    ];
    assert_eq!(err.lines().collect::<Vec<_>>(), expected);

    let import = read(root, ReadOptions { skip_invalid: true, ..Default::default() }).unwrap();
    assert_eq!(import.talks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["good-conf-2020/fine"]);
    assert_eq!(import.rejected.len(), expected.len());
}

#[test]
fn directories_that_are_not_trees_and_files_forced_to_pyvideo_are_rejected() {
    let empty = tempfile::tempdir().unwrap();
    let err = read(empty.path().to_path_buf(), ReadOptions::default()).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: not a pyvideo data tree: no event directory (<event>/category.json and <event>/videos/*.json) in it",
            empty.path().display()
        )
    );
    let forced = ReadOptions { format: Some(Format::Jsonl), ..Default::default() };
    let err = read(fixture("tree"), forced).unwrap_err().to_string();
    assert!(err.ends_with("tree: is a directory: only --format pyvideo reads directories"), "{err}");
    let file = fixture("tree/NO_PUBLISH.json");
    let forced = ReadOptions { format: Some(Format::Pyvideo), ..Default::default() };
    let err = read(file.clone(), forced).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: --format pyvideo reads a directory (a pyvideo/data checkout, or one event directory of it), not a file",
            file.display()
        )
    );
}

#[test]
fn a_bad_no_publish_list_and_an_empty_title_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("conf-2020");
    std::fs::create_dir_all(event.join("videos")).unwrap();
    std::fs::write(dir.path().join("NO_PUBLISH.json"), "[\"x\"]").unwrap();
    std::fs::write(event.join("category.json"), "{\"title\": \"  \"}").unwrap();
    let err = read(dir.path().to_path_buf(), ReadOptions::default()).unwrap_err().to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].ends_with("NO_PUBLISH.json: expected a list of video ids (whole numbers)"), "{err}");
    assert!(lines[1].ends_with("category.json:1: field \"title\": empty; the event's videos were not read"), "{err}");
}

#[test]
fn videos_name_their_problems_at_the_line_of_the_field() {
    let none = HashSet::new();
    let video = |text: &str| {
        let parsed = parse_video(text, "v.json", "e/v".into(), "E", &none);
        parsed.rejected.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let ok = "{\n\"title\": \"T\",\n\"videos\": [{\"type\": \"youtube\", \"url\": \"u\"}]";
    assert_eq!(video(&format!("{ok}\n}}")), Vec::<String>::new());
    assert_eq!(
        video(&format!("{ok},\n\"duration\": -5\n}}")),
        ["v.json:4: field \"duration\": expected a non-negative whole number of seconds, found a number (-5)"]
    );
    assert_eq!(
        video(&format!("{ok},\n\"tags\": [\"a\", 3]\n}}")),
        ["v.json:4: field \"tags\": expected a list of strings, found a list holding a number"]
    );
    assert_eq!(
        video(&format!("{ok},\n\"language\": [\"eng\"]\n}}")),
        ["v.json:4: field \"language\": expected a string, found a list"]
    );
    assert_eq!(
        video("{\"title\": \"T\", \"videos\": [{\"type\": \"youtube\"}]}"),
        [
            "v.json:1: field \"videos\": expected a list of {\"type\", \"url\"} objects, found an object without a \"url\""
        ]
    );
    assert_eq!(
        video("{\"title\": \"\", \"description\": \" \"}"),
        ["v.json:1: field \"title\": empty, and so is the abstract"]
    );
    assert_eq!(video("[1, 2]"), ["v.json:1: expected a JSON object, found a list"]);
    assert_eq!(video(""), ["v.json:1: invalid JSON: EOF while parsing a value"]);
    let parsed = parse_video("{\"title\": \"T\"}", "v.json", "e/a\u{7}b".into(), "E", &none);
    assert_eq!(
        parsed.rejected[0].to_string(),
        "v.json:1: the id \"e/a\\u{7}b\" made from the directory and file name: contains a control character"
    );
}

#[test]
fn a_bom_crlf_and_a_huge_abstract_are_read() {
    let none = HashSet::new();
    let words = "lorem ipsum dolor sit ".repeat(10 * 1024 * 1024 / 22);
    let text = format!("\u{feff}{{\r\n\"title\": \"T\",\r\n\"description\": \"{words}\"\r\n}}\r\n");
    let parsed = parse_video(&text, "v.json", "e/v".into(), "E", &none);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.records[0].talk.r#abstract.len(), words.trim_end().len());
}

#[test]
fn wrapped_lines_are_joined_except_before_list_items() {
    let cases = [
        ("one\ntwo\n\nthree", "one two\n\nthree"),
        (
            "Intro:\n- a\n- b\n* c\n+ d\n• e\n– f\n| g\n# h\n12. i\n3) j\nb) k\nno\n-x joined",
            "Intro:\n- a\n- b\n* c\n+ d\n• e\n– f\n| g\n# h\n12. i\n3) j\nb) k no -x joined",
        ),
        ("crlf\r\nline\r\n\r\npara", "crlf line\n\npara"),
        ("-  spaced  marker\n  indented\n\n\n\nlast", "- spaced marker indented\n\nlast"),
        ("Mac OS\nX) is a list item, Python\n3.12 is not", "Mac OS\nX) is a list item, Python 3.12 is not"),
        ("<p>a\nb</p><ul><li>x</li><li>y</li></ul>", "a b\n\nx\ny"),
    ];
    for (input, want) in cases {
        assert_eq!(abstract_text(input), want, "{input:?}");
    }
}

#[test]
fn key_lines_are_those_of_top_level_keys() {
    let text = "{\n \"a\": {\"b\": 1,\n \"c\": \"x\\\"\\\\\"},\n \"d\": [\n {\"e\": 2}],\n\"b\" : 3}";
    let lines = key_lines(text);
    assert_eq!(lines.get("a"), Some(&2));
    assert_eq!(lines.get("d"), Some(&4));
    assert_eq!(lines.get("b"), Some(&6), "a nested key of the same name does not count");
    assert_eq!(lines.get("e"), None);
}

#[test]
fn the_fixture_talk_is_the_corpus_record() {
    // The corpus was made from the real tree: the same video file must give the same record, so
    // a re-import from pyvideo keeps every id, field and date.
    let Some((_, corpus)) = crate::ingest::corpus_fixture() else { return };
    let line = corpus.lines().find(|l| l.starts_with("{\"id\":\"pycon-us-2012/how-the-pypy-jit-works\""));
    assert_eq!(line, Some(PYPY_RECORD));
}

#[test]
fn the_text_rules_leave_corpus_text_as_it_is() {
    // The corpus's abstracts and titles are the output of these rules applied to the real
    // tree, so applying them again must change nothing (else a re-import would differ).
    let Some((_, corpus)) = crate::ingest::corpus_fixture() else { return };
    let mut changed = Vec::new();
    for line in corpus.lines() {
        let talk = Talk::from_json(line).unwrap();
        if abstract_text(&talk.r#abstract) != talk.r#abstract || clean_line_keep_markup(&talk.title) != talk.title {
            changed.push(talk.id);
        }
    }
    assert!(changed.is_empty(), "{} changed: {:?}", changed.len(), &changed[..changed.len().min(10)]);
}
