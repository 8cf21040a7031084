//! The BM25 statistics of one snapshot, remembered.
//!
//! tantivy computes a term's weight from its document frequency over the whole index, which
//! it looks up in every segment's term dictionary each time a query is built; a search-box
//! query has 20-40 terms (each word's exact form, stems, typo corrections and completions, in
//! every field that has them), and those lookups were a tenth of a search. A snapshot never
//! changes, so [`Statistics`] asks the searcher once per term and keeps the answer, for the
//! snapshot's life (a commit makes a new snapshot, and new statistics). Scores are exactly
//! those of the searcher's own statistics.
//!
//! [`TermInfos`] does the same for where each term's postings are in each segment, which the
//! scorer of the query words ([`crate::words`]) looked up in the segment's term dictionary for
//! every alternative in every field of every word, on every search: about 40 walks of a term
//! dictionary a search, some 5% of its cycles (`perf`, the topics mix). It also keeps, up to a
//! bound, the postings the words scorer read in small segments, decoded and with each
//! document's frequency factor ([`Decoded`]): the second search with a term multiplies, where
//! the first unpacked blocks, looked up field lengths and divided (a tenth of a search's
//! instructions once its terms were seen, the topics and typing mixes). And, from a word's
//! second search on, the word's scores in each small segment (`words/remembered.rs`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use crate::analysis::FoldHash;

/// Most document frequencies remembered (about 64 bytes each): past it, lookups go to the
/// index (a flood of distinct made-up words cannot grow memory).
const MAX_TERMS: usize = 100_000;

/// Document frequencies and token counts of one searcher, looked up once.
pub(crate) struct Statistics {
    searcher: Searcher,
    total_docs: u64,
    tokens: RwLock<HashMap<Field, u64, FoldHash>>,
    doc_freqs: RwLock<HashMap<Term, u64, FoldHash>>,
}

impl Statistics {
    /// The statistics of `searcher`'s commit.
    pub(crate) fn new(searcher: &Searcher) -> Statistics {
        let total_docs = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
        Statistics {
            searcher: searcher.clone(),
            total_docs,
            tokens: RwLock::new(HashMap::with_hasher(FoldHash::new())),
            doc_freqs: RwLock::new(HashMap::with_hasher(FoldHash::new())),
        }
    }
}

impl Bm25StatisticsProvider for Statistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&n) = self.tokens.read().unwrap_or_else(|e| e.into_inner()).get(&field) {
            return Ok(n);
        }
        let n = Bm25StatisticsProvider::total_num_tokens(&self.searcher, field)?;
        self.tokens.write().unwrap_or_else(|e| e.into_inner()).insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.total_docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.doc_freqs.read().unwrap_or_else(|e| e.into_inner()).get(term) {
            return Ok(n);
        }
        let n = self.searcher.doc_freq(term)?;
        let mut memo = self.doc_freqs.write().unwrap_or_else(|e| e.into_inner());
        if memo.len() < MAX_TERMS {
            memo.insert(term.clone(), n);
        }
        Ok(n)
    }
}

/// Word key -> the word's best score in each window of one segment.
type SegmentWords = HashMap<Vec<u8>, Arc<[f32]>, FoldHash>;

/// Term -> its postings' place in one segment (None: not there).
type SegmentTerms = HashMap<Term, Option<TermInfo>, FoldHash>;

/// Where each term's postings are in each segment (or that it has none), looked up once per
/// snapshot: at most [`MAX_TERMS`] answers (about 100 bytes each), past which lookups go to the
/// term dictionary. A segment's term dictionary never changes, so an answer stays true.
///
/// It also remembers, for the words query's large segments (`words::pruning`), the best score
/// (or a bound of it) each query word reached in each window of [`WORD_WINDOW`] documents of
/// each segment, learnt while finding top hits there, and each term's highest frequency
/// factor in each window, in at most [`MAX_WORD_BYTES`] in all. Each is keyed by all it
/// depends on (fields, terms, boosts, BM25 weights, length factors), so it stays true for the
/// snapshot's life.
///
/// And, for segments scored term at a time into flat arrays (`words`), each term's postings
/// as they were read and scored: its documents and their frequency factors (see
/// [`Decoded`]), in at most [`MAX_DECODED_BYTES`] in all, and the fields' length factors
/// those were made with; and words' scores there ([`crate::words::WordScores`]).
#[derive(Default)]
pub(crate) struct TermInfos {
    /// Segment -> term -> its postings' place.
    segments: RwLock<HashMap<SegmentId, SegmentTerms, FoldHash>>,
    /// Segment -> word key -> the word's best score in each window there.
    word_maxima: RwLock<Maxima>,
    /// Field, its token count and the documents -> its length factors.
    lengths: RwLock<Vec<(LengthsKey, Arc<[Score; 256]>)>>,
    /// Terms' postings, decoded with their frequency factors.
    decoded: RwLock<DecodedPostings>,
    /// Most bytes of them ([`MAX_DECODED_BYTES`] if None).
    decoded_limit: Option<usize>,
    /// Words' scores in small segments, from their second search on.
    pub(crate) word_scores: crate::words::WordScores,
}

