//! The index's vocabulary: every surface term of the searchable text fields with the number of
//! talks that contain it, as one in-memory FST, for fast typo and prefix expansion.
//!
//! Built once per index snapshot (tens of milliseconds for the 21,713-talk corpus) on first use;
//! `serve` builds it at start-up in the background, and again for each new commit before
//! searches use it. Counts leave out deleted (removed or replaced) talks.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::fastfield::AliveBitSet;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, InvertedIndexReader, Searcher, SegmentReader};
use tantivy_fst::map::OpBuilder;
use tantivy_fst::{IntoStreamer, Map, MapBuilder, Streamer};

use crate::analysis;

mod sorted;

use sorted::SortedTerms;

/// Bits of an FST value that hold the fields a term occurs in (the rest is its frequency).
const FIELD_BITS: u32 = 8;
const MASK: u64 = (1 << FIELD_BITS) - 1;

/// Adds up two FST values: frequencies summed, field masks joined.
fn combine(a: u64, b: u64) -> u64 {
    ((a & !MASK) + (b & !MASK)) | ((a | b) & MASK)
}

/// Prefixes whose completions took longer scans than this are remembered (at 2,000, typing p99
/// was about 100 us higher: `python` and its like were scanned on every keystroke).
pub const MEMO_MIN_SCAN: usize = 256;
/// Most prefixes remembered (each its top completions: under a kilobyte).
pub const MEMO_MAX: usize = 4_096;
/// Most words' field masks remembered (about 50 bytes each).
pub const MASKS_MAX: usize = 50_000;
/// Most words' typo corrections remembered (each at most a few dozen terms).
pub const TYPOS_MAX: usize = 4_096;

/// Remembered answers of [`Vocabulary::top_prefixed`]: (prefix, k, scan) -> answer.
type Memo = HashMap<(Box<str>, usize, usize), Arc<[(String, u64)]>>;
/// Remembered answers of [`Vocabulary::within`]: the distance's digit and the word -> answer.
type Typos = HashMap<Box<str>, Arc<[(String, u64)]>, analysis::FoldHash>;

/// Term -> talks containing it (summed over fields and segments), and which fields have it.
pub struct Vocabulary {
    /// Values: `doc_freq << FIELD_BITS | field mask` (bit i: `fields[i]` has the term).
    map: Arc<Map<Vec<u8>>>,
    fields: Vec<Field>,
    /// Answers of [`Vocabulary::top_prefixed`] for short prefixes. A vocabulary belongs to one
    /// snapshot (a new commit gets a new one, [`Vocabulary::rebuild`] starts with none), so an
    /// answer can never be stale.
    memo: RwLock<Memo>,
    /// Answers of [`Vocabulary::fields_having`]: a query looks up each of its terms (a word, its
    /// typo corrections and completions), a few thousand instructions each in the FST, and the
    /// same terms come back keystroke after keystroke.
    masks: RwLock<HashMap<Box<str>, u64, analysis::FoldHash>>,
    /// Answers of [`Vocabulary::within`], by edit distance then word.
    typos: RwLock<Typos>,
    /// The terms in order in flat arrays, for prefixes' completions (None: too many to fit,
    /// the FST is scanned).
    sorted: Option<SortedTerms>,
    /// Each segment's own terms and counts, kept so that the vocabulary of the next commit
    /// reads only the segments that changed ([`Vocabulary::rebuild`]).
    parts: Vec<Part>,
}

/// The fields that may have a term (see [`Vocabulary::fields_having`]).
#[derive(Clone, Copy)]
pub struct FieldSet<'a> {
    fields: &'a [Field],
    mask: u64,
}

impl FieldSet<'_> {
    /// False if `field` is known not to have the term.
    pub fn contains(&self, field: Field) -> bool {
        self.fields.iter().position(|&f| f == field).is_none_or(|i| self.mask & (1 << i) != 0)
    }
}

