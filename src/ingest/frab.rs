//! What frab schedules (XML and JSON, and pretalx's JSON, which copies frab's) say about a
//! talk, and how that becomes a [`Talk`]. [`frab_xml`](super::frab_xml) and
//! [`frab_json`](super::frab_json) read their syntax into an [`Event`]; [`Event::into_talk`]
//! maps it the same way for both:
//!
//! | talk | from |
//! |---|---|
//! | `id` | `<acronym>/<slug>`, or `<acronym>/<event id>` without a slug; the acronym is the conference's, or the slug of its title |
//! | `title` | `title` (the subtitle is not appended: it opens the abstract) |
//! | `abstract` | `subtitle`, `abstract` and `description`, cleaned, as paragraphs; a part equal to an earlier one is left out |
//! | `speakers` | the persons' names |
//! | `event` | the conference title |
//! | `date`, `time` | the date part of `date` (else the day's date); `start` (else the time in `date`) as `HH:MM` |
//! | `duration_s` | `duration`, `HH:MM` or `HH:MM:SS` |
//! | `room` | `room` (else the enclosing room's name) |
//! | `tags` | `[track]`; the event `type` (nearly always `lecture`) is not kept |
//! | `language`, `url` | as given (`en`, `de`); `url` only if the event has one |
//!
//! Text goes through [`cleanup`](super::cleanup): titles, names, rooms and tracks with
//! `clean_line`, abstract parts with `clean_text`. A value that cannot be read rejects the
//! event at its line, naming the frab field: `field "duration": "abc" is not a duration of the
//! form HH:MM`.

use super::cleanup::{clean_line, clean_text};
use crate::talk::{Talk, check_date};

/// The conference a schedule describes.
#[derive(Debug, Default, Clone)]
pub struct Conference {
    /// Short name used as the id prefix (`31c3`).
    pub acronym: Option<String>,
    /// Full name, the talks' `event`.
    pub title: Option<String>,
}

impl Conference {
    /// The id prefix: the acronym, else the slug of the title.
    fn prefix(&self) -> Option<String> {
        let acronym = self.acronym.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(String::from);
        acronym.or_else(|| self.title.as_deref().map(super::capped_slug).filter(|s| !s.is_empty()))
    }
}