/// A field, its token count and the documents: what its length factors are made from.
type LengthsKey = (Field, u64, u64);

/// A term's postings in one field of one segment, read and scored once: its documents in
/// order, each with its frequency factor `tf / (tf + length factor)` by the field's length
/// factors `lengths`. Scoring the term is then a multiplication a document: no block to
/// unpack, no field length to look up, no division.
pub(crate) struct Decoded {
    /// The length factors the factors were made with.
    pub(crate) lengths: Arc<[Score; 256]>,
    pub(crate) docs: Box<[DocId]>,
    pub(crate) factors: Box<[Score]>,
}

impl Decoded {
    /// The bytes a term of `docs` documents holds decoded: its documents and factors, and
    /// about 100 for the entry (key, counts, pointers), so that many rare terms count too.
    pub(crate) fn bytes(docs: u32) -> usize {
        100 + docs as usize * (std::mem::size_of::<DocId>() + std::mem::size_of::<Score>())
    }
}

/// (segment, field, where the postings start) -> the term's postings decoded.
type DecodedKey = (SegmentId, Field, usize);

/// Decoded postings and the bytes they hold.
#[derive(Default)]
struct DecodedPostings {
    terms: HashMap<DecodedKey, Arc<Decoded>, FoldHash>,
    bytes: usize,
}

/// Most bytes of decoded postings remembered (8 a posting, see [`Decoded::bytes`]); past it,
/// postings are read from the index. A word searched three times or more is added from its
/// remembered scores instead ([`crate::words::WordScores`], up to 8 MB), which the topics and
/// typing mixes on the 21,713-talk corpus fill with 7.4 MB: decoded postings serve the first
/// and second searches of a word, and the alternatives that change as a query is typed. With
/// 2 MB of them a round of the two mixes, once the words are remembered, took as many
/// instructions as with 8 MB (524.0M against 527.7M), a warm-up and two rounds 1.6% more: 6 MB
/// kept under the 100 MB the server is to stay within.
pub(crate) const MAX_DECODED_BYTES: usize = 2 << 20;

/// The words' best scores of each segment, and the bytes they hold.
#[derive(Default)]
struct Maxima {
    segments: HashMap<SegmentId, SegmentWords, FoldHash>,
    bytes: usize,
}

impl std::fmt::Debug for TermInfos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known = self.segments.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("TermInfos").field("terms", &known.values().map(HashMap::len).sum::<usize>()).finish()
    }
}

/// Documents in a window of a word's best scores (`words::pruning`).
pub(crate) const WORD_WINDOW: u32 = 4_096;

/// Most bytes of words' best scores and terms' peak factors remembered in all: 4 a window
/// (492 for the 123 windows of a segment of 500,000 talks), plus the key (a word's,
/// `words::pruning::word_key`: 9 bytes a field and, per alternative in it, its text and 12
/// bytes; a term's, its text and 16 bytes).
const MAX_WORD_BYTES: usize = 64 << 20;

