//! frab schedule XML: `<schedule>` → `<conference>` → `<day date>` → `<room name>` → `<event>`.
//!
//! ```xml
//! <schedule>
//!   <conference><acronym>31c3</acronym><title>31. Chaos Communication Congress</title></conference>
//!   <day date='2014-12-27'><room name='Saal 1'>
//!     <event guid='...' id='6571'>
//!       <date>2014-12-27T11:30:00+01:00</date><start>11:30</start><duration>01:00</duration>
//!       <room>Saal 1</room><slug>...</slug><title>31C3 Keynote</title><subtitle>A New Dawn</subtitle>
//!       <track>CCC</track><type>lecture</type><language>en</language>
//!       <abstract>...</abstract><description>...</description>
//!       <persons><person id='5309'>alecempire</person></persons><links>...</links>
//!     </event>
//!   </room></day>
//! </schedule>
//! ```
//!
//! The file is read with a streaming reader; fields map to a talk as [`frab`](super::frab)
//! describes. A record's line is the line of its `<event` tag.
//!
//! Entities: only the five XML entities (`&amp;` ...) and character references (`&#233;`) are
//! decoded. A DOCTYPE that declares entities is rejected, and a reference to any other entity
//! is an error: nothing is ever expanded, so entity bombs cannot grow. Malformed XML (a tag
//! that does not close, a truncated file) gives one rejection at its line; events before it
//! are kept (and imported with `--skip-invalid`).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as Xml};

use super::frab::{Conference, Event};
use super::{LineCounter, Parsed, Record};
use crate::error::Rejection;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

/// Parses a frab schedule XML document.
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser { source, lines: LineCounter::new(text), parsed: Parsed::default() };
    if text.trim().is_empty() {
        parser.reject(1, "empty file".into());
        return parser.parsed;
    }
    if let Err((offset, message)) = parser.run(text) {
        let line = parser.lines.line_at(offset);
        parser.reject(line, message);
    }
    parser.parsed
}

struct Parser<'a> {
    source: &'a str,
    lines: LineCounter<'a>,
    parsed: Parsed,
}

/// An error that ends the document: where it is (byte offset) and what.
type Fatal = (usize, String);

impl Parser<'_> {
    fn reject(&mut self, line: usize, message: String) {
        self.parsed.rejected.push(Rejection { source: self.source.to_string(), line, message });
    }

    fn run(&mut self, text: &str) -> Result<(), Fatal> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().expand_empty_elements = true;
        let mut stack: Vec<(String, usize)> = Vec::new(); // element name, where its text starts in `buf`
        let mut buf = String::new();
        let mut conference = Conference::default();
        let (mut day_date, mut day_room) = (None, None);
        let mut event: Option<(usize, usize, Event)> = None; // depth, line, event
        let mut root = false;
        loop {
            let before = reader.buffer_position() as usize;
            let xml =
                reader.read_event().map_err(|e| (reader.error_position() as usize, format!("invalid XML: {e}")))?;
            match xml {
                Xml::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    if !root && name != "schedule" {
                        return Err((
                            before,
                            format!("not a frab schedule: the root element is <{name}>, not <schedule>"),
                        ));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err((before, format!("elements nested deeper than {MAX_DEPTH} levels")));
                    }
                    match (name.as_str(), &event) {
                        ("day", None) => day_date = attribute(&e, "date").map_err(|m| (before, m))?,
                        ("room", None) => day_room = attribute(&e, "name").map_err(|m| (before, m))?,
                        ("event", None) => {
                            let start = before + text[before..].find('<').unwrap_or(0);
                            let id = attribute(&e, "id").map_err(|m| (before, m))?;
                            let draft = Event {
                                id,
                                day_date: day_date.clone(),
                                day_room: day_room.clone(),
                                ..Event::default()
                            };
                            event = Some((stack.len(), self.lines.line_at(start), draft));
                        }
                        _ => {}
                    }
                    root = true;
                    stack.push((name, buf.len()));
                }
                Xml::End(_) => {
                    let Some((name, start)) = stack.pop() else { continue };
                    let content = buf.split_off(start);
                    let parent = stack.last().map(|(p, _)| p.as_str());
                    match &mut event {
                        Some((depth, line, _)) if *depth == stack.len() => {
                            let line = *line;
                            let Some((_, _, draft)) = event.take() else { continue };
                            match draft.into_talk(&conference) {
                                Ok(talk) => self.parsed.records.push(Record { talk, line }),
                                Err(message) => self.reject(line, message),
                            }
                        }
                        Some((depth, _, draft)) if *depth + 1 == stack.len() => set_field(draft, &name, content),
                        Some((_, _, draft)) if name == "person" && parent == Some("persons") => {
                            draft.persons.push(content)
                        }
                        // Text of an element inside a field (`<abstract>a <b>b</b></abstract>`) stays in the field.
                        Some(_) => buf.push_str(&content),
                        None if parent == Some("conference") && name == "acronym" => conference.acronym = Some(content),
                        None if parent == Some("conference") && name == "title" => conference.title = Some(content),
                        None => {}
                    }
                }
                Xml::Text(t) => buf.push_str(&t.xml10_content()),
                Xml::CData(t) => buf.push_str(&t.xml10_content()),
                Xml::GeneralRef(r) => {
                    let c = reference(&r).ok_or_else(|| {
                        let shown: String = r.chars().take(40).collect();
                        (before, format!("entity &{shown}; is not defined: only &amp; &lt; &gt; &quot; &apos; and character references are read"))
                    })?;
                    buf.push(c);
                }
                Xml::DocType(d) if d.contains("<!ENTITY") => {
                    let message =
                        "DOCTYPE declares entities: entity declarations are not accepted (and never expanded)";
                    return Err((before, message.into()));
                }
                Xml::Eof => {
                    if let Some((name, _)) = stack.last() {
                        return Err((text.len(), format!("unexpected end of file: <{name}> is not closed")));
                    }
                    if !root {
                        return Err((text.len(), "no <schedule> element".into()));
                    }
                    return Ok(());
                }
                _ => {}
            }
        }
    }
}

/// The character of `&lt;`, `&#233;` ...; `None` for any other entity.
fn reference(r: &quick_xml::events::BytesRef) -> Option<char> {
    match &**r {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => r.resolve_char_ref().ok().flatten().filter(|&c| c != '\0'),
    }
}

/// The unescaped value of attribute `name`, if present.
fn attribute(e: &BytesStart, name: &str) -> Result<Option<String>, String> {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| format!("attribute {name:?} of <{}>: {err}", e.name().as_ref())),
        Ok(None) => Ok(None),
        Err(err) => Err(format!("invalid XML: attributes of <{}>: {err}", e.name().as_ref())),
    }
}

fn set_field(event: &mut Event, name: &str, content: String) {
    let slot = match name {
        "date" => &mut event.date,
        "start" => &mut event.start,
        "duration" => &mut event.duration,
        "room" => &mut event.room,
        "slug" => &mut event.slug,
        "title" => &mut event.title,
        "subtitle" => &mut event.subtitle,
        "track" => &mut event.track,
        "language" => &mut event.language,
        "abstract" => &mut event.r#abstract,
        "description" => &mut event.description,
        "url" => &mut event.url,
        _ => return,
    };
    *slot = Some(content);
}

#[cfg(test)]
#[path = "frab_xml_tests.rs"]
mod tests;
