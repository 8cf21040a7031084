//! Tests of the frab/pretalx JSON importer: the real 30C3 schedule, and malformed variants.
use super::*;
use crate::ingest::schedule_fixture;

const MINI: &str = r#"{"schedule": {"version": "x", "conference": {"title": "Mini Conf", "acronym": "mc", "days": [
  {"date": "2020-01-02", "rooms": {
    "Main": [
      {"id": 1, "date": "2020-01-02T09:00:00+01:00", "start": "09:00", "duration": "00:45", "room": "Main", "slug": "first", "title": "First &amp; best", "subtitle": "", "track": "Talks", "type": "lecture", "language": "en", "abstract": "**Hello** world", "description": "<p>More</p>", "persons": [{"public_name": "Ann"}, {"full_public_name": "Bob"}, {"name": "Cy", "code": "X"}, "Dee"], "url": "https://example.org/1"}
    ],
    "Annex": [
      {"id": "2", "title": "Second", "persons": []}
    ]}}]}}}
"#;

fn errors(p: &Parsed) -> Vec<String> {
    p.rejected.iter().map(ToString::to_string).collect()
}

#[test]
fn reads_the_30c3_schedule() {
    let Some(text) = schedule_fixture("30c3-frab-json/schedule.json") else { return };
    let p = parse(&text, "schedule.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.len(), 124);
    let ids: std::collections::HashSet<&str> = p.records.iter().map(|r| r.talk.id.as_str()).collect();
    assert_eq!(ids.len(), 124);
    let count = |lang: Option<&str>| p.records.iter().filter(|r| r.talk.language.as_deref() == lang).count();
    assert_eq!((count(Some("en")), count(Some("de")), count(None)), (100, 22, 2));
    for r in &p.records {
        let t = &r.talk;
        assert_eq!(t.event.as_deref(), Some("30C3"));
        for bad in ["&quot;", "&lt;", "&amp;", "&#x27;", "<p>", "<a ", "\r"] {
            assert!(!t.r#abstract.contains(bad) && !t.tags.iter().any(|g| g.contains(bad)), "{bad} in {}", t.id);
        }
        assert!(!t.r#abstract.starts_with('"'), "{}", t.id);
    }
    // Records follow the file: the first event, then the ones after it.
    assert_eq!(p.records.iter().map(|r| r.line).take(3).collect::<Vec<_>>(), [14, 32, 50]);
    let wii = &p.records[2].talk;
    assert_eq!(wii.id, "30c3/saal_1_-_201312271245_-_reverse_engineering_the_wii_u_gamepad_-_delroth_-_5322");
    assert_eq!(wii.title, "Reverse engineering the Wii U Gamepad");
    assert_eq!(wii.speakers, ["delroth"]);
    assert_eq!(
        (wii.date.as_deref(), wii.time.as_deref(), wii.duration_s),
        (Some("2013-12-27"), Some("12:45"), Some(3600))
    );
    assert_eq!((wii.room.as_deref(), wii.tags.as_slice()), (Some("Saal 1"), &["Hardware & Making".to_string()][..]));
    assert_eq!((wii.language.as_deref(), wii.url.as_deref()), (Some("en"), None));
    assert!(wii.r#abstract.starts_with("A year ago in November 2012, Nintendo released"));
    assert!(wii.r#abstract.contains("reverse engineering efforts.\n\nWhen the Wii U was released"));

    let opening = &p.records[0].talk;
    assert_eq!(
        opening.r#abstract,
        "Welcome to the 30th Chaos Communication Congress\n\nIntroductory event to say hello to everybody, give a brief overview of the event's features and look into history and future alike"
    );
    let germany = p.records.iter().find(|r| r.talk.title == "Bullshit made in Germany").unwrap();
    assert_eq!(germany.line, 523);
    let t = &germany.talk;
    assert_eq!((t.speakers.as_slice(), t.room.as_deref()), (&["Linus Neumann".to_string()][..], Some("Saal G")));
    assert!(
        t.r#abstract
            .starts_with("So hosten Sie Ihre De-Mail, E-Mail und Cloud direkt beim BND!\n\nDie technischen Probleme")
    );
    assert!(t.r#abstract.ends_with("beleuchtet.\n\n[Logo: CC-BY-SA MathiasM ]"), "{:?}", t.r#abstract);
}

#[test]
fn maps_a_small_schedule_in_file_order() {
    let p = parse(MINI, "mini.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 7]);
    let (a, b) = (&p.records[0].talk, &p.records[1].talk);
    assert_eq!(
        (a.id.as_str(), a.title.as_str(), a.r#abstract.as_str()),
        ("mc/first", "First & best", "Hello world\n\nMore")
    );
    assert_eq!(a.speakers, ["Ann", "Bob", "Cy", "Dee"]);
    assert_eq!(
        (a.time.as_deref(), a.duration_s, a.url.as_deref()),
        (Some("09:00"), Some(2700), Some("https://example.org/1"))
    );
    assert_eq!(
        (b.id.as_str(), b.date.as_deref(), b.time.as_deref(), b.room.as_deref()),
        ("mc/2", Some("2020-01-02"), None, Some("Annex"))
    );
}

#[test]
fn a_bom_and_crlf_line_ends_change_nothing() {
    let p = parse(&format!("\u{feff}{}", MINI.replace('\n', "\r\n")), "mini.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 7]);
}

#[test]
fn quotes_are_kept_unless_every_text_is_wrapped() {
    let partly = MINI.replace("**Hello** world", "&quot;Hello&quot; world");
    assert_eq!(parse(&partly, "q.json").records[0].talk.r#abstract, "\"Hello\" world\n\nMore");
    let all = MINI.replace("**Hello** world", "&quot;Hello world&quot;").replace("<p>More</p>", "&quot;More&quot;");
    assert_eq!(parse(&all, "q.json").records[0].talk.r#abstract, "Hello world\n\nMore");
}

#[test]
fn empty_truncated_and_foreign_documents_are_rejected() {
    assert_eq!(errors(&parse("", "e.json")), ["e.json:1: empty file"]);
    let cut = &MINI[..MINI.find("\"Annex\"").unwrap()];
    assert_eq!(
        errors(&parse(cut, "cut.json")),
        ["cut.json:6: invalid frab schedule JSON: EOF while parsing a value (column 4)"]
    );
    assert_eq!(
        errors(&parse("{\"schedule\": {}}", "s.json")),
        ["s.json:1: invalid frab schedule JSON: missing field `conference` (column 15)"]
    );
    assert_eq!(
        errors(&parse(&MINI.replace("\"days\": [", "\"days\": 5, \"x\": ["), "d.json")),
        ["d.json:1: invalid frab schedule JSON: invalid type: integer `5`, expected a sequence (column 93)"]
    );
}

#[test]
fn wrong_types_reject_their_event() {
    let cases = [
        (
            "\"duration\": \"00:45\"",
            "\"duration\": 45",
            "field \"duration\": \"45\" is not a duration of the form HH:MM",
        ),
        ("\"title\": \"First &amp; best\"", "\"title\": [\"x\"]", "field \"title\": expected a string, found a list"),
        (
            "\"persons\": [{\"public_name\"",
            "\"persons\": \"Ann\", \"x\": [{\"public_name\"",
            "field \"persons\": expected a list of persons, found a string",
        ),
        (
            "{\"public_name\": \"Ann\"}",
            "{\"id\": 7}",
            "field \"persons\": person 1 has no \"public_name\", \"full_public_name\" or \"name\" string",
        ),
        (
            "\"date\": \"2020-01-02T09:00:00+01:00\"",
            "\"date\": \"2020-13-02T09:00\"",
            "field \"date\": \"2020-13-02T09:00\" is not a date of the form YYYY-MM-DD or a date-time",
        ),
    ];
    for (from, to, want) in cases {
        let p = parse(&MINI.replace(from, to), "t.json");
        assert_eq!(errors(&p), [format!("t.json:4: {want}")], "{to}");
        assert_eq!(p.records.len(), 1);
    }
    let p = parse(&MINI.replace("{\"id\": \"2\", \"title\": \"Second\", \"persons\": []}", "5"), "n.json");
    assert_eq!(errors(&p), ["n.json:7: expected an event object, found a number"]);
}

#[test]
fn a_huge_abstract_is_read() {
    let words = "lorem ipsum dolor sit ".repeat(10 * 1024 * 1024 / 22);
    let p = parse(&MINI.replace("**Hello** world", &words), "big.json");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert!(p.records[0].talk.r#abstract.len() > 10_000_000);
}