/// One segment's terms, as they were with `deleted` deleted talks.
#[derive(Clone)]
struct Part {
    segment: SegmentId,
    deleted: u32,
    map: Arc<Map<Vec<u8>>>,
}

impl Vocabulary {
    /// Reads the term dictionaries of `fields` (at most 8) in every segment.
    pub fn build(searcher: &Searcher, fields: &[Field]) -> Vocabulary {
        Vocabulary::assemble(searcher, fields, &[])
    }

    /// The vocabulary of `searcher`, a later commit of the same index: segments this one has
    /// read, with the same deleted talks, are not read again.
    pub fn rebuild(&self, searcher: &Searcher, fields: &[Field]) -> Vocabulary {
        Vocabulary::assemble(searcher, fields, &self.parts)
    }

    fn assemble(searcher: &Searcher, fields: &[Field], known: &[Part]) -> Vocabulary {
        let fields = &fields[..fields.len().min(FIELD_BITS as usize)];
        let parts: Vec<Part> = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let (id, deleted) = (segment.segment_id(), segment.num_deleted_docs());
                match known.iter().find(|p| p.segment == id && p.deleted == deleted) {
                    Some(part) => part.clone(),
                    None => Part { segment: id, deleted, map: Arc::new(segment_terms(segment, fields)) },
                }
            })
            .collect();
        let (map, sorted) = match parts.as_slice() {
            [only] => (Arc::clone(&only.map), SortedTerms::of(&only.map)),
            _ => {
                let mut union = parts.iter().fold(OpBuilder::new(), |op, p| op.add(p.map.as_ref())).union();
                let mut builder = MapBuilder::memory();
                let mut sorted = Some(SortedTerms::default());
                let mut ok = true;
                while let Some((key, counts)) = union.next() {
                    let value = counts.iter().fold(0, |sum, c| combine(sum, c.value));
                    ok &= builder.insert(key, value).is_ok();
                    if sorted.as_mut().is_some_and(|s| !s.push(key, value)) {
                        sorted = None;
                    }
                }
                let bytes = builder.into_inner().ok().filter(|_| ok);
                let map = bytes.and_then(|b| Map::from_bytes(b).ok());
                // Terms the map does not have are not completions: none then, as in the map.
                let sorted = sorted.filter(|_| map.is_some());
                (Arc::new(map.unwrap_or_else(empty)), sorted.map(SortedTerms::shrunk))
            }
        };
        Vocabulary {
            sorted,
            map,
            fields: fields.to_vec(),
            memo: RwLock::default(),
            masks: RwLock::default(),
            typos: RwLock::default(),
            parts,
        }
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True if there are no terms.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Talks containing `term`.
    pub fn doc_freq(&self, term: &str) -> u64 {
        self.map.get(term).unwrap_or(0) >> FIELD_BITS
    }

    /// False if `term` is known not to occur in `field`: it is a word (not a stem) and the
    /// vocabulary covers that field. A query need not look for it there.
    pub fn may_have(&self, term: &str, field: Field) -> bool {
        self.fields_having(term).contains(field)
    }

    /// [`Vocabulary::may_have`] for one term and any field, looking the term up once.
    pub fn fields_having(&self, term: &str) -> FieldSet<'_> {
        let mask = if analysis::is_stem(term) { MASK } else { self.mask_of(term) };
        FieldSet { fields: &self.fields, mask }
    }

    /// The field mask of a word (0 if no field has it), remembered: at most [`MASKS_MAX`] terms
    /// (a flood of made-up words cannot grow memory; past it, the memo starts again).
    fn mask_of(&self, term: &str) -> u64 {
        if let Some(&mask) = self.masks.read().unwrap_or_else(|e| e.into_inner()).get(term) {
            return mask;
        }
        let mask = self.map.get(term).unwrap_or(0) & MASK;
        let mut masks = self.masks.write().unwrap_or_else(|e| e.into_inner());
        if masks.len() >= MASKS_MAX {
            masks.clear();
        }
        masks.insert(term.into(), mask);
        mask
    }

    /// Every term the automaton accepts, with its frequency; only terms starting with `first`
    /// when given (bounding the walk to one branch of the FST is many times faster).
    pub fn search<A: tantivy_fst::Automaton>(&self, automaton: A, first: Option<char>) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let builder = self.map.search(automaton);
        let builder = match first {
            Some(c) => {
                let mut lower = [0u8; 4];
                let lower = c.encode_utf8(&mut lower).as_bytes().to_vec();
                let mut upper = lower.clone();
                upper.push(0xff);
                builder.ge(lower).lt(upper)
            }
            None => builder,
        };
        let mut stream = builder.into_stream();
        while let Some((key, value)) = stream.next() {
            if let Ok(term) = std::str::from_utf8(key) {
                out.push((term.to_string(), value >> FIELD_BITS));
            }
        }
        out
    }

    /// The terms within `distance` edits of `word` (transpositions counting one) that begin with
    /// its first letter, with their frequencies: typos in the first letter are rare, and keeping
    /// it makes the walk an order of magnitude cheaper (Elasticsearch's `prefix_length: 1`).
    ///
    /// Still, building the word's Levenshtein automaton and walking the FST with it takes some
    /// 550,000 instructions a word (a tenth of the bench's typing mix, whose corrected words are
    /// the half-typed ones). The same words come back: a misspelt word is corrected again at
    /// every keystroke of the words after it, and everyone typing a topic types the same
    /// half-words. Answers are remembered per snapshot, at most [`TYPOS_MAX`] words (past it,
    /// the memo starts again).
    pub fn within(&self, word: &str, distance: u8) -> Arc<[(String, u64)]> {
        let mut key = String::with_capacity(word.len() + 1);
        key.push(char::from(b'0' + distance.min(9)));
        key.push_str(word);
        if let Some(found) = self.typos.read().unwrap_or_else(|e| e.into_inner()).get(key.as_str()) {
            return found.clone();
        }
        // The automaton only reads the term's text; the field is irrelevant.
        let term = tantivy::Term::from_field_text(Field::from_field_id(0), word);
        let found: Arc<[(String, u64)]> = match tantivy::query::FuzzyTermQuery::new(term, distance, true).automaton() {
            Ok(automaton) => self.search(&automaton, word.chars().next()).into(),
            Err(_) => Arc::new([]),
        };
        let mut typos = self.typos.write().unwrap_or_else(|e| e.into_inner());
        if typos.len() >= TYPOS_MAX {
            typos.clear();
        }
        typos.insert(key.into(), found.clone());
        found
    }

    /// The `k` most frequent terms starting with `prefix` (longer than it), looking at no more
    /// than `scan` terms, most frequent first.
    ///
    /// A short prefix has thousands of completions to look through (`co`: tens of thousands).
    /// They are read from the sorted terms ([`SortedTerms`]: a range found by binary search,
    /// then a frequency a term) where streaming them out of the FST cost some 2,000
    /// instructions each (the 392 of `python` were 13% of the query `development method with
    /// python`). The answers for prefixes that needed more than [`MEMO_MIN_SCAN`] are also
    /// remembered, so each costs that once per snapshot. There are few such prefixes (about
    /// 150 in the corpus' vocabulary, more in a bigger one: past [`MEMO_MAX`] remembered, the
    /// memo starts again), and they are exactly the ones typed again and again (every query
    /// starts with one).
    pub fn top_prefixed(&self, prefix: &str, k: usize, scan: usize) -> Vec<(String, u64)> {
        let memo = self.memo.read().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = memo.get(&(prefix.into(), k, scan)) {
            return found.to_vec();
        }
        drop(memo);
        let (out, seen) = self.scan_prefixed(prefix, k, scan);
        if seen > MEMO_MIN_SCAN {
            let mut memo = self.memo.write().unwrap_or_else(|e| e.into_inner());
            // Full (a big vocabulary, or many distinct prefixes typed): start again rather than
            // keep only the first prefixes ever typed.
            if memo.len() >= MEMO_MAX {
                memo.clear();
            }
            memo.insert((prefix.into(), k, scan), out.clone().into());
        }
        out
    }

    /// [`Vocabulary::top_prefixed`], and how many terms it looked at: from the sorted terms.
    fn scan_prefixed(&self, prefix: &str, k: usize, scan: usize) -> (Vec<(String, u64)>, usize) {
        match &self.sorted {
            Some(sorted) => sorted.top_prefixed(prefix, k, scan),
            None => self.stream_prefixed(prefix, k, scan),
        }
    }

    /// [`Vocabulary::scan_prefixed`] by streaming the FST.
    fn stream_prefixed(&self, prefix: &str, k: usize, scan: usize) -> (Vec<(String, u64)>, usize) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut upper = prefix.as_bytes().to_vec();
        upper.push(0xff);
        let mut heap: BinaryHeap<Reverse<(u64, Vec<u8>)>> = BinaryHeap::with_capacity(k + 1);
        let mut stream = self.map.range().gt(prefix).lt(upper).into_stream();
        let mut seen = 0;
        while let Some((key, value)) = stream.next() {
            let df = value >> FIELD_BITS;
            seen += 1;
            if seen > scan {
                break;
            }
            if heap.len() < k {
                heap.push(Reverse((df, key.to_vec())));
            } else if heap.peek().is_some_and(|Reverse((min, _))| df > *min) {
                heap.pop();
                heap.push(Reverse((df, key.to_vec())));
            }
        }
        let mut out: Vec<(String, u64)> =
            heap.into_iter().filter_map(|Reverse((df, key))| String::from_utf8(key).ok().map(|t| (t, df))).collect();
        out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        (out, seen)
    }
}

