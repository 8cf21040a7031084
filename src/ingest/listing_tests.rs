//! Tests of the plain-text listing importer.
use super::*;

const LANYRD: &str = include_str!("../../data/pycon-us-2012-lanyrd.txt");

fn ok(text: &str) -> Vec<Talk> {
    let parsed = parse(text, "test.txt");
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    parsed.records.into_iter().map(|r| r.talk).collect()
}

#[test]
fn reads_the_bundled_lanyrd_listing() {
    let parsed = parse(LANYRD, "lanyrd.txt");
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let titles: Vec<&str> = parsed.records.iter().map(|r| r.talk.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Why PyPy by example",
            "How the PyPy JIT works",
            "Making Jython Faster and Better",
            "Coroutines, event loops, and the history of Python generators",
            "Getting the Most Out of Python Imports",
            "Sharing is Caring: Posting to the Python Package Index",
            "Polyglot Programming with Python: Python/Scala Interop",
            "What Python can learn from Java",
        ]
    );
    let first = &parsed.records[0];
    assert_eq!(first.line, 8);
    let t = &first.talk;
    assert_eq!(t.speakers, ["Alex Gaynor", "Maciej Fijalkowski", "Armin Rigo"]);
    assert_eq!(t.id, "pycon-us-2012/why-pypy-by-example");
    assert_eq!(t.event.as_deref(), Some("PyCon US 2012"));
    assert_eq!(t.date.as_deref(), Some("2012-03-10"));
    assert_eq!(t.time.as_deref(), Some("10:25"));
    assert_eq!(t.duration_s, Some(2400));
    assert_eq!(t.room.as_deref(), Some("E1, Santa Clara Convention Center"));
    assert_eq!((t.language.as_deref(), t.url.as_deref(), t.tags.len()), (None, None, 0));
    assert_eq!(t.r#abstract.split("\n\n").count(), 3);
    assert!(t.r#abstract.starts_with("One of the goals of PyPy"));
    assert!(t.r#abstract.ends_with("the near future."));

    let talks: Vec<&Talk> = parsed.records.iter().map(|r| &r.talk).collect();
    assert_eq!(talks[1].id, "pycon-us-2012/how-the-pypy-jit-works");
    assert_eq!((talks[2].time.as_deref(), talks[2].duration_s), (Some("11:45"), Some(1800)));
    assert_eq!((talks[3].time.as_deref(), talks[3].duration_s), (Some("13:20"), Some(3300)));
    assert!(talks[3].r#abstract.contains("Python.\n\nLightning tour"));
    assert!(talks[3].r#abstract.contains("event-based programming.\nSimple example"));
    assert!(talks[5].r#abstract.contains("Posting to the Python Package Index\nIntroduction (2.5m)\nWhy?\n"));
    assert_eq!(talks[6].speakers, ["Andrea O. K. Wright"]);
    let java = talks[7];
    assert!(java.r#abstract.contains("ahead of its time.\n\nIntroduction\nThe difference"));
    assert!(java.r#abstract.ends_with("immutability\nGuava: com.google.*"));
    assert!(!java.r#abstract.contains("Santa Clara"));
    assert_eq!(java.duration_s, Some(35 * 60));
    for talk in talks {
        assert!(!talk.r#abstract.contains("Coverage"), "{}", talk.title);
        assert!(!talk.r#abstract.contains("At "), "{}", talk.title);
        assert_eq!(talk.room.as_deref(), Some("E1, Santa Clara Convention Center"));
    }
}

#[test]
fn reads_concatenated_listings_with_crlf_and_missing_parts() {
    let text = "\u{feff}Sessions at PyCon US 2012 on Saturday 10th March in E1\r\n\
        \r\n\
        \x20 • Lightning Talks\r\n\
        \x20   At 12:15pm to 1pm, Saturday 10th March\r\n\
        \r\n\
        \x20   In E1\r\n\
        Sessions at DjangoCon Europe 2013 on Wednesday 15th May in Main hall\r\n\
        \x20 • Testing & You\r\n\
        \x20   by Ann Lee, Bob Ray, and Cy Young & Di Ng\r\n\
        \x20   Why tests matter.\r\n\
        \x20   Twice.\r\n\
        \r\n\
        \x20   Second paragraph.\r\n\
        \x20   At 12:30am to 1:00am\r\n\
        \x20   Coverage slides\r\n";
    let parsed = parse(text, "two.txt");
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 8]);
    let (a, b) = (&parsed.records[0].talk, &parsed.records[1].talk);
    assert_eq!(a.id, "pycon-us-2012/lightning-talks");
    assert!(a.speakers.is_empty() && a.r#abstract.is_empty());
    assert_eq!((a.time.as_deref(), a.duration_s), (Some("12:15"), Some(45 * 60)));
    assert_eq!((a.date.as_deref(), a.room.as_deref()), (Some("2012-03-10"), Some("E1")));
    assert_eq!(b.id, "djangocon-europe-2013/testing-you");
    assert_eq!(b.event.as_deref(), Some("DjangoCon Europe 2013"));
    assert_eq!(b.speakers, ["Ann Lee", "Bob Ray", "Cy Young", "Di Ng"]);
    assert_eq!(b.r#abstract, "Why tests matter.\nTwice.\n\nSecond paragraph.");
    // No day on the At line: the header's day, with the event's year.
    assert_eq!((b.time.as_deref(), b.duration_s), (Some("00:30"), Some(30 * 60)));
    assert_eq!((b.date.as_deref(), b.room.as_deref()), (Some("2013-05-15"), None));
}

#[test]
fn without_a_header_there_is_no_event_and_no_date() {
    let talks = ok("• A Talk\nby Solo\nAt 9am to 10am, Monday 1st June\n• A Talk\nAt 13:00\n");
    assert_eq!(talks.len(), 2);
    assert_eq!((talks[0].id.as_str(), talks[0].event.as_deref()), ("a-talk", None));
    assert_eq!((talks[0].date.as_deref(), talks[0].duration_s), (None, Some(3600)));
    // Same title twice: deterministic suffixes.
    assert_eq!((talks[1].id.as_str(), talks[1].time.as_deref()), ("a-talk-2", Some("13:00")));
}

#[test]
fn flat_bullet_lists_stay_in_the_abstract() {
    let talks = ok("• Outer\nby X\nIntro.\n• one\n• two\nAt 10am to 11am, 3 May 2014\n• Next\nAt 11am to noon\n");
    // "At 11am to noon" is not a time line, so "Next" is not a talk.
    assert_eq!(talks.len(), 1);
    assert_eq!(talks[0].r#abstract, "Intro.\none\ntwo");
    assert_eq!(talks[0].date.as_deref(), Some("2014-05-03"));
}

#[test]
fn unreadable_times_and_dates_are_rejected_at_their_line() {
    let text = "Sessions at PyCon US 2012\n  • Good\n    At 10am to 11am\n  • Bad time\n    by Z\n    \
                At 25:99pm to 11:05am, Saturday 10th March\n    In E1\n  • Bad date\n    At 10am, Funday 99th\n  \
                • Bad day\n    At 10am, Friday 31st February\n";
    let parsed = parse(text, "bad.txt");
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].talk.id, "pycon-us-2012/good");
    let got: Vec<String> = parsed.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].starts_with("bad.txt:6: field \"time\": cannot read \"At 25:99pm to 11:05am, Saturday"), "{got:?}");
    assert_eq!(got[1], "bad.txt:9: field \"date\": cannot read \"Funday 99th\"");
    assert!(got[2].starts_with("bad.txt:10: field \"date\": \"2012-02-31\" is not a date"), "{got:?}");
}

#[test]
fn empty_and_talkless_input_give_one_rejection() {
    for (text, message) in [("", "empty file"), ("\u{feff} \r\n", "empty file"), ("hello\n• world\n", "no talks found")]
    {
        let parsed = parse(text, "f");
        assert!(parsed.records.is_empty());
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].line, 1);
        assert!(parsed.rejected[0].message.starts_with(message), "{:?}", parsed.rejected);
    }
}

#[test]
fn clocks_and_days() {
    let cases = [("10:25am", Some(625)), ("1:20pm", Some(800)), ("12:15pm", Some(735)), ("12:05am", Some(5))];
    for (text, minutes) in cases {
        assert_eq!(clock(text), minutes, "{text}");
    }
    for bad in ["25:99pm", "13pm", "0am", "10:5", "+1:00", "", "1:00xm"] {
        assert_eq!(clock(bad), None, "{bad}");
    }
    assert_eq!(parse_day("Saturday 10th March"), Some(Day { year: None, month: 3, day: 10 }));
    assert_eq!(parse_day("Sept 2, 2013"), Some(Day { year: Some(2013), month: 9, day: 2 }));
    assert_eq!(parse_day("10th 11th March"), None);
    assert_eq!(year_of("PyCon US 2012"), Some(2012));
}

#[test]
fn garbage_and_truncated_input_never_panic() {
    let lines: Vec<&str> = LANYRD.split_inclusive('\n').collect();
    for end in 0..=lines.len() {
        parse(&lines[..end].concat(), "prefix");
        parse(&lines[end..].concat(), "suffix");
    }
    let pieces = ["•", " ", "\n", "\r\n", "At ", "by ", "In ", "12", ":", "pm", ",", "Sessions at ", " on ", "é", "-"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..40 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let parsed = parse(&text, "fuzz");
        assert!(!parsed.records.is_empty() || !parsed.rejected.is_empty());
    }
}

#[test]
fn other_days_and_rooms_concatenated_with_missing_abstracts() {
    // A hand-written listing in the bundled one's shape: Sunday in E2 and Friday in E3, one
    // after the other, talks without abstracts or speakers, and a title given twice.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/listings.txt");
    let parsed = parse(&std::fs::read_to_string(path).unwrap(), "listings.txt");
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    // Line, id, date, time, room, speaker count, abstract empty.
    type Row<'a> = (usize, &'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>, usize, bool);
    let got: Vec<Row> = parsed
        .records
        .iter()
        .map(|r| {
            let t = &r.talk;
            (
                r.line,
                t.id.as_str(),
                t.date.as_deref(),
                t.time.as_deref(),
                t.room.as_deref(),
                t.speakers.len(),
                t.r#abstract.is_empty(),
            )
        })
        .collect();
    let room = |r| Some(r);
    assert_eq!(
        got,
        [
            (
                8,
                "pycon-us-2012/packaging-without-tears",
                Some("2012-03-11"),
                Some("10:25"),
                room("E2, Santa Clara Convention Center"),
                1,
                false
            ),
            (
                20,
                "pycon-us-2012/lightning-talks-sunday",
                Some("2012-03-11"),
                Some("11:15"),
                room("E2, Santa Clara Convention Center"),
                0,
                true
            ),
            (
                28,
                "pycon-us-2012/profiling-the-unprofilable",
                Some("2012-03-09"),
                Some("13:20"),
                room("E3, Santa Clara Convention Center"),
                2,
                true
            ),
            (36, "pycon-us-2012/packaging-without-tears-2", Some("2012-03-09"), Some("14:10"), room("E3"), 1, false),
        ]
    );
    assert_eq!(parsed.records[0].talk.duration_s, Some(40 * 60));
    assert!(!parsed.records[0].talk.r#abstract.contains("Coverage"), "text after the room line is not abstract");
}
