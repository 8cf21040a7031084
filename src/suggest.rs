//! Completions for a search box's dropdown: topic words, speakers, events and titles that the
//! text typed so far could be the start of, ranked by how likely they are meant.
//!
//! Built once per index snapshot: speakers and events with their talk counts come from the
//! term dictionaries of their exact-value fields, titles from the stored records; every word
//! of every entry is indexed (folded) in one sorted list, so a lookup is a binary search and a
//! bounded scan. Topic words come from the [`Vocabulary`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{DocId, Searcher, SegmentReader};

use crate::analysis;
use crate::records;
use crate::vocabulary::{Vocabulary, live_doc_freq};

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 8;
/// Most index entries looked at for one prefix.
const SCAN: usize = 5_000;
/// Answers remembered per snapshot (those that took a long scan, and those for one or two
/// characters: short prefixes, which every search box sends again and again).
const MEMO_ENTRIES: usize = 4_096;
/// Entries looked at for an answer to be remembered.
const MEMO_SCANNED: usize = 500;

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
    /// Answers that took a long scan, by folded input. A suggester belongs to one snapshot (and
    /// its vocabulary), so an answer never goes stale.
    memo: Mutex<HashMap<String, Vec<Suggestion>>>,
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
    let mut unreadable = 0;
    for doc in 0..segment.max_doc() {
        match records::with_record(&store, record, doc, |bytes| records::title(bytes).map(str::to_string)) {
            Ok(Ok(title)) if !title.trim().is_empty() => titles.push((doc, title)),
            Ok(Ok(_)) => {}
            Err(_) | Ok(Err(_)) => unreadable += 1,
        }
    }
    if unreadable > 0 {
        let segment = segment.segment_id();
        tracing::warn!(%segment, unreadable, "stored records without a readable title: not suggested");
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
            // Most talks first, then by text, not in the map's order (which differs from run to
            // run): a prefix's entries are scanned in this order up to a limit, and the order
            // breaks the last ties.
            let mut found: Vec<(String, u64)> = seen.into_iter().filter(|&(_, count)| count > 0).collect();
            found.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            entries.extend(found.into_iter().map(|(text, count)| Entry {
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
        // Sorted by word (its first 8 bytes as a number, then the rest), then entry: the order of
        // sorting the pairs, with fewer string comparisons.
        let head = |w: &str| w.bytes().chain([0; 8]).take(8).fold(0u64, |n, b| n << 8 | u64::from(b));
        let mut keyed: Vec<(u64, (String, u32))> = words.into_iter().map(|w| (head(&w.0), w)).collect();
        keyed.sort_unstable();
        let words = keyed.into_iter().map(|(_, w)| w).collect();
        Suggester { entries, words, titles: parts, memo: Mutex::new(HashMap::new()) }
    }

    /// Completions for `typed`, best first.
    pub fn suggest(&self, vocabulary: &Vocabulary, typed: &str) -> Vec<Suggestion> {
        let folded = analysis::fold(typed.trim_start());
        if let Some(answer) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).get(&folded) {
            return answer.clone();
        }
        let (answer, scanned) = self.compute(vocabulary, &folded);
        if scanned >= MEMO_SCANNED || folded.chars().count() <= 2 {
            let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
            if memo.len() >= MEMO_ENTRIES {
                memo.clear();
            }
            memo.insert(folded, answer.clone());
        }
        answer
    }

    /// The answer for the folded input, and how many index entries it looked at.
    fn compute(&self, vocabulary: &Vocabulary, folded: &str) -> (Vec<Suggestion>, usize) {
        let query_words: Vec<&str> = folded_words(folded).collect();
        let Some(&last) = query_words.last() else { return (Vec::new(), 0) };
        let complete = folded.ends_with(char::is_whitespace);
        let mut scored: Vec<Scored> = Vec::new();
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
                let text = Cow::Owned(format!("{head}{term}"));
                scored.push(Scored {
                    score: weight * (df as f64).ln_1p(),
                    text,
                    kind: Kind::Term,
                    order: scored.len(),
                });
            }
        }
        // Entries with a word starting with one typed word (the one fewest start with), and all
        // the others.
        let mut scanned = 0;
        if folded.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
            let range = |q: &str| {
                let start = self.words.partition_point(|(w, _)| w.as_str() < q);
                (start, self.words[start..].partition_point(|(w, _)| w.starts_with(q)))
            };
            let (start, len) = query_words.iter().map(|q| range(q)).min_by_key(|&(_, len)| len).unwrap_or_default();
            let mut seen = vec![0u64; self.entries.len().div_ceil(64)];
            for (_, entry) in self.words[start..start + len].iter().take(SCAN) {
                scanned += 1;
                let (slot, bit) = (*entry as usize / 64, 1u64 << (*entry % 64));
                if seen[slot] & bit != 0 {
                    continue;
                }
                seen[slot] |= bit;
                let e = &self.entries[*entry as usize];
                // One word being typed: the entry has a word starting with it, as found.
                let all = (query_words.len() == 1 && !complete)
                    || query_words.iter().enumerate().all(|(i, q)| {
                        let last_typed = i + 1 == query_words.len() && !complete;
                        folded_words(&e.folded).any(|w| if last_typed { w.starts_with(q) } else { w == *q })
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
                scored.push(Scored { score, text: Cow::Borrowed(&e.text), kind: e.kind, order: scored.len() });
            }
        }
        (best(scored), scanned)
    }
}

