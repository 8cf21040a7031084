//! Completions for a search box's dropdown: topic words, speakers, events and titles that the
//! text typed so far could be the start of, ranked by how likely they are meant.
//!
//! Built once per index snapshot: speakers and events with their talk counts come from the
//! term dictionaries of their exact-value fields, titles from the stored records; every word
//! of every entry is indexed (folded) in one sorted list, so a lookup is a binary search and a
//! bounded scan. Topic words come from the [`Vocabulary`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::schema::{Field, Value};
use tantivy::{DocId, Searcher, SegmentReader};

use crate::analysis;
use crate::vocabulary::{Vocabulary, live_doc_freq};

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 8;
/// Most index entries looked at for one prefix.
const SCAN: usize = 5_000;

/// What a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A word of the talks' text.
    Term,
    /// A speaker's name.
    Speaker,
    /// An event's name.
    Event,
    /// A talk's title.
    Title,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The text to put in the search box.
    pub text: String,
    /// What it is.
    pub kind: Kind,
}

struct Entry {
    text: String,
    folded: String,
    kind: Kind,
    count: u64,
}

/// Speakers, events and titles, indexed by the folded words they contain.
pub struct Suggester {
    entries: Vec<Entry>,
    /// (folded word, entry index), sorted.
    words: Vec<(String, u32)>,
    /// Each segment's titles, deleted talks included, kept so that the suggester of the next
    /// commit reads only new segments' stored records ([`Suggester::rebuild`]).
    titles: Vec<SegmentTitles>,
}

/// The titles of one segment's talks, by document.
#[derive(Clone)]
struct SegmentTitles {
    segment: SegmentId,
    titles: Arc<Vec<(DocId, String)>>,
}

/// The non-empty titles of every talk of a segment, deleted ones included.
fn segment_titles(segment: &SegmentReader, record: Field) -> Vec<(DocId, String)> {
    let Ok(store) = segment.get_store_reader(64) else { return Vec::new() };
    let mut titles = Vec::new();
    for doc in 0..segment.max_doc() {
        let Ok(d) = store.get::<tantivy::TantivyDocument>(doc) else { continue };
        let Some(bytes) = d.get_first(record).and_then(|v| v.as_bytes()) else { continue };
        if let Ok(talk) = serde_json::from_slice::<crate::Talk>(bytes)
            && !talk.title.trim().is_empty()
        {
            titles.push((doc, talk.title));
        }
    }
    titles
}

fn folded_words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric() && !matches!(c, '+' | '#' | '.')).filter(|w| !w.is_empty())
}

impl Suggester {
    /// Reads speakers and events (with talk counts) and titles from the index.
    pub fn build(searcher: &Searcher, speaker_key: Field, event_key: Field, record: Field) -> Suggester {
        Suggester::assemble(searcher, [speaker_key, event_key, record], &[])
    }

    /// The suggester of `searcher`, a later commit of the same index: the titles of segments
    /// this one has read are not read again.
    pub fn rebuild(&self, searcher: &Searcher, speaker_key: Field, event_key: Field, record: Field) -> Suggester {
        Suggester::assemble(searcher, [speaker_key, event_key, record], &self.titles)
    }

