//! `talksearch stats`: what the live index holds: talks, events, years, size on disk, the
//! generation and when it was last committed to. Removed and replaced talks are not counted.

use std::collections::BTreeSet;
use std::time::UNIX_EPOCH;

use serde::Serialize;
use tantivy::Searcher;
use tantivy::schema::Field;

use crate::error::{Error, Result};
use crate::schema::Fields;
use crate::store::{IndexDir, committed_at_ms};
use crate::vocabulary::live_doc_freq;

/// The figures `talksearch stats` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Talks in the index.
    pub talks: u64,
    /// Distinct event names.
    pub events: usize,
    /// Years of the dated talks.
    pub years: Years,
    /// Size of the live generation's files, in bytes.
    pub index_bytes: u64,
    /// The live generation's directory name.
    pub generation: String,
    /// When the last commit was made, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub last_commit: Option<String>,
    /// The same, in milliseconds since 1970.
    pub last_commit_ms: Option<u64>,
}

/// The years talks were given in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Years {
    /// Earliest.
    pub first: Option<u16>,
    /// Latest.
    pub last: Option<u16>,
    /// How many distinct years.
    pub count: usize,
}

/// Reads the figures of the live generation.
pub fn stats(dir: &IndexDir) -> Result<Stats> {
    let opened = dir.open()?;
    let searcher = opened.reader()?.searcher();
    let fields = Fields::new();
    let events = live_terms(&searcher, fields.event_key)?.len();
    // A u64 term is its value's 8 bytes, big-endian.
    let years: BTreeSet<u16> = live_terms(&searcher, fields.year)?
        .into_iter()
        .filter_map(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
        .filter_map(|bytes| u16::try_from(u64::from_be_bytes(bytes)).ok())
        .collect();
    let last_commit_ms = match committed_at_ms(&opened.index)? {
        Some(ms) => Some(ms),
        // Generations built before commits carried their time: the commit file's age.
        None => {
            let path = dir.path().join(&opened.generation).join("meta.json");
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).map_err(|e| Error::io(&path, e))?;
            modified.duration_since(UNIX_EPOCH).ok().map(|d| d.as_millis() as u64)
        }
    };
    Ok(Stats {
        talks: searcher.num_docs(),
        events,
        years: Years { first: years.first().copied(), last: years.last().copied(), count: years.len() },
        index_bytes: dir.size_bytes()?,
        generation: opened.generation,
        last_commit: last_commit_ms.map(utc_timestamp),
        last_commit_ms,
    })
}

/// The distinct terms of `field` that at least one live talk has.
fn live_terms(searcher: &Searcher, field: Field) -> Result<BTreeSet<Vec<u8>>> {
    let mut terms = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            if live_doc_freq(&inverted, stream.value(), segment.alive_bitset()) > 0 {
                terms.insert(stream.key().to_vec());
            }
        }
    }
    Ok(terms)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since 1970.
pub fn utc_timestamp(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::talk::Talk;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_732_537_845_999), "2024-11-25T12:30:45Z");
    }

    #[test]
    fn counts_live_talks_events_and_years() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = IndexDir::new(tmp.path().join("index"));
        let talk = |id: &str, event: &str, date: Option<&str>| {
            let mut t = Talk::new(id, "A title");
            t.event = Some(event.into());
            t.date = date.map(Into::into);
            t
        };
        let talks = [
            talk("a", "Con 2011", Some("2011-05-01")),
            talk("b", "Con 2011", Some("2011-05-02")),
            talk("c", "Con 2015", Some("2015-01-01")),
            talk("d", "Meetup", None),
        ];
        crate::indexer::build(&dir, &talks, &mut |_| {}).unwrap();
        let before = stats(&dir).unwrap();
        assert_eq!((before.talks, before.events), (4, 3));
        assert_eq!(before.years, Years { first: Some(2011), last: Some(2015), count: 2 });
        assert!(before.index_bytes > 0);
        assert_eq!(Some(before.generation.clone()), dir.current().unwrap());
        let committed = before.last_commit_ms.unwrap();
        let now = std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert!(committed <= now && now - committed < 60_000, "{committed} vs {now}");

        crate::update::remove(&dir, &["c".into(), "d".into()], crate::update::LOCK_PATIENCE).unwrap();
        let after = stats(&dir).unwrap();
        assert_eq!((after.talks, after.events), (2, 1));
        assert_eq!(after.years, Years { first: Some(2011), last: Some(2011), count: 1 });
        assert!(after.last_commit_ms >= before.last_commit_ms);
    }
}
