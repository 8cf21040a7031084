//! The per-document arrays the words query scores a segment in, and the bit-set helpers.

use std::cell::RefCell;

use tantivy::{DocId, Score};

/// Per-document arrays of one segment, reused by the searches of a thread: as long as the
/// largest segment scored here, at most [`super::DENSE_MAX_DOCS`] (about 1.6 MB a thread).
/// Every array is all zeros (every bit clear, every list empty) between searches, unless
/// `dirty`: a search that failed (an I/O error) or panicked half-way, after which the next one
/// clears them first.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) dirty: bool,
    pub(super) field: Vec<Score>,
    pub(super) max: Vec<Score>,
    pub(super) sum: Vec<Score>,
    pub(super) total: Vec<Score>,
    pub(super) in_field: Vec<u64>,
    pub(super) in_word: Vec<u64>,
    pub(super) in_total: Vec<u64>,
    pub(super) field_docs: Vec<DocId>,
    pub(super) word_docs: Vec<DocId>,
    /// The postings of the alternatives of the field being scored, and their weights.
    pub(super) infos: Vec<(tantivy::postings::TermInfo, Score)>,
    /// Those alternatives' postings as the snapshot remembers them decoded, if it does.
    pub(super) decoded: Vec<Option<std::sync::Arc<crate::statistics::Decoded>>>,
}

impl Scratch {
    /// Makes the arrays `docs` long, and all zeros if a search left them dirty.
    pub(super) fn fit(&mut self, docs: usize) {
        if std::mem::take(&mut self.dirty) {
            for v in [&mut self.field, &mut self.max, &mut self.sum, &mut self.total] {
                v.fill(0.0);
            }
            for v in [&mut self.in_field, &mut self.in_word, &mut self.in_total] {
                v.fill(0);
            }
            self.field_docs.clear();
            self.word_docs.clear();
            self.infos.clear();
            self.decoded.clear();
        }
        let words = docs.div_ceil(64);
        for v in [&mut self.field, &mut self.max, &mut self.sum, &mut self.total] {
            if v.len() < docs {
                v.resize(docs, 0.0);
            }
        }
        for v in [&mut self.in_field, &mut self.in_word, &mut self.in_total] {
            if v.len() < words {
                v.resize(words, 0);
            }
        }
    }
}

impl Scratch {
    /// Combines `doc`'s score in the field just scored into its word's (dis-max and sum over
    /// fields), listing it in `word_docs` if `list` and it is new to the word.
    pub(super) fn add_to_word(&mut self, doc: DocId, list: bool) {
        let d = doc as usize;
        let score = std::mem::take(&mut self.field[d]);
        if mark(&mut self.in_word, doc) && list {
            self.word_docs.push(doc);
        }
        self.max[d] = larger(score, self.max[d]);
        self.sum[d] += score;
    }

    /// Adds `doc`'s word score into its total; 1 if the document is new to the total.
    pub(super) fn add_to_total(&mut self, doc: DocId, tie_breaker: Option<Score>) -> usize {
        let d = doc as usize;
        let (max, sum) = (std::mem::take(&mut self.max[d]), std::mem::take(&mut self.sum[d]));
        let new = usize::from(mark(&mut self.in_total, doc));
        self.total[d] += combine(max, sum, tie_breaker);
        new
    }
}

impl Scratch {
    /// [`Scratch::add_to_word`] for every document of a field whose postings cover much of
    /// the segment (`docs` long), in one pass over the whole arrays instead of one visit per
    /// matching document (the loops vectorise). A document the field does not have has a zero
    /// score there, which leaves its word's dis-max and sum as they were, to the bit (scores
    /// are positive).
    pub(super) fn add_field_to_word_dense(&mut self, docs: usize) {
        let (field, max, sum) = (&mut self.field[..docs], &mut self.max[..docs], &mut self.sum[..docs]);
        for ((f, m), s) in field.iter_mut().zip(max.iter_mut()).zip(sum.iter_mut()) {
            let score = std::mem::take(f);
            *m = larger(score, *m);
            *s += score;
        }
        let words = docs.div_ceil(64);
        for (w, f) in self.in_word[..words].iter_mut().zip(&mut self.in_field[..words]) {
            *w |= std::mem::take(f);
        }
    }

    /// [`Scratch::add_to_total`] for every document of a word with a dense field, in one pass
    /// over the whole arrays (a document without the word adds a zero, leaving its total as it
    /// was); returns how many documents are new to the total.
    pub(super) fn add_word_to_total_dense(&mut self, docs: usize, tie_breaker: Option<Score>) -> usize {
        let (max, sum, total) = (&mut self.max[..docs], &mut self.sum[..docs], &mut self.total[..docs]);
        match tie_breaker {
            Some(tie) => {
                for ((m, s), t) in max.iter_mut().zip(sum.iter_mut()).zip(total.iter_mut()) {
                    let (m, s) = (std::mem::take(m), std::mem::take(s));
                    *t += m + (s - m) * tie;
                }
            }
            None => {
                for ((m, s), t) in max.iter_mut().zip(sum.iter_mut()).zip(total.iter_mut()) {
                    *m = 0.0;
                    *t += std::mem::take(s);
                }
            }
        }
        let mut new = 0;
        let words = docs.div_ceil(64);
        for (w, t) in self.in_word[..words].iter_mut().zip(&mut self.in_total[..words]) {
            let bits = std::mem::take(w);
            new += (bits & !*t).count_ones() as usize;
            *t |= bits;
        }
        new
    }
}

/// A term's frequency factor in a document, `tf / (tf + k1 * length factor)`, the length
/// factor looked up by the document's field length code `norm` in the field's `lengths`.
pub(super) fn tf_factor(tf: u32, lengths: &[Score; 256], norm: u8) -> Score {
    let tf = tf as Score;
    tf / (tf + lengths[usize::from(norm)])
}

/// A word's score from its fields' best score and their sum: their dis-max with
/// `tie_breaker`, or the sum.
pub(super) fn combine(max: Score, sum: Score, tie_breaker: Option<Score>) -> Score {
    match tie_breaker {
        Some(tie) => max + (sum - max) * tie,
        None => sum,
    }
}

/// `Score::max` of two scores, which are never NaN nor -0, so that the two agree to the bit;
/// without `Score::max`'s NaN rule it is one `maxps` in the dense loop (which vectorised
/// poorly: 57M -> 41M instructions over the bench's search-box topics).
pub(super) fn larger(a: Score, b: Score) -> Score {
    if a > b { a } else { b }
}

/// The documents of word `i` of a bit set (its bit `k` is document `64 * i + k`), in order.
pub(super) fn docs_in(i: usize, mut bits: u64) -> impl Iterator<Item = DocId> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let k = bits.trailing_zeros();
            bits &= bits - 1;
            (i * 64) as DocId + k
        })
    })
}

/// Sets bit `doc`; true if it was clear.
pub(super) fn mark(bits: &mut [u64], doc: DocId) -> bool {
    let (word, bit) = ((doc / 64) as usize, 1u64 << (doc % 64));
    let clear = bits[word] & bit == 0;
    bits[word] |= bit;
    clear
}

thread_local! {
    pub(super) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
