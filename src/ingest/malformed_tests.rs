//! The malformed-input suite: every format (JSON Lines, JSON array, frab XML, frab JSON, CSV,
//! listing, pyvideo tree) read from real files through [`read_sources`] in seven variants of a
//! small valid input: truncated, a wrong type, invalid UTF-8, a byte-order mark, CRLF line ends,
//! an empty file, and a 10 MB abstract. Each outcome is stated exactly: the talks read, or the
//! error with file, line and field. A BOM and CRLF change nothing; a 10 MB abstract is read
//! whole (no format has an abstract limit: the longest in the corpus is 14 KB, and cleanup is
//! linear).
use super::*;

/// A format's valid sample: files (path relative to the test directory, text), the one file the
/// variants change, and what is given to `read_sources`.
struct Sample {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    /// Index in `files` of the file the variants change.
    target: usize,
    /// What `read_sources` reads: the target file, or (pyvideo) the directory.
    source: &'static str,
    /// Text of the target with `ABSTRACT` where a 10 MB abstract goes.
    with_abstract: String,
    /// A replacement in the target that gives a field a value of the wrong type.
    wrong: (&'static str, &'static str),
    /// Where the truncated variant ends: just after this text (default: at three quarters).
    cut: Option<&'static str>,
}

fn samples() -> Vec<Sample> {
    let jsonl = "{\"id\":\"a\",\"title\":\"One\",\"abstract\":\"First.\"}\n{\"id\":\"b\",\"title\":\"Two\",\"speakers\":[\"Ann\"]}\n";
    let json = "[\n  {\"id\": \"a\", \"title\": \"One\", \"abstract\": \"First.\"},\n  {\"id\": \"b\", \"title\": \"Two\", \"speakers\": [\"Ann\"]}\n]\n";
    let xml = "<?xml version='1.0' encoding='utf-8'?>\n<schedule>\n<conference><acronym>mc</acronym><title>Mini Conf</title></conference>\n\
               <day date='2020-01-02'><room name='Main'>\n<event id='1'><title>One</title><start>09:00</start><duration>00:45</duration><abstract>First.</abstract></event>\n\
               <event id='2'><title>Two</title><start>10:00</start><duration>00:30</duration><persons><person id='1'>Ann</person></persons></event>\n\
               </room></day>\n</schedule>\n";
    let frab_json = "{\"schedule\": {\"conference\": {\"title\": \"Mini Conf\", \"acronym\": \"mc\", \"days\": [\n\
                     {\"date\": \"2020-01-02\", \"rooms\": {\"Main\": [\n\
                     {\"id\": 1, \"title\": \"One\", \"start\": \"09:00\", \"duration\": \"00:45\", \"abstract\": \"First.\", \"persons\": []},\n\
                     {\"id\": 2, \"title\": \"Two\", \"start\": \"10:00\", \"duration\": \"00:30\", \"persons\": [{\"public_name\": \"Ann\"}]}\n\
                     ]}}]}}}\n";
    let csv = "id,title,speakers,abstract,duration_s\na,One,,\"First.\",2700\nb,Two,Ann,\"Second, and last\",1800\n";
    let listing = "Sessions at PyCon US 2012 on Saturday 10th March in E1\n\n  • One\n    by Ann Lee\n    First.\n    \
                   At 10:25am to 11:05am, Saturday 10th March\n    In E1\n  • Two\n    by Bob Ray\n    \
                   At 11:30am to 12:10pm, Saturday 10th March\n";
    let video = "{\n  \"title\": \"Two\",\n  \"speakers\": [\"Ann\"],\n  \"duration\": 1800,\n  \"recorded\": \"2020-01-02\",\n  \
                 \"videos\": [{\"type\": \"youtube\", \"url\": \"https://example.org/v\"}]\n}\n";
    let one = |name, file: &'static str, text: &str, wrong, cut| Sample {
        name,
        files: vec![(file, text.to_string())],
        target: 0,
        source: file,
        with_abstract: text.replace("First.", "ABSTRACT"),
        wrong,
        cut,
    };
    vec![
        one("jsonl", "t.jsonl", jsonl, ("\"speakers\":[\"Ann\"]", "\"speakers\":\"Ann\""), None),
        one("json", "t.json", json, ("\"speakers\": [\"Ann\"]", "\"speakers\": \"Ann\""), None),
        one("frab-xml", "s.xml", xml, ("<duration>00:30</duration>", "<duration>half an hour</duration>"), None),
        one("frab-json", "s.json", frab_json, ("\"title\": \"Two\"", "\"title\": [\"Two\"]"), None),
        one("csv", "t.csv", csv, (",1800", ",half an hour"), Some("\"Second, and")),
        one("listing", "l.txt", listing, ("At 11:30am", "At 31:30am"), Some("At 11:30am to 12:1")),
        Sample {
            name: "pyvideo",
            files: vec![
                ("data/conf-2020/category.json", "{\"title\": \"Conf 2020\"}\n".into()),
                ("data/conf-2020/videos/one.json", "{\"title\": \"One\", \"description\": \"First.\"}\n".into()),
                ("data/conf-2020/videos/two.json", video.into()),
            ],
            target: 2,
            source: "data",
            with_abstract: video.replace("\"title\"", "\"description\": \"ABSTRACT\",\n  \"title\""),
            wrong: ("\"duration\": 1800", "\"duration\": \"30:00\""),
            cut: None,
        },
    ]
}