/// The terms of `fields` in one segment (stems left out) with the number of its live talks that
/// contain each and the fields that have it (see [`Vocabulary::map`]).
///
/// Every field's term dictionary is sorted: they are merged in one pass, straight into the FST.
/// Stems (marked with a low byte) sort together near the start and are skipped unread.
fn segment_terms(segment: &SegmentReader, fields: &[Field]) -> Map<Vec<u8>> {
    let alive = segment.alive_bitset();
    let dictionaries: Vec<(usize, Arc<InvertedIndexReader>)> =
        fields.iter().enumerate().filter_map(|(i, &f)| segment.inverted_index(f).ok().map(|inv| (i, inv))).collect();
    let mark = analysis::STEM_MARK as u8;
    let mut streams = Vec::with_capacity(2 * dictionaries.len());
    for (i, inverted) in &dictionaries {
        for range in [inverted.terms().range().lt([mark]), inverted.terms().range().ge([mark + 1])] {
            if let Ok(mut stream) = range.into_stream()
                && stream.advance()
            {
                streams.push((*i, inverted, stream));
            }
        }
    }
    let mut builder = MapBuilder::memory();
    let mut key = Vec::new();
    while let Some(min) = streams.iter().map(|(_, _, s)| s.key()).min() {
        key.clear();
        key.extend_from_slice(min);
        let mut value = 0u64;
        streams.retain_mut(|(i, inverted, stream)| {
            if stream.key() != key.as_slice() {
                return true;
            }
            let df = live_doc_freq(inverted, stream.value(), alive);
            if df > 0 {
                value = combine(value, df << FIELD_BITS | 1 << *i);
            }
            stream.advance()
        });
        if value != 0 && builder.insert(&key, value).is_err() {
            break;
        }
    }
    builder.into_inner().ok().and_then(|bytes| Map::from_bytes(bytes).ok()).unwrap_or_else(empty)
}