/// A candidate completion; `order` is when it was found, the last tie-breaker.
struct Scored<'a> {
    score: f64,
    text: Cow<'a, str>,
    kind: Kind,
    order: usize,
}

/// Best first: by score, then text, then as found (the order a stable sort kept).
fn rank(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then_with(|| a.text.cmp(&b.text)).then(a.order.cmp(&b.order))
}

/// The [`MAX_SUGGESTIONS`] best candidates, one per folded text. Only the best few are sorted:
/// a two-letter prefix finds thousands.
fn best(mut scored: Vec<Scored>) -> Vec<Suggestion> {
    const HEAD: usize = 8 * MAX_SUGGESTIONS;
    let mut sorted = scored.len().min(HEAD);
    if scored.len() > HEAD {
        scored.select_nth_unstable_by(HEAD, rank);
    }
    loop {
        scored[..sorted].sort_unstable_by(rank);
        let mut seen = HashSet::new();
        let out: Vec<Suggestion> = scored[..sorted]
            .iter()
            .filter(|s| seen.insert(analysis::fold(&s.text)))
            .take(MAX_SUGGESTIONS)
            .map(|s| Suggestion { text: s.text.to_string(), kind: s.kind })
            .collect();
        // Too many repeats among the head: rank them all.
        if out.len() == MAX_SUGGESTIONS || sorted == scored.len() {
            return out;
        }
        sorted = scored.len();
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

    #[test]
    fn speakers_are_listed_most_talks_first_the_same_in_every_build() {
        let mut ram = crate::vocabulary::testing::RamIndex::new();
        for i in 0..60 {
            for k in 0..(i % 5 + 1) {
                ram.add(&format!("t{i}-{k}"), &format!("Talk {i} {k}"), &format!("Speaker {i}"));
            }
        }
        let fields = ram.fields.clone();
        let searcher = ram.commit();
        let listed = || -> Vec<(String, u64)> {
            let suggester = Suggester::build(&searcher, fields.speaker_key, fields.event_key, fields.record);
            let speakers = suggester.entries.iter().filter(|e| e.kind == Kind::Speaker);
            speakers.map(|e| (e.text.clone(), e.count)).collect()
        };
        let first = listed();
        assert_eq!(first.len(), 60);
        // A prefix's entries are scanned in this order up to a limit: the busiest first.
        assert!(first.windows(2).all(|w| (w[0].1, &w[1].0) > (w[1].1, &w[0].0)), "{first:?}");
        for _ in 0..3 {
            assert_eq!(listed(), first, "the same order in every build");
        }
    }

    #[test]
    fn several_words_are_found_by_the_rarest_and_short_answers_are_remembered() {
        let mut ram = crate::vocabulary::testing::RamIndex::new();
        for i in 0..40 {
            ram.add(&format!("t{i}"), &format!("Concurrency part {i}"), "Cara Coder");
        }
        ram.add("x", "C extensions made easy", "Ext Ender");
        let fields = ram.fields.clone();
        let searcher = ram.commit();
        let suggester = Suggester::build(&searcher, fields.speaker_key, fields.event_key, fields.record);
        let text: Vec<Field> = TextField::ALL.iter().map(|&f| fields.text(f)).collect();
        let vocabulary = Vocabulary::build(&searcher, &text);
        let texts = |typed: &str| -> Vec<String> {
            suggester.suggest(&vocabulary, typed).into_iter().map(|s| s.text).collect::<Vec<_>>()
        };
        assert!(texts("c ext").contains(&"C extensions made easy".to_string()), "{:?}", texts("c ext"));
        assert!(!texts("c ext").iter().any(|t| t.starts_with("Concurrency")));
        let (_, scanned) = suggester.compute(&vocabulary, "c ext");
        assert!(scanned <= 2, "found through `ext`, not the 40 words starting with c: {scanned}");
        let first = texts("co");
        assert!(suggester.memo.lock().unwrap().contains_key("co"), "a two-letter answer is kept");
        assert_eq!(texts("co"), first);
    }
}
