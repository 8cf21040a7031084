//! Tests of the frab XML importer: the real 31C3 schedule, and malformed variants.
use super::*;
use crate::ingest::schedule_fixture;

const MINI: &str = "<?xml version='1.0' encoding='utf-8' ?>
<schedule>
<conference><acronym>mc</acronym><title>Mini Conf</title></conference>
<day date='2020-01-02'><room name='Main'>
<event id='1'><slug>first</slug><title>First &amp; best</title><start>9:00</start><duration>00:45</duration>
  <persons><person id='1'>Ann</person><person id='2'>B&#xF6;b</person></persons></event>
<event id='2'><title>Second</title><abstract>&lt;p&gt;Hello&lt;/p&gt;</abstract><description><![CDATA[<b>bold</b> move]]></description></event>
</room></day>
</schedule>
";

fn errors(p: &Parsed) -> Vec<String> {
    p.rejected.iter().map(ToString::to_string).collect()
}

#[test]
fn reads_the_31c3_schedule() {
    let Some(text) = schedule_fixture("31c3-frab-xml/schedule.xml") else { return };
    let p = parse(&text, "schedule.xml");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.len(), 138);
    let ids: std::collections::HashSet<&str> = p.records.iter().map(|r| r.talk.id.as_str()).collect();
    assert_eq!(ids.len(), 138);
    let count = |lang: &str| p.records.iter().filter(|r| r.talk.language.as_deref() == Some(lang)).count();
    assert_eq!((count("en"), count("de")), (113, 25));
    assert!(p.records.iter().all(|r| r.talk.event.as_deref() == Some("31. Chaos Communication Congress")));
    for r in &p.records {
        let t = &r.talk;
        for bad in ["<p>", "<li>", "&amp;", "&quot;", "&lt;", "\r"] {
            assert!(!t.r#abstract.contains(bad) && !t.title.contains(bad), "{bad} in {}", t.id);
        }
    }

    let keynote = &p.records[1];
    assert_eq!(keynote.line, 38);
    let t = &keynote.talk;
    assert_eq!(t.id, "31c3/31c3_-_6571_-_en_-_saal_1_-_201412271130_-_31c3_keynote_-_alecempire");
    assert_eq!(t.title, "31C3 Keynote");
    assert_eq!(t.speakers, ["alecempire"]);
    assert_eq!(t.r#abstract, "A New Dawn\n\nThe 31C3 Keynote");
    assert_eq!((t.date.as_deref(), t.time.as_deref(), t.duration_s), (Some("2014-12-27"), Some("11:30"), Some(3600)));
    assert_eq!((t.room.as_deref(), t.tags.as_slice()), (Some("Saal 1"), &["CCC".to_string()][..]));
    assert_eq!((t.language.as_deref(), t.url.as_deref()), (Some("en"), None));

    let agenda = &p.records[2].talk;
    assert_eq!(agenda.title, "„Wir beteiligen uns aktiv an den Diskussionen“");
    assert_eq!(agenda.tags, ["Ethics, Society & Politics"]);
    assert_eq!(agenda.speakers, ["Martin Haase/maha"]);

    let crypto = p.records.iter().find(|r| r.talk.title == "Now I sprinkle thee with crypto dust").unwrap();
    let t = &crypto.talk;
    assert_eq!(
        t.speakers,
        ["Ryan Lackey", "Andres Erbsen", "Jurre van Bergen", "Ladar Levison", "equinox", "Daniel Ziegler", "gedsic"]
    );
    assert_eq!(
        (t.date.as_deref(), t.time.as_deref(), t.room.as_deref()),
        (Some("2014-12-30"), Some("16:00"), Some("Saal 2"))
    );

    let pnr = p.records.iter().find(|r| r.line == 1116).unwrap();
    assert_eq!(pnr.talk.title, "Beyond PNR: Exploring airline systems");
    assert!(pnr.talk.r#abstract.starts_with("Ever wondered what the cryptic QNY27R on your airline reservaton means?"));
    assert!(
        pnr.talk
            .r#abstract
            .contains("\n\nAirport environment\n\nAir traffic control systems\nFlight information systems (FIDS)\n")
    );
}

#[test]
fn maps_a_small_schedule_with_entities_cdata_and_day_fallbacks() {
    let p = parse(MINI, "mini.xml");
    assert_eq!(errors(&p), Vec::<String>::new());
    let lines: Vec<usize> = p.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [5, 7]);
    let (a, b) = (&p.records[0].talk, &p.records[1].talk);
    assert_eq!((a.id.as_str(), a.title.as_str()), ("mc/first", "First & best"));
    assert_eq!(a.speakers, ["Ann", "Böb"]);
    assert_eq!((a.date.as_deref(), a.time.as_deref(), a.duration_s), (Some("2020-01-02"), Some("09:00"), Some(2700)));
    assert_eq!((a.room.as_deref(), a.event.as_deref()), (Some("Main"), Some("Mini Conf")));
    assert_eq!((b.id.as_str(), b.r#abstract.as_str()), ("mc/2", "Hello\n\nbold move"));
}

#[test]
fn a_bom_and_crlf_line_ends_change_nothing() {
    let p = parse(&format!("\u{feff}{}", MINI.replace('\n', "\r\n")), "mini.xml");
    assert_eq!(errors(&p), Vec::<String>::new());
    assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), [5, 7]);
    assert_eq!(p.records[0].talk, parse(MINI, "mini.xml").records[0].talk);
}

#[test]
fn empty_and_foreign_documents_are_rejected() {
    assert_eq!(errors(&parse("", "e.xml")), ["e.xml:1: empty file"]);
    assert_eq!(errors(&parse("\u{feff} \n", "e.xml")), ["e.xml:1: empty file"]);
    assert_eq!(
        errors(&parse("<?xml version='1.0'?>\n<html><body/></html>", "p.xml")),
        ["p.xml:2: not a frab schedule: the root element is <html>, not <schedule>"]
    );
    assert_eq!(
        errors(&parse("<?xml version='1.0'?>\n<!-- nothing -->\n", "c.xml")),
        ["c.xml:3: no <schedule> element"]
    );
}

#[test]
fn a_truncated_file_keeps_the_events_before_the_cut() {
    let event = MINI.find("<event id='2'>").unwrap();
    let p = parse(&MINI[..event + 24], "cut.xml");
    assert_eq!(p.records.len(), 1);
    assert_eq!(errors(&p), ["cut.xml:7: unexpected end of file: <title> is not closed"]);
    let p = parse(&MINI[..event + 30], "cut.xml");
    assert_eq!(p.records.len(), 1);
    assert_eq!(errors(&p), ["cut.xml:7: invalid XML: syntax error: tag not closed: `>` not found before end of input"]);
}

#[test]
fn malformed_xml_is_rejected_at_its_line() {
    let p = parse(&MINI.replace("<title>Second</title>", "<title>Second</titel>"), "bad.xml");
    assert_eq!(p.records.len(), 1);
    assert_eq!(
        errors(&p),
        ["bad.xml:7: invalid XML: ill-formed document: expected `</title>`, but `</titel>` was found"]
    );
    let p = parse(&MINI.replace("First &amp; best", "First & best"), "amp.xml");
    assert_eq!(p.records.len(), 0);
    assert!(errors(&p)[0].starts_with("amp.xml:5: invalid XML: "), "{:?}", errors(&p));
}

#[test]
fn unreadable_fields_reject_their_event() {
    let p = parse(&MINI.replace("<duration>00:45</duration>", "<duration>abc</duration>"), "f.xml");
    assert_eq!(errors(&p), ["f.xml:5: field \"duration\": \"abc\" is not a duration of the form HH:MM"]);
    assert_eq!(p.records.len(), 1);
    let p = parse(&MINI.replace("<start>9:00</start>", "<start>nine</start>"), "f.xml");
    assert_eq!(errors(&p), ["f.xml:5: field \"start\": \"nine\" is not a time of the form HH:MM"]);
    let p = parse(&MINI.replace("<title>Second</title>", ""), "f.xml");
    assert_eq!(errors(&p), Vec::<String>::new());
    let p = parse(&MINI.replace("<title>Second</title><abstract>&lt;p&gt;Hello&lt;/p&gt;</abstract><description><![CDATA[<b>bold</b> move]]></description>", ""), "f.xml");
    assert_eq!(errors(&p), ["f.xml:7: field \"title\": empty, and so is the abstract"]);
}

#[test]
fn entity_declarations_are_never_expanded() {
    let bomb = "<?xml version='1.0'?>
<!DOCTYPE schedule [
 <!ENTITY lol \"lol\">
 <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">
 <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">
]>
<schedule><conference><acronym>x</acronym></conference>
<day date='2020-01-02'><room name='R'><event id='1'><title>&lol3;</title></event></room></day></schedule>
";
    let p = parse(bomb, "bomb.xml");
    assert!(p.records.is_empty());
    assert_eq!(
        errors(&p),
        ["bomb.xml:2: DOCTYPE declares entities: entity declarations are not accepted (and never expanded)"]
    );
    // Without the declaration, a reference to it is an error too.
    let p = parse(&MINI.replace("First &amp; best", "First &lol3;"), "ref.xml");
    assert_eq!(
        errors(&p),
        [
            "ref.xml:5: entity &lol3; is not defined: only &amp; &lt; &gt; &quot; &apos; and character references are read"
        ]
    );
    // A DOCTYPE without entities is ignored.
    let p = parse(&MINI.replace("<schedule>", "<!DOCTYPE schedule>\n<schedule>"), "dt.xml");
    assert_eq!((p.records.len(), p.rejected.len()), (2, 0));
}

#[test]
fn deep_nesting_and_huge_abstracts_are_handled() {
    let deep = format!("<schedule>{}{}</schedule>", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert_eq!(errors(&parse(&deep, "deep.xml")), ["deep.xml:1: elements nested deeper than 64 levels"]);

    let words = "lorem ipsum &amp; dolor ".repeat(10 * 1024 * 1024 / 24);
    let big = MINI.replace("&lt;p&gt;Hello&lt;/p&gt;", &words);
    let start = std::time::Instant::now();
    let p = parse(&big, "big.xml");
    assert_eq!(errors(&p), Vec::<String>::new());
    let abs = &p.records[1].talk.r#abstract;
    assert!(abs.len() > 8_000_000 && abs.starts_with("lorem ipsum & dolor lorem"), "{}", abs.len());
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}