impl TermInfos {
    /// Where each of `terms` has its postings in `segment` (None: not there), in order: what
    /// the segment's term dictionaries say, remembered. The memory is read under one lock for
    /// all of them (a lock a term, two searching threads passed its cache line between their
    /// cores: 4% of a loaded server's time).
    pub(crate) fn get_all(&self, segment: &SegmentReader, terms: &[&Term]) -> tantivy::Result<Vec<Option<TermInfo>>> {
        let id = segment.segment_id();
        let mut out = Vec::with_capacity(terms.len());
        let mut missing = Vec::new();
        let known = self.segments.read().unwrap_or_else(|e| e.into_inner());
        let here = known.get(&id);
        for (i, term) in terms.iter().enumerate() {
            match here.and_then(|h| h.get(*term)) {
                Some(info) => out.push(info.clone()),
                None => {
                    out.push(None);
                    missing.push(i);
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let full = known.values().map(HashMap::len).sum::<usize>() >= MAX_TERMS;
        drop(known);
        for &i in &missing {
            out[i] = segment.inverted_index(terms[i].field())?.get_term_info(terms[i])?;
        }
        if !full {
            let mut known = self.segments.write().unwrap_or_else(|e| e.into_inner());
            let here = known.entry(id).or_default();
            for i in missing {
                here.insert(terms[i].clone(), out[i].clone());
            }
        }
        Ok(out)
    }

    /// The length factors of `field` with `tokens` tokens in `docs` documents, made by `make`
    /// the first time (one table a field for the snapshot's life, so that postings decoded
    /// with it are known to be decoded with the same).
    pub(crate) fn length_factors(
        &self,
        key: LengthsKey,
        make: impl FnOnce() -> Arc<[Score; 256]>,
    ) -> Arc<[Score; 256]> {
        if let Some((_, made)) = self.lengths.read().unwrap_or_else(|e| e.into_inner()).iter().find(|(k, _)| *k == key)
        {
            return made.clone();
        }
        let mut known = self.lengths.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, made)) = known.iter().find(|(k, _)| *k == key) {
            return made.clone();
        }
        let made = make();
        // A field's counts are the snapshot's: a few tables at most (a different provider of
        // statistics would add more; bounded all the same).
        if known.len() < 64 {
            known.push((key, made.clone()));
        }
        made
    }

    /// The decoded postings of the terms whose postings start at `starts` in `field` of
    /// `segment`, in order, those remembered (one read of the memory for them all).
    pub(crate) fn decoded_all(
        &self,
        segment: SegmentId,
        field: Field,
        starts: impl Iterator<Item = usize>,
        out: &mut Vec<Option<Arc<Decoded>>>,
    ) {
        let known = self.decoded.read().unwrap_or_else(|e| e.into_inner());
        out.extend(starts.map(|start| known.terms.get(&(segment, field, start)).cloned()));
    }

    /// Whether `bytes` more of decoded postings would be kept.
    pub(crate) fn has_room_decoded(&self, bytes: usize) -> bool {
        self.decoded.read().unwrap_or_else(|e| e.into_inner()).bytes + bytes <= self.decoded_limit()
    }

    fn decoded_limit(&self) -> usize {
        self.decoded_limit.unwrap_or(MAX_DECODED_BYTES)
    }

    /// Remembers the decoded postings of the term whose postings start at `start` in `field`
    /// of `segment`, if there is room.
    pub(crate) fn remember_decoded(&self, segment: SegmentId, field: Field, start: usize, decoded: Arc<Decoded>) {
        let bytes = Decoded::bytes(decoded.docs.len() as u32);
        let mut known = self.decoded.write().unwrap_or_else(|e| e.into_inner());
        if known.bytes + bytes <= self.decoded_limit() && !known.terms.contains_key(&(segment, field, start)) {
            known.terms.insert((segment, field, start), decoded);
            known.bytes += bytes;
        }
    }

    /// A memory that keeps at most `bytes` of decoded postings.
    #[cfg(test)]
    pub(crate) fn with_decoded_limit(bytes: usize) -> TermInfos {
        TermInfos { decoded_limit: Some(bytes), ..TermInfos::default() }
    }

    /// This memory, keeping at most `bytes` of words' scores.
    #[cfg(test)]
    pub(crate) fn with_word_scores_limit(mut self, bytes: usize) -> TermInfos {
        self.word_scores = crate::words::WordScores::with_limit(bytes);
        self
    }

    /// The bytes of decoded postings remembered.
    #[cfg(test)]
    pub(crate) fn decoded_bytes(&self) -> usize {
        self.decoded.read().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// The best scores, window by window, of the word keyed `key` in `segment`, if learnt.
    pub(crate) fn word_maxima(&self, segment: SegmentId, key: &[u8]) -> Option<Arc<[f32]>> {
        let known = self.word_maxima.read().unwrap_or_else(|e| e.into_inner());
        known.segments.get(&segment).and_then(|words| words.get(key)).cloned()
    }

    /// Whether best scores of `windows` windows under a key of `key` bytes would be kept.
    pub(crate) fn has_room(&self, key: usize, windows: usize) -> bool {
        let known = self.word_maxima.read().unwrap_or_else(|e| e.into_inner());
        known.bytes + key + 4 * windows <= MAX_WORD_BYTES
    }

    /// Remembers the best scores, window by window, of the word keyed `key` in `segment`, every
    /// document of it in the segment scored.
    pub(crate) fn learn_word_maxima(&self, segment: SegmentId, key: &[u8], maxima: Vec<f32>) {
        let bytes = key.len() + 4 * maxima.len();
        let mut known = self.word_maxima.write().unwrap_or_else(|e| e.into_inner());
        if known.bytes + bytes <= MAX_WORD_BYTES {
            let before = known.segments.entry(segment).or_default().insert(key.to_vec(), maxima.into());
            known.bytes = known.bytes + bytes - before.map_or(0, |m| key.len() + 4 * m.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Fields;
    use crate::talk::Talk;

    #[test]
    fn answers_as_the_searcher_does() {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (i, title) in ["Coroutines in depth", "Coroutines and generators", "Web APIs"].iter().enumerate() {
            let mut talk = Talk::new(format!("t/{i}"), *title);
            talk.r#abstract = format!("{title}, explained. More on {title}.");
            writer.add_document(fields.document(&talk, &talk.r#abstract)).unwrap();
            // One segment per talk: the counts are sums over segments.
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let stats = Statistics::new(&searcher);
        for word in ["coroutines", "web", "absent", "coroutines"] {
            for field in [fields.title, fields.r#abstract] {
                let term = Term::from_field_text(field, word);
                assert_eq!(stats.doc_freq(&term).unwrap(), searcher.doc_freq(&term).unwrap(), "{word}");
            }
        }
        for field in [fields.title, fields.r#abstract, fields.title] {
            let want = Bm25StatisticsProvider::total_num_tokens(&searcher, field).unwrap();
            assert_eq!(stats.total_num_tokens(field).unwrap(), want);
        }
        assert_eq!(stats.total_num_docs().unwrap(), Bm25StatisticsProvider::total_num_docs(&searcher).unwrap());
        assert_eq!(stats.doc_freqs.read().unwrap().len(), 6, "each term is looked up once");

        let infos = TermInfos::default();
        let terms: Vec<Term> = ["coroutines", "web", "absent"]
            .iter()
            .flat_map(|word| [fields.title, fields.r#abstract].map(|field| Term::from_field_text(field, word)))
            .collect();
        let terms: Vec<&Term> = terms.iter().collect();
        // Some known, some not, then all known: the same answers as the dictionaries'.
        for some in [&terms[..3], &terms[..], &terms[..]] {
            for segment in searcher.segment_readers() {
                let want: Vec<_> =
                    some.iter().map(|t| segment.inverted_index(t.field()).unwrap().get_term_info(t).unwrap()).collect();
                assert_eq!(infos.get_all(segment, some).unwrap(), want);
                assert!(want.iter().any(Option::is_some) && want.iter().any(Option::is_none));
            }
        }
        let known = infos.segments.read().unwrap();
        assert_eq!(known.len(), 3);
        assert!(known.values().all(|terms| terms.len() == 6), "each term is looked up once a segment");
        drop(known);

        // Words' best scores: per segment and key, until the memory's bytes are spent.
        let (one, two) = (searcher.segment_readers()[0].segment_id(), searcher.segment_readers()[1].segment_id());
        infos.learn_word_maxima(one, b"python", vec![1.0, 2.0]);
        assert_eq!(infos.word_maxima(one, b"python").as_deref(), Some(&[1.0, 2.0][..]));
        assert_eq!(infos.word_maxima(two, b"python"), None, "another segment");
        assert_eq!(infos.word_maxima(one, b"pythons"), None, "another word");
        let huge = vec![0.5; MAX_WORD_BYTES / 4];
        infos.learn_word_maxima(two, b"web", huge.clone());
        assert_eq!(infos.word_maxima(two, b"web"), None, "past the limit: not kept");
        infos.learn_word_maxima(two, b"web", huge[..MAX_WORD_BYTES / 8].to_vec());
        assert!(infos.word_maxima(two, b"web").is_some(), "within it: kept");
    }
}
