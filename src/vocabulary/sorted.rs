//! The vocabulary's terms in order in flat arrays, for a prefix's most frequent completions.
//!
//! Streaming a prefix's completions out of the FST costs some 2,000 instructions a completion
//! (its nodes decoded, each key rebuilt, compared with the range's bounds): 4-5% of a search
//! of the search-box mixes went to the prefixes of under [`super::MEMO_MIN_SCAN`] completions,
//! which are not remembered. Here the completions are a range of the sorted terms, found by two
//! binary searches, and their frequencies one array read each; only the few kept become strings.
//! The answers are the FST scan's, to the order of ties (checked against it in the tests).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy_fst::{Map, Streamer};

use super::FIELD_BITS;

/// Every term of a vocabulary's FST, in its order, with its frequency.
#[derive(Default)]
pub(super) struct SortedTerms {
    /// The terms' bytes, one after another.
    bytes: Vec<u8>,
    /// Where each term ends in `bytes`.
    ends: Vec<u32>,
    /// Each term's number of talks.
    freqs: Vec<u32>,
}

impl SortedTerms {
    /// The terms of `map` (values as [`super::Vocabulary`]'s: frequency above
    /// [`FIELD_BITS`]), streamed from it (some 1,200 instructions a term: where the FST is
    /// built, [`SortedTerms::push`] its terms instead); None if they do not fit (see
    /// [`SortedTerms::push`]).
    pub(super) fn of(map: &Map<Vec<u8>>) -> Option<SortedTerms> {
        let mut terms = SortedTerms {
            bytes: Vec::new(),
            ends: Vec::with_capacity(map.len()),
            freqs: Vec::with_capacity(map.len()),
        };
        let mut stream = map.stream();
        while let Some((key, value)) = stream.next() {
            if !terms.push(key, value) {
                return None;
            }
        }
        Some(terms.shrunk())
    }

    /// Appends a term, after every term so far in the FST's order, with its value; false (and
    /// nothing appended) if its end or frequency does not fit 32 bits: then the FST is scanned
    /// instead.
    pub(super) fn push(&mut self, key: &[u8], value: u64) -> bool {
        let (Ok(end), Ok(freq)) = (u32::try_from(self.bytes.len() + key.len()), u32::try_from(value >> FIELD_BITS))
        else {
            return false;
        };
        debug_assert!(self.ends.is_empty() || self.term(self.ends.len() - 1) < key);
        self.bytes.extend_from_slice(key);
        self.ends.push(end);
        self.freqs.push(freq);
        true
    }

    /// The same, its arrays no larger than they need to be.
    pub(super) fn shrunk(mut self) -> SortedTerms {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.freqs.shrink_to_fit();
        self
    }

    fn term(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The index of the first term for which `before` is false (terms for which it is true
    /// come first).
    fn first_not(&self, before: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.ends.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(self.term(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The `k` most frequent terms starting with `prefix` (longer than it) among the first
    /// `scan` of them in order, most frequent first, ties in term order; and how many terms
    /// were looked at (`scan + 1` when there were more), as the FST scan counts them.
    pub(super) fn top_prefixed(&self, prefix: &str, k: usize, scan: usize) -> (Vec<(String, u64)>, usize) {
        let prefix = prefix.as_bytes();
        // The FST's range: greater than the prefix, less than the prefix and a 0xff byte.
        let mut upper = prefix.to_vec();
        upper.push(0xff);
        let from = self.first_not(|t| t <= prefix);
        let to = self.first_not(|t| t < upper.as_slice());
        let seen = (to - from).min(scan.saturating_add(1));
        // Term order is index order: the heap keeps the FST scan's choice among ties.
        let mut heap: BinaryHeap<Reverse<(u32, usize)>> = BinaryHeap::with_capacity(k + 1);
        for i in from..from + (to - from).min(scan) {
            let df = self.freqs[i];
            if heap.len() < k {
                heap.push(Reverse((df, i)));
            } else if heap.peek().is_some_and(|Reverse((min, _))| df > *min) {
                heap.pop();
                heap.push(Reverse((df, i)));
            }
        }
        let mut out: Vec<(String, u64)> = heap
            .into_iter()
            .filter_map(|Reverse((df, i))| {
                std::str::from_utf8(self.term(i)).ok().map(|t| (t.to_string(), u64::from(df)))
            })
            .collect();
        out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        (out, seen)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Vocabulary, testing::RamIndex};

    /// Words over a small alphabet (many shared prefixes), some outside ASCII, in talks whose
    /// word sets overlap so that frequencies tie.
    fn words(n: usize) -> Vec<String> {
        let letters = ["a", "b", "é", "c"];
        (0..n)
            .map(|mut i| {
                let mut w = String::from("w");
                while i > 0 {
                    w.push_str(letters[i % letters.len()]);
                    i /= letters.len();
                }
                w
            })
            .collect()
    }

    #[test]
    fn completions_are_the_fst_scans_to_the_order_of_ties() {
        let all = words(700);
        let mut ram = RamIndex::new();
        let title = [ram.fields.title];
        let mut checked = 0;
        // One segment, then two (their terms merged into one FST).
        for segment in 0..2 {
            for doc in 0..5 {
                let text: Vec<&str> =
                    all.iter().enumerate().filter(|(i, _)| (i + segment) % 5 >= doc).map(|(_, w)| w.as_str()).collect();
                ram.add(&format!("t{segment}-{doc}"), &text.join(" "), "");
            }
            let vocab = Vocabulary::build(&ram.commit(), &title);
            let sorted = vocab.sorted.as_ref().expect("the terms fit");
            let mut prefixes: Vec<String> =
                all.iter().flat_map(|w| (0..=w.len()).filter_map(|n| w.get(..n))).map(String::from).collect();
            prefixes.extend(["x", "wé", "w\u{ff}", "zzz"].map(String::from));
            prefixes.sort();
            prefixes.dedup();
            for prefix in &prefixes {
                for (k, scan) in [(1, 50_000), (3, 5), (20, 50_000), (20, 1), (8, 0)] {
                    let ours = sorted.top_prefixed(prefix, k, scan);
                    assert_eq!(ours, vocab.stream_prefixed(prefix, k, scan), "{prefix:?} k {k} scan {scan}");
                    checked += usize::from(ours.0.len() > 1);
                }
            }
        }
        assert!(checked > 300, "{checked} answers of several completions");
    }
}