    fn assemble(searcher: &Searcher, [speaker_key, event_key, record]: [Field; 3], known: &[SegmentTitles]) -> Self {
        let mut entries = Vec::new();
        for (field, kind) in [(speaker_key, Kind::Speaker), (event_key, Kind::Event)] {
            let mut seen = std::collections::HashMap::<String, u64>::new();
            for segment in searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(field) else { continue };
                let Ok(mut stream) = inverted.terms().stream() else { continue };
                while stream.advance() {
                    if let Ok(text) = std::str::from_utf8(stream.key()) {
                        let count = live_doc_freq(&inverted, stream.value(), segment.alive_bitset());
                        *seen.entry(text.to_string()).or_default() += count;
                    }
                }
            }
            entries.extend(seen.into_iter().filter(|&(_, count)| count > 0).map(|(text, count)| Entry {
                folded: analysis::fold(&text),
                text,
                kind,
                count,
            }));
        }
        let parts: Vec<SegmentTitles> = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let id = segment.segment_id();
                match known.iter().find(|p| p.segment == id) {
                    Some(part) => part.clone(),
                    None => SegmentTitles { segment: id, titles: Arc::new(segment_titles(segment, record)) },
                }
            })
            .collect();
        let mut seen = HashSet::new();
        for (segment, part) in searcher.segment_readers().iter().zip(&parts) {
            let alive = segment.alive_bitset();
            for (doc, title) in part.titles.iter() {
                if alive.is_none_or(|a| a.is_alive(*doc)) && seen.insert(title.as_str()) {
                    let folded = analysis::fold(title);
                    entries.push(Entry { folded, text: title.clone(), kind: Kind::Title, count: 1 });
                }
            }
        }
        let mut words: Vec<(String, u32)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let mut own = HashSet::new();
            for w in folded_words(&e.folded) {
                if own.insert(w) {
                    words.push((w.to_string(), i as u32));
                }
            }
        }
        words.sort_unstable();
        Suggester { entries, words, titles: parts }
    }

    /// Completions for `typed`, best first.
    pub fn suggest(&self, vocabulary: &Vocabulary, typed: &str) -> Vec<Suggestion> {
        let folded = analysis::fold(typed.trim_start());
        let query_words: Vec<&str> = folded_words(&folded).collect();
        let Some(&last) = query_words.last() else { return Vec::new() };
        let complete = folded.ends_with(char::is_whitespace);
        let mut scored: Vec<(f64, Suggestion)> = Vec::new();
        // Topic words: the last word completed, after the words before it.
        if !complete {
            let head: String = query_words[..query_words.len() - 1].iter().map(|w| format!("{w} ")).collect();
            let mut words = vocabulary.top_prefixed(last, MAX_SUGGESTIONS, 50_000);
            if vocabulary.doc_freq(last) > 0 {
                words.push((last.to_string(), vocabulary.doc_freq(last)));
            }
            // After other words, a completion is a guess about the last word alone: weigh it less.
            let weight = if head.is_empty() { 1.0 } else { 0.4 };
            for (term, df) in words {
                scored.push((
                    weight * (df as f64).ln_1p(),
                    Suggestion { text: format!("{head}{term}"), kind: Kind::Term },
                ));
            }
        }
        // Entries with a word starting with the first typed word, containing all the others.
        if folded.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
            let first = query_words[0];
            let start = self.words.partition_point(|(w, _)| w.as_str() < first);
            let mut seen = HashSet::new();
            for (word, entry) in self.words[start..].iter().take(SCAN) {
                if !word.starts_with(first) {
                    break;
                }
                if !seen.insert(*entry) {
                    continue;
                }
                let e = &self.entries[*entry as usize];
                let entry_words: Vec<&str> = folded_words(&e.folded).collect();
                let all = query_words.iter().enumerate().all(|(i, q)| {
                    let last_typed = i + 1 == query_words.len() && !complete;
                    entry_words.iter().any(|w| if last_typed { w.starts_with(q) } else { w == q })
                });
                if !all {
                    continue;
                }
                let weight = match e.kind {
                    Kind::Speaker => 1.3,
                    Kind::Event => 1.1,
                    Kind::Title => 0.6,
                    Kind::Term => 1.0,
                };
                let bonus = if e.folded.starts_with(folded.trim_end()) { 2.0 } else { 0.0 };
                let score = weight * (e.count as f64).ln_1p() + bonus + 0.5;
                scored.push((score, Suggestion { text: e.text.clone(), kind: e.kind }));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.text.cmp(&b.1.text)));
        let mut seen = HashSet::new();
        scored
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| seen.insert(analysis::fold(&s.text)))
            .take(MAX_SUGGESTIONS)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TextField;

    #[test]
    fn a_rebuild_after_a_commit_suggests_what_a_fresh_build_does() {
        let mut ram = crate::vocabulary::testing::RamIndex::new();
        ram.add("a", "Zebras in Python", "Zed Shaw");
        ram.add("b", "Zen of testing", "Zoe Ze");
        let fields = ram.fields.clone();
        let build =
            |searcher: &Searcher| Suggester::build(searcher, fields.speaker_key, fields.event_key, fields.record);
        let first = build(&ram.commit());
        ram.add("c", "Zeppelins", "Zara Zee");
        ram.remove("b");
        let searcher = ram.commit();
        let rebuilt = first.rebuild(&searcher, fields.speaker_key, fields.event_key, fields.record);
        assert!(Arc::ptr_eq(&first.titles[0].titles, &rebuilt.titles[0].titles), "old titles are not read again");
        let text: Vec<Field> = TextField::ALL.iter().map(|&f| fields.text(f)).collect();
        let vocabulary = Vocabulary::build(&searcher, &text);
        let fresh = build(&searcher);
        for typed in ["z", "ze", "zeppelin", "zen", "zoe", "zara"] {
            assert_eq!(rebuilt.suggest(&vocabulary, typed), fresh.suggest(&vocabulary, typed), "{typed}");
        }
        let texts: Vec<String> = rebuilt.suggest(&vocabulary, "ze").into_iter().map(|s| s.text).collect();
        assert!(texts.contains(&"Zeppelins".to_string()), "{texts:?}");
        assert!(!texts.iter().any(|t| t == "Zen of testing" || t == "Zoe Ze"), "removed talk: {texts:?}");
    }
}