/// The variants of a sample's target, by name.
fn variants(sample: &Sample) -> Vec<(&'static str, Vec<u8>)> {
    let text = sample.files[sample.target].1.as_str();
    assert!(text.contains(sample.wrong.0), "{}", sample.name);
    let cut = match sample.cut {
        Some(marker) => text.find(marker).expect("the cut marker is in the text") + marker.len(),
        None => text.len() * 3 / 4,
    };
    let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let second_line = text.find('\n').map_or(0, |i| i + 1);
    let mut invalid = text.as_bytes().to_vec();
    invalid.insert(second_line + 2, 0xff);
    let huge = "lorem ipsum dolor sit ".repeat(10 * 1024 * 1024 / 22);
    vec![
        ("truncated", text.as_bytes()[..cut].to_vec()),
        ("wrong type", text.replace(sample.wrong.0, sample.wrong.1).into_bytes()),
        ("invalid UTF-8", invalid),
        ("BOM", format!("\u{feff}{text}").into_bytes()),
        ("CRLF", text.replace('\n', "\r\n").into_bytes()),
        ("empty", Vec::new()),
        ("10 MB abstract", sample.with_abstract.replace("ABSTRACT", huge.trim_end()).into_bytes()),
    ]
}

/// Reads a sample with its target file replaced by `bytes`: the talks, or the error message
/// with the test directory's path taken out.
fn outcome(sample: &Sample, bytes: &[u8]) -> Result<Vec<Talk>, String> {
    let dir = tempfile::tempdir().unwrap();
    for (i, (rel, text)) in sample.files.iter().enumerate() {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, if i == sample.target { bytes } else { text.as_bytes() }).unwrap();
    }
    let source = Source::File(dir.path().join(sample.source));
    let prefix = format!("{}/", dir.path().display());
    match read_sources(&[source], ReadOptions::default()) {
        Ok(import) => Ok(import.talks),
        Err(e) => Err(e.to_string().replace(&prefix, "")),
    }
}