/// One schedule event, its values as the file gives them (entities already decoded by the XML
/// reader; HTML and Markdown not yet removed).
#[derive(Debug, Default, Clone)]
pub struct Event {
    /// frab's numeric event id (`id` attribute or field).
    pub id: Option<String>,
    /// The event's slug.
    pub slug: Option<String>,
    /// `date`: an ISO date-time (`2014-12-27T11:00:00+01:00`) or a date.
    pub date: Option<String>,
    /// The date of the enclosing day, used when the event has no `date`.
    pub day_date: Option<String>,
    /// `start`, `HH:MM`.
    pub start: Option<String>,
    /// `duration`, `HH:MM`.
    pub duration: Option<String>,
    /// `room`.
    pub room: Option<String>,
    /// The name of the enclosing room, used when the event has no `room`.
    pub day_room: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `subtitle`.
    pub subtitle: Option<String>,
    /// `track`.
    pub track: Option<String>,
    /// `language`.
    pub language: Option<String>,
    /// `abstract`.
    pub r#abstract: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The persons' names.
    pub persons: Vec<String>,
    /// `url`.
    pub url: Option<String>,
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl Event {
    /// Maps the event to a validated talk, or says which field is wrong.
    pub fn into_talk(self, conference: &Conference) -> Result<Talk, String> {
        let key = match (non_empty(self.slug.as_deref()), non_empty(self.id.as_deref())) {
            (Some(slug), _) => slug,
            (None, Some(id)) => id,
            (None, None) => return Err("field \"slug\": missing, and so is the event id".into()),
        };
        let id = match conference.prefix() {
            Some(prefix) => format!("{prefix}/{key}"),
            None => key.to_string(),
        };
        let mut talk = Talk::new(id, clean_line(self.title.as_deref().unwrap_or_default()));
        let mut parts: Vec<String> = Vec::new();
        for part in [&self.subtitle, &self.r#abstract, &self.description] {
            let part = clean_text(part.as_deref().unwrap_or_default());
            if !part.is_empty() && !parts.contains(&part) {
                parts.push(part);
            }
        }
        talk.r#abstract = parts.join("\n\n");
        talk.speakers = self.persons.iter().map(|p| clean_line(p)).filter(|p| !p.is_empty()).collect();
        talk.event = conference.title.as_deref().map(clean_line).filter(|e| !e.is_empty());
        let date_time = non_empty(self.date.as_deref());
        talk.date = match date_time.or(non_empty(self.day_date.as_deref())) {
            Some(value) => Some(date_part(value).map_err(|m| format!("field \"date\": {m}"))?),
            None => None,
        };
        talk.time = match (non_empty(self.start.as_deref()), date_time.and_then(|d| d.get(11..16))) {
            (Some(start), _) => Some(clock(start).ok_or_else(|| format!("field \"start\": {start:?} {NOT_TIME}"))?),
            (None, Some(time)) => clock(time),
            (None, None) => None,
        };
        talk.duration_s = match non_empty(self.duration.as_deref()) {
            Some(d) => Some(duration_s(d).ok_or_else(|| format!("field \"duration\": {d:?} {NOT_DURATION}"))?)
                .filter(|&s| s > 0),
            None => None,
        };
        let room = non_empty(self.room.as_deref()).or(non_empty(self.day_room.as_deref()));
        talk.room = room.map(clean_line).filter(|r| !r.is_empty());
        talk.tags = non_empty(self.track.as_deref()).map(clean_line).filter(|t| !t.is_empty()).into_iter().collect();
        talk.language = non_empty(self.language.as_deref()).map(String::from);
        talk.url = non_empty(self.url.as_deref()).map(String::from);
        talk.validate()?;
        Ok(talk)
    }
}

const NOT_TIME: &str = "is not a time of the form HH:MM";
const NOT_DURATION: &str = "is not a duration of the form HH:MM";

/// `2014-12-27` from `2014-12-27T11:00:00+01:00` or `2014-12-27`.
fn date_part(value: &str) -> Result<String, String> {
    let date = value.get(..10).filter(|_| value.len() == 10 || value[10..].starts_with(['T', ' ']));
    match date {
        Some(date) if check_date(date).is_ok() => Ok(date.to_string()),
        _ => Err(format!("{value:?} is not a date of the form YYYY-MM-DD or a date-time")),
    }
}

/// `9:05`, `09:05` or `09:05:00` as `09:05`.
fn clock(value: &str) -> Option<String> {
    let mut parts = value.split(':');
    let (h, m) = (parts.next()?, parts.next()?);
    if parts.next().is_some_and(|s| two_digits(s).is_none_or(|s| s >= 60)) || parts.next().is_some() {
        return None;
    }
    let h = (h.len() == 1).then(|| h.parse::<u8>().ok()).flatten().or_else(|| two_digits(h)).filter(|&h| h < 24)?;
    let m = two_digits(m).filter(|&m| m < 60)?;
    Some(format!("{h:02}:{m:02}"))
}

fn two_digits(s: &str) -> Option<u8> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// `00:30` (1800), `1:30`, `01:30:00`; `D:HH:MM` is not used by frab.
fn duration_s(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split(':').collect();
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (h, m, s) = match parts[..] {
        [h, m] => (number(h)?, two_digits(m)?, 0),
        [h, m, s] => (number(h)?, two_digits(m)?, two_digits(s)?),
        _ => return None,
    };
    (m < 60 && s < 60).then_some(h * 3600 + u64::from(m) * 60 + u64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conference() -> Conference {
        Conference { acronym: Some("31c3".into()), title: Some("31. Chaos Communication Congress".into()) }
    }

    fn event() -> Event {
        Event {
            id: Some("6571".into()),
            slug: Some("keynote".into()),
            date: Some("2014-12-27T11:30:00+01:00".into()),
            start: Some("11:30".into()),
            duration: Some("01:00".into()),
            room: Some("Saal 1".into()),
            title: Some("31C3 Keynote".into()),
            subtitle: Some("A New Dawn".into()),
            track: Some("CCC".into()),
            language: Some("en".into()),
            r#abstract: Some("The 31C3 Keynote".into()),
            description: Some("A New Dawn".into()),
            persons: vec!["alecempire".into()],
            ..Event::default()
        }
    }

    #[test]
    fn maps_every_field() {
        let t = event().into_talk(&conference()).unwrap();
        assert_eq!(t.id, "31c3/keynote");
        assert_eq!(t.title, "31C3 Keynote");
        assert_eq!(t.r#abstract, "A New Dawn\n\nThe 31C3 Keynote");
        assert_eq!(t.speakers, ["alecempire"]);
        assert_eq!(t.event.as_deref(), Some("31. Chaos Communication Congress"));
        assert_eq!(
            (t.date.as_deref(), t.time.as_deref(), t.duration_s),
            (Some("2014-12-27"), Some("11:30"), Some(3600))
        );
        assert_eq!(
            (t.room.as_deref(), t.tags.as_slice(), t.language.as_deref()),
            (Some("Saal 1"), &["CCC".to_string()][..], Some("en"))
        );
        assert_eq!(t.url, None);
    }

    #[test]
    fn falls_back_to_the_event_id_the_title_slug_and_the_day() {
        let e = Event {
            slug: None,
            date: None,
            start: None,
            room: None,
            day_date: Some("2014-12-28".into()),
            day_room: Some("Saal G".into()),
            ..event()
        };
        let conf = Conference { acronym: None, title: Some("30C3".into()) };
        let t = e.into_talk(&conf).unwrap();
        assert_eq!(
            (t.id.as_str(), t.date.as_deref(), t.time, t.room.as_deref()),
            ("30c3/6571", Some("2014-12-28"), None, Some("Saal G"))
        );
        let t = Event { start: None, ..event() }.into_talk(&conf).unwrap();
        assert_eq!(t.time.as_deref(), Some("11:30"));
    }

    #[test]
    fn names_the_frab_field_at_fault() {
        let cases = [
            (
                Event { duration: Some("abc".into()), ..event() },
                "field \"duration\": \"abc\" is not a duration of the form HH:MM",
            ),
            (
                Event { start: Some("25:00".into()), ..event() },
                "field \"start\": \"25:00\" is not a time of the form HH:MM",
            ),
            (
                Event { date: Some("27.12.2014".into()), ..event() },
                "field \"date\": \"27.12.2014\" is not a date of the form YYYY-MM-DD or a date-time",
            ),
            (Event { slug: None, id: None, ..event() }, "field \"slug\": missing, and so is the event id"),
            (
                Event { title: None, subtitle: None, r#abstract: None, description: None, ..event() },
                "field \"title\": empty, and so is the abstract",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.into_talk(&conference()).unwrap_err(), want);
        }
    }

    #[test]
    fn reads_clocks_and_durations() {
        assert_eq!(clock("9:05").as_deref(), Some("09:05"));
        assert_eq!(clock("09:05:30").as_deref(), Some("09:05"));
        assert_eq!(clock("0905"), None);
        assert_eq!(duration_s("00:30"), Some(1800));
        assert_eq!(duration_s("1:30"), Some(5400));
        assert_eq!(duration_s("01:00:30"), Some(3630));
        assert_eq!(duration_s("00:75"), None);
        assert_eq!(duration_s("30"), None);
    }
}