fn empty() -> Map<Vec<u8>> {
    Map::from_iter(std::iter::empty::<(Vec<u8>, u64)>()).expect("an empty map builds")
}

/// Live documents with a term in one segment: the dictionary's count when the segment has no
/// deleted documents (the usual case), else counted from the postings, which is slower.
pub fn live_doc_freq(inverted: &InvertedIndexReader, info: &TermInfo, alive: Option<&AliveBitSet>) -> u64 {
    match alive {
        None => u64::from(info.doc_freq),
        Some(alive) => match inverted.read_postings_from_terminfo(info, IndexRecordOption::Basic) {
            Ok(mut postings) => u64::from(postings.count(alive)),
            Err(_) => 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Fields;

    #[test]
    fn typo_corrections_keep_the_first_letter_and_are_remembered_per_commit() {
        let mut ram = testing::RamIndex::new();
        ram.add("a", "coroutines corutines coroutine", "");
        ram.add("b", "coroutines koroutines corotuines", "");
        let title = [ram.fields.title];
        let vocab = Vocabulary::build(&ram.commit(), &title);
        let mut found = vocab.within("coroutines", 1).to_vec();
        found.sort();
        let expected = [("corotuines", 1), ("coroutine", 1), ("coroutines", 2), ("corutines", 1)];
        assert_eq!(found, expected.map(|(t, n)| (t.to_string(), n)), "a transposition is one edit; k is not c");
        assert_eq!(vocab.within("coroutines", 1).len(), 4, "from the memo");
        assert_eq!(vocab.within("coroutines", 2).len(), 4, "another distance is another answer");
        assert_eq!(vocab.typos.read().unwrap().len(), 2);
        // The next commit: its own answers, none carried over.
        ram.remove("b");
        let next = vocab.rebuild(&ram.commit(), &title);
        assert!(next.typos.read().unwrap().is_empty());
        let mut found = next.within("coroutines", 1).to_vec();
        found.sort();
        assert_eq!(found, [("coroutine", 1), ("coroutines", 1), ("corutines", 1)].map(|(t, n)| (t.to_string(), n)));
    }

    #[test]
    fn remembered_completions_are_the_scanned_ones_and_not_carried_to_the_next_commit() {
        let mut ram = testing::RamIndex::new();
        // More completions of `co` than MEMO_MIN_SCAN, with frequencies that tie.
        for doc in 0..4 {
            let words: Vec<String> =
                (0..MEMO_MIN_SCAN + 500).filter(|i| i % 4 >= doc).map(|i| format!("co{i}x")).collect();
            ram.add(&format!("t{doc}"), &words.join(" "), "");
        }
        let title = [ram.fields.title];
        let vocab = Vocabulary::build(&ram.commit(), &title);
        let (scanned, seen) = vocab.scan_prefixed("co", 20, 50_000);
        assert!(seen > MEMO_MIN_SCAN);
        assert_eq!(scanned.len(), 20);
        assert_eq!(vocab.top_prefixed("co", 20, 50_000), scanned);
        assert_eq!(vocab.top_prefixed("co", 20, 50_000), scanned, "from the memo");
        assert_eq!(vocab.memo.read().unwrap().len(), 1);
        assert_eq!(vocab.top_prefixed("co", 8, 50_000), vocab.scan_prefixed("co", 8, 50_000).0);
        // A new commit: the old answers do not hold and are not kept.
        ram.remove("t0");
        let next = vocab.rebuild(&ram.commit(), &title);
        assert!(next.memo.read().unwrap().is_empty());
        let answer = next.top_prefixed("co", 20, 50_000);
        assert_eq!(answer, next.scan_prefixed("co", 20, 50_000).0);
        assert_eq!(answer[0].1, 3, "one of the four talks is gone");
    }

    #[test]
    fn merges_fields_and_finds_prefixes_and_near_spellings() {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        analysis::register(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (title, abstract_) in
            [("Coroutines", "coroutine scheduling"), ("Coroutines again", "corporate"), ("Core", "x")]
        {
            let mut talk = crate::Talk::new(title, title);
            talk.r#abstract = abstract_.into();
            writer.add_document(fields.document(&talk, abstract_)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let text: Vec<Field> = crate::schema::TextField::ALL.iter().map(|&f| fields.text(f)).collect();
        let vocab = Vocabulary::build(&searcher, &text);
        assert_eq!(vocab.doc_freq("coroutines"), 2);
        assert_eq!(vocab.doc_freq("coroutin"), 0, "stems are not in the vocabulary");
        assert_eq!(vocab.doc_freq("scheduling"), 1);
        assert!(vocab.may_have("coroutines", fields.title) && !vocab.may_have("coroutines", fields.r#abstract));
        assert!(!vocab.may_have("scheduling", fields.title) && vocab.may_have("scheduling", fields.r#abstract));
        assert!(!vocab.may_have("absent", fields.title));
        // Asked again (now remembered): the same answers.
        assert!(vocab.may_have("coroutines", fields.title) && !vocab.may_have("coroutines", fields.r#abstract));
        assert!(!vocab.may_have("absent", fields.title) && !vocab.may_have("absent", fields.r#abstract));
        assert!(vocab.may_have("\u{1}schedul", fields.title), "stems are not known, so maybe anywhere");
        assert!(vocab.may_have("x", fields.id), "a field the vocabulary does not cover may have anything");
        let top = vocab.top_prefixed("cor", 2, 100);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0], ("coroutines".to_string(), 2));
        assert_eq!(top[1].1, 1);
        assert!(vocab.top_prefixed("coroutines", 5, 100).is_empty(), "only longer terms complete a prefix");
        let dfa = tantivy::query::FuzzyTermQuery::new(tantivy::Term::from_field_text(text[0], "corutines"), 1, true)
            .automaton()
            .unwrap();
        assert_eq!(vocab.search(&dfa, None), vec![("coroutines".to_string(), 2)]);
        assert_eq!(vocab.search(&dfa, Some('c')), vec![("coroutines".to_string(), 2)]);
        assert!(vocab.search(&dfa, Some('x')).is_empty());
    }

    fn all(vocab: &Vocabulary) -> Vec<(String, u64)> {
        vocab.search(tantivy_fst::automaton::AlwaysMatch, None)
    }

    #[test]
    fn a_rebuild_reads_only_changed_segments_and_equals_a_fresh_build() {
        let mut ram = testing::RamIndex::new();
        for (id, title) in [("a", "Zygote cells"), ("b", "Zygote again"), ("c", "Other")] {
            ram.add(id, title, "");
        }
        let title = [ram.fields.title];
        let first = Vocabulary::build(&ram.commit(), &title);
        ram.add("d", "Zygote anew", "");
        let second = first.rebuild(&ram.commit(), &title);
        assert!(Arc::ptr_eq(&first.parts[0].map, &second.parts[0].map), "the unchanged segment is not read again");
        assert_eq!(second.doc_freq("zygote"), 3);
        ram.remove("a");
        let searcher = ram.commit();
        let third = second.rebuild(&searcher, &title);
        assert!(!Arc::ptr_eq(&second.parts[0].map, &third.parts[0].map), "a segment with new deletes is read again");
        assert!(Arc::ptr_eq(&second.parts[1].map, &third.parts[1].map));
        assert_eq!(all(&third), all(&Vocabulary::build(&searcher, &title)));
        assert_eq!(third.doc_freq("zygote"), 2);
        assert_eq!(third.doc_freq("cells"), 0);
    }

    #[test]
    fn a_words_fields_are_those_of_all_segments_and_follow_deletes() {
        let mut ram = testing::RamIndex::new();
        ram.add("a", "Zed", "");
        ram.add("b", "Other", "");
        let fields = [ram.fields.title, ram.fields.speakers];
        let (title, speakers) = (fields[0], fields[1]);
        let first = Vocabulary::build(&ram.commit(), &fields);
        assert!(first.may_have("zed", title) && !first.may_have("zed", speakers));
        ram.add("c", "Talk", "Zed Shaw");
        let searcher = ram.commit();
        let second = first.rebuild(&searcher, &fields);
        assert!(second.may_have("zed", title) && second.may_have("zed", speakers), "joined over segments");
        assert_eq!(second.doc_freq("zed"), 2, "counts are summed");
        assert_eq!(all(&second), all(&Vocabulary::build(&searcher, &fields)));
        ram.remove("a");
        let searcher = ram.commit();
        let third = second.rebuild(&searcher, &fields);
        assert!(!third.may_have("zed", title) && third.may_have("zed", speakers), "the deleted talk's field is gone");
        assert_eq!(third.doc_freq("zed"), 1);
        let fresh = Vocabulary::build(&searcher, &fields);
        assert_eq!(third.map.as_fst().to_vec(), fresh.map.as_fst().to_vec());
    }

    /// What [`segment_terms`] gives, worked out the simple way: every term of every field
    /// collected, sorted and added up.
    fn reference(segment: &SegmentReader, fields: &[Field]) -> Vec<(String, u64)> {
        let mut terms = std::collections::BTreeMap::<Vec<u8>, u64>::new();
        for (i, &field) in fields.iter().enumerate() {
            let inverted = segment.inverted_index(field).unwrap();
            let mut stream = inverted.terms().stream().unwrap();
            while stream.advance() {
                let df = live_doc_freq(&inverted, stream.value(), segment.alive_bitset());
                if stream.key().first() != Some(&(analysis::STEM_MARK as u8)) && df > 0 {
                    let value = terms.entry(stream.key().to_vec()).or_default();
                    *value = combine(*value, df << FIELD_BITS | 1 << i);
                }
            }
        }
        terms.into_iter().map(|(k, v)| (String::from_utf8(k).unwrap(), v)).collect()
    }

    #[test]
    fn one_merged_pass_equals_collecting_and_sorting() {
        let mut ram = testing::RamIndex::new();
        for (id, title, speaker) in
            [("a", "Running coroutines", "Ann Runner"), ("b", "Scheduling runs", "Bo"), ("c", "Élan and ran", "Run")]
        {
            ram.add(id, title, speaker);
        }
        ram.commit();
        ram.remove("b");
        let searcher = ram.commit();
        let fields: Vec<Field> = crate::schema::TextField::ALL.iter().map(|&f| ram.fields.text(f)).collect();
        let segment = searcher.segment_reader(0);
        let merged = segment_terms(segment, &fields);
        let mut got = Vec::new();
        let mut stream = merged.stream();
        while let Some((k, v)) = stream.next() {
            got.push((String::from_utf8(k.to_vec()).unwrap(), v));
        }
        assert_eq!(got, reference(segment, &fields));
        assert!(got.contains(&("run".to_string(), 1 << FIELD_BITS | 0b10)), "a speaker, not a title word: {got:?}");
        assert!(!got.iter().any(|(t, _)| t == "scheduling"), "the deleted talk's words are gone");
    }

    #[test]
    fn deleted_talks_do_not_count() {
        let mut ram = testing::RamIndex::new();
        for (id, title) in [("a", "Zygote cells"), ("b", "Zygote again"), ("c", "Other")] {
            ram.add(id, title, "");
        }
        ram.commit();
        ram.remove("a");
        ram.remove("c");
        let searcher = ram.commit();
        let fields = &ram.fields;
        assert!(searcher.segment_reader(0).alive_bitset().is_some(), "the segment keeps its deleted talks");
        let vocab = Vocabulary::build(&searcher, &[fields.title]);
        assert_eq!(vocab.doc_freq("zygote"), 1);
        assert_eq!(vocab.doc_freq("cells"), 0);
        assert_eq!(vocab.doc_freq("other"), 0);
    }
}

/// An in-memory index for tests, whose segments are never merged.
#[cfg(test)]
pub(crate) mod testing;