/// The stated outcome of each variant of each format: talks read, or the exact error.
#[rustfmt::skip]
const EXPECTED: &[(&str, &str, &str)] = &[
    ("jsonl", "truncated", "error: t.jsonl:2: invalid JSON: EOF while parsing a string (column 21)"),
    ("jsonl", "wrong type", "error: t.jsonl:2: field \"speakers\": expected a list of strings, found a string"),
    ("jsonl", "invalid UTF-8", "error: t.jsonl:2: invalid UTF-8 at byte 47: the file must be UTF-8 text"),
    ("jsonl", "BOM", "the same 2 talks"),
    ("jsonl", "CRLF", "the same 2 talks"),
    ("jsonl", "empty", "0 talks"),
    ("jsonl", "10 MB abstract", "2 talks, the abstract read whole"),
    ("json", "truncated", "error: t.json:3: invalid JSON: EOF while parsing a string (column 26)"),
    ("json", "wrong type", "error: t.json:3: field \"speakers\": expected a list of strings, found a string"),
    ("json", "invalid UTF-8", "error: t.json:2: invalid UTF-8 at byte 4: the file must be UTF-8 text"),
    ("json", "BOM", "the same 2 talks"),
    ("json", "CRLF", "the same 2 talks"),
    ("json", "empty", "error: t.json:1: empty file"),
    ("json", "10 MB abstract", "2 talks, the abstract read whole"),
    ("frab-xml", "truncated", "error: s.xml:6: invalid XML: syntax error: tag not closed: `>` not found before end of input"),
    ("frab-xml", "wrong type", "error: s.xml:6: field \"duration\": \"half an hour\" is not a duration of the form HH:MM"),
    ("frab-xml", "invalid UTF-8", "error: s.xml:2: invalid UTF-8 at byte 41: the file must be UTF-8 text"),
    ("frab-xml", "BOM", "the same 2 talks"),
    ("frab-xml", "CRLF", "the same 2 talks"),
    ("frab-xml", "empty", "error: s.xml:1: empty file"),
    ("frab-xml", "10 MB abstract", "2 talks, the abstract read whole"),
    ("frab-json", "truncated", "error: s.json:4: invalid frab schedule JSON: EOF while parsing an object (column 26)"),
    ("frab-json", "wrong type", "error: s.json:4: field \"title\": expected a string, found a list"),
    ("frab-json", "invalid UTF-8", "error: s.json:2: invalid UTF-8 at byte 80: the file must be UTF-8 text"),
    ("frab-json", "BOM", "the same 2 talks"),
    ("frab-json", "CRLF", "the same 2 talks"),
    ("frab-json", "empty", "error: s.json:1: empty file"),
    ("frab-json", "10 MB abstract", "2 talks, the abstract read whole"),
    ("csv", "truncated", "error: t.csv:3: a quoted cell is not closed before the end of the file (is the file truncated?)"),
    ("csv", "wrong type", "error: t.csv:3: field \"duration_s\": \"half an hour\" is not a whole number"),
    ("csv", "invalid UTF-8", "error: t.csv:2: invalid UTF-8 at byte 40: the file must be UTF-8 text"),
    ("csv", "BOM", "the same 2 talks"),
    ("csv", "CRLF", "the same 2 talks"),
    ("csv", "empty", "error: t.csv:1: empty file"),
    ("csv", "10 MB abstract", "2 talks, the abstract read whole"),
    ("listing", "truncated", "error: l.txt:10: field \"time\": cannot read \"At 11:30am to 12:1\" (expected a line like \"At 10:25am to 11:05am, Saturday 10th March\")"),
    ("listing", "wrong type", "error: l.txt:10: field \"time\": cannot read \"At 31:30am to 12:10pm, Saturday 10th March\" (expected a line like \"At 10:25am to 11:05am, Saturday 10th March\")"),
    ("listing", "invalid UTF-8", "error: l.txt:3: invalid UTF-8 at byte 57: the file must be UTF-8 text"),
    ("listing", "BOM", "the same 2 talks"),
    ("listing", "CRLF", "the same 2 talks"),
    ("listing", "empty", "error: l.txt:1: empty file"),
    ("listing", "10 MB abstract", "2 talks, the abstract read whole"),
    ("pyvideo", "truncated", "error: data/conf-2020/videos/two.json:6: invalid JSON: EOF while parsing a string (column 28)"),
    ("pyvideo", "wrong type", "error: data/conf-2020/videos/two.json:4: field \"duration\": expected a non-negative whole number of seconds, found a string (\"30:00\")"),
    ("pyvideo", "invalid UTF-8", "error: data/conf-2020/videos/two.json:2: invalid UTF-8 at byte 4: the file must be UTF-8 text"),
    ("pyvideo", "BOM", "the same 2 talks"),
    ("pyvideo", "CRLF", "the same 2 talks"),
    ("pyvideo", "empty", "error: data/conf-2020/videos/two.json:1: invalid JSON: EOF while parsing a value"),
    ("pyvideo", "10 MB abstract", "2 talks, the abstract read whole"),
];

#[test]
fn every_format_meets_every_malformed_variant_as_stated() {
    let mut got = Vec::new();
    for sample in samples() {
        let target = sample.files[sample.target].1.as_str();
        let valid = outcome(&sample, target.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", sample.name));
        assert_eq!(valid.len(), 2, "{}", sample.name);
        for (variant, bytes) in variants(&sample) {
            let result = match outcome(&sample, &bytes) {
                Ok(talks) if variant == "BOM" || variant == "CRLF" => {
                    assert_eq!(talks, valid, "{} {variant}: the same talks", sample.name);
                    "the same 2 talks".to_string()
                }
                Ok(talks) if variant == "10 MB abstract" => {
                    let longest = talks.iter().map(|t| t.r#abstract.len()).max().unwrap_or(0);
                    assert!(longest > 10_000_000, "{} {variant}: {longest}", sample.name);
                    format!("{} talks, the abstract read whole", talks.len())
                }
                Ok(talks) => format!("{} talks", talks.len()),
                Err(e) => format!("error: {e}"),
            };
            got.push((sample.name, variant, result));
        }
    }
    for (name, variant, result) in &got {
        println!("(\"{name}\", \"{variant}\", {result:?}),"); // the table, to update EXPECTED
    }
    let expected: Vec<(&str, &str, String)> = EXPECTED.iter().map(|&(n, v, r)| (n, v, r.to_string())).collect();
    assert_eq!(got, expected);
}
