//! The words query scored against tantivy's own queries, top hits with pruning, counts.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, TermQuery};
use tantivy::{DocAddress, Index, IndexWriter};

use super::scratch::SCRATCH;
use super::*;
use crate::schema::Fields;
use crate::statistics::TermInfos;
use crate::talk::Talk;

fn nested(words: &[Vec<FieldTerms>], tie: Score) -> Box<dyn Query> {
    WordsQuery::new(words.to_vec(), Some(tie)).nested()
}

/// Every document `q` finds in `searcher`, with its score, in document order.
pub(crate) fn all(searcher: &tantivy::Searcher, q: &dyn Query) -> Vec<(DocAddress, Score)> {
    let mut hits: Vec<(DocAddress, Score)> = searcher
        .search(q, &TopDocs::with_limit(10_000).order_by_score())
        .unwrap()
        .into_iter()
        .map(|(s, a)| (a, s))
        .collect();
    hits.sort_by_key(|&(a, _)| a);
    hits
}

/// A searcher over `talks` in memory, committed after each index in `cuts` (so in several
/// segments) and once more after deleting the talk `deleted`.
pub(crate) fn segmented(fields: &Fields, talks: &[Talk], cuts: &[usize], deleted: &str) -> tantivy::Searcher {
    let index = Index::create_in_ram(fields.schema.clone());
    crate::analysis::register(&index);
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for (i, talk) in talks.iter().enumerate() {
        writer.add_document(fields.document(talk, &talk.r#abstract)).unwrap();
        if cuts.contains(&i) {
            writer.commit().unwrap();
        }
    }
    writer.delete_query(Box::new(crate::ids::IdsQuery::new(&[deleted]))).unwrap();
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    assert!(searcher.segment_readers().len() > 1);
    searcher
}

#[test]
fn scores_as_tantivys_own_queries_do() {
    let fields = Fields::new();
    let words = ["coroutines", "generators", "asyncio", "python", "web", "event", "loops"];
    let talks: Vec<Talk> = (0..300usize)
        .map(|i| {
            let pick = |k: usize| words[(i * k + k) % words.len()];
            let mut talk = Talk::new(format!("t/{i}"), format!("{} and {}", pick(3), pick(5)));
            talk.r#abstract = (0..i % 17).map(|k| pick(k + 2)).collect::<Vec<_>>().join(" ");
            talk.tags = vec![pick(7).to_string()];
            // `gevent`: in few titles (a field listed document by document) and in a third
            // of the abstracts (one combined from its bit set), so one word has both.
            if i % 37 == 0 {
                talk.title.push_str(" with gevent");
            }
            if i % 3 == 0 {
                talk.r#abstract.push_str(" gevent");
            }
            talk
        })
        .collect();
    // Segments of 50, 150 and 100 talks.
    let searcher = segmented(&fields, &talks, &[49, 199], "t/5");
    let field_terms = |word: &str, stem: &str| -> Vec<FieldTerms> {
        [(fields.title, 1.5), (fields.r#abstract, 1.0), (fields.tags, 2.0)]
            .into_iter()
            .map(|(field, w)| FieldTerms {
                field,
                terms: vec![
                    (Term::from_field_text(field, word), w),
                    (Term::from_field_text(field, stem), w * 0.5),
                    (Term::from_field_text(field, "absent"), w * 0.2),
                ],
            })
            .collect()
    };
    let query = vec![field_terms("coroutines", "\u{1}coroutin"), field_terms("loops", "\u{1}loop")];
    let ours = WordsQuery::new(query.clone(), Some(0.6));
    let theirs = nested(&query, 0.6);
    let found = all(&searcher, &ours);
    assert!(found.len() > 100, "{}", found.len());
    assert_eq!(found, all(&searcher, theirs.as_ref()), "the same documents, the same scores");
    // Every match visited with its score (`for_each`: collectors of several things at once)
    // as the top hits found them (`for_each_pruning`).
    let both = (TopDocs::with_limit(10_000).order_by_score(), tantivy::collector::Count);
    let (mut visited, counted) = searcher.search(&WordsQuery::new(query.clone(), Some(0.6)), &both).unwrap();
    visited.sort_by_key(|&(_, a)| a);
    assert_eq!(visited.into_iter().map(|(s, a)| (a, s)).collect::<Vec<_>>(), found);
    assert_eq!(counted, found.len());
    // Words whose fields are sparse, dense, or both (see `DENSE_SHARE`).
    for words in [&["gevent", "loops"][..], &["gevent"], &["coroutines", "gevent"]] {
        let q: Vec<Vec<FieldTerms>> = words.iter().map(|w| field_terms(w, "\u{1}none")).collect();
        let mixed = all(&searcher, &WordsQuery::new(q.clone(), Some(0.6)));
        assert!(!mixed.is_empty());
        assert_eq!(mixed, all(&searcher, nested(&q, 0.6).as_ref()), "{words:?}");
        // Fields summed instead of a dis-max.
        let summed = WordsQuery::new(q.clone(), None);
        assert_eq!(all(&searcher, &summed), all(&searcher, summed.nested().as_ref()), "{words:?} summed");
    }
    // Clauses after the words (a query's synonyms: a term, one word scored here too, a
    // boosted one) sum as tantivy's union of them all, the words first, sums them.
    let then = || -> Vec<Box<dyn Query>> {
        let web: Box<dyn Query> =
            Box::new(TermQuery::new(Term::from_field_text(fields.title, "web"), IndexRecordOption::WithFreqs));
        let one_word = WordsQuery::new(vec![field_terms("gevent", "\u{1}none")], Some(0.6));
        vec![web, Box::new(BoostQuery::new(Box::new(one_word), 0.8))]
    };
    let union = BooleanQuery::new(
        std::iter::once(Box::new(WordsQuery::new(query.clone(), Some(0.6))) as Box<dyn Query>)
            .chain(then())
            .map(|q| (Occur::Should, q))
            .collect(),
    );
    let summed = all(&searcher, &WordsQuery::new(query.clone(), Some(0.6)).and_then(then()));
    assert!(summed.len() >= found.len() && summed != found, "the clauses add documents or scores");
    assert_eq!(summed, all(&searcher, &union));
    let then_nested = WordsQuery::new(query.clone(), Some(0.6)).and_then(then()).nested();
    assert_eq!(summed, all(&searcher, then_nested.as_ref()), "nested for large segments");
    // Under an outer boost (a synonym's) too.
    let boosted = BoostQuery::new(Box::new(ours), 0.8);
    assert_eq!(all(&searcher, &boosted), all(&searcher, &BoostQuery::new(theirs, 0.8)));
    // As a required clause besides another.
    let web = || -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(fields.title, "web"), IndexRecordOption::WithFreqs))
    };
    let with = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Should, web())]);
    let required = with(Box::new(WordsQuery::new(query.clone(), Some(0.6))));
    assert_eq!(all(&searcher, &required), all(&searcher, &with(nested(&query, 0.6))));
    let count = WordsQuery::new(query.clone(), Some(0.6)).count(&searcher).unwrap();
    assert_eq!(count, found.len(), "counted without scores, deleted talks left out");
    // A search that stopped half-way (an error, a panic) leaves the arrays dirty: the next
    // one clears them first.
    SCRATCH.with_borrow_mut(|s| {
        s.field[3] = 7.0;
        s.total[4] = 9.0;
        s.in_total[0] |= 1 << 5;
        s.field_docs.push(3);
        s.dirty = true;
    });
    assert_eq!(all(&searcher, &WordsQuery::new(query.clone(), Some(0.6))), found);
    // Segments over the limit scored by tantivy's scorers, alone or beside dense ones.
    let sizes: Vec<u32> = searcher.segment_readers().iter().map(|r| r.max_doc()).collect();
    assert!(sizes.iter().any(|&n| n <= 99) && sizes.iter().any(|&n| n > 99), "{sizes:?}");
    // Large ones are scored window by window (of 16 talks here): alone, boosted, with the
    // clauses after the words, and as required clauses beside another, which seeks them.
    let both = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, web())]);
    for limit in [0, 99] {
        let large = || WordsQuery::new(query.clone(), Some(0.6)).with_dense_limit(limit).with_window(16);
        assert_eq!(all(&searcher, &large()), found, "limit {limit}");
        let boosted = BoostQuery::new(Box::new(large()), 0.8);
        assert_eq!(all(&searcher, &boosted), all(&searcher, &BoostQuery::new(nested(&query, 0.6), 0.8)));
        assert_eq!(all(&searcher, &large().and_then(then())), summed, "limit {limit}, clauses after");
        assert_eq!(all(&searcher, &with(Box::new(large()))), all(&searcher, &with(nested(&query, 0.6))));
        let sought = all(&searcher, &both(Box::new(large())));
        assert!(!sought.is_empty() && sought.len() < found.len(), "{}", sought.len());
        assert_eq!(sought, all(&searcher, &both(nested(&query, 0.6))), "limit {limit}, sought");
    }
}

/// `n` talks whose words follow a skewed distribution, as real text's do: `w0` in most of
/// them, `w1` in many, later words ever rarer (and in several fields, with repeats).
fn skewed_talks(n: usize) -> Vec<Talk> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    // A word index from 0 up, each about half as likely as the one before.
    let mut word = move || format!("w{}", next(1 << 12).leading_zeros().saturating_sub(52));
    (0..n)
        .map(|i| {
            let title: Vec<String> = (0..3).map(|_| word()).collect();
            let mut talk = Talk::new(format!("t/{i}"), title.join(" "));
            talk.r#abstract = (0..(i % 23 + 2)).map(|_| word()).collect::<Vec<_>>().join(" ");
            talk.tags = vec![word()];
            talk
        })
        .collect()
}

/// A query for `words` in the title, abstract and tags, each with a stem and an absent term.
fn skewed_query(fields: &Fields, words: &[&str]) -> Vec<Vec<FieldTerms>> {
    let per_field = [(fields.title, 2.0), (fields.r#abstract, 1.0), (fields.tags, 1.5)];
    words
        .iter()
        .map(|w| {
            per_field
                .iter()
                .map(|&(field, boost)| FieldTerms {
                    field,
                    terms: vec![
                        (Term::from_field_text(field, w), boost),
                        (Term::from_field_text(field, &format!("\u{1}{w}")), boost * 0.5),
                        (Term::from_field_text(field, "absent"), boost * 0.2),
                    ],
                })
                .collect()
        })
        .collect()
}

/// What tantivy's top hits collector is handed by `q` in `searcher`'s segments, with a top-`k`
/// threshold kept as its collector keeps it: (the top `k`, how many were handed over, the
/// count of matches the weight gives after).
fn pruned_top(searcher: &tantivy::Searcher, q: &dyn Query, k: usize) -> (Vec<(Score, DocAddress)>, usize, u32) {
    let weight = q.weight(EnableScoring::enabled_from_searcher(searcher)).unwrap();
    let (mut top, mut handed, mut count) = (Vec::new(), 0, 0);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut segment: Vec<(Score, DocId)> = Vec::new();
        weight
            .for_each_pruning(Score::MIN, reader, &mut |doc, score| {
                handed += 1;
                segment.push((score, doc));
                // Best first, the lower document first among equals; keep `k`.
                segment.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                segment.truncate(k);
                if segment.len() == k { segment[k - 1].0 } else { Score::MIN }
            })
            .unwrap();
        top.extend(segment.into_iter().map(|(s, d)| (s, DocAddress::new(ord as u32, d))));
        count += weight.count(reader).unwrap();
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    top.truncate(k);
    (top, handed, count)
}

#[test]
fn windows_skipped_by_learnt_best_scores_lose_no_hit() {
    let fields = Fields::new();
    let talks = skewed_talks(3_000);
    // Segments of 1,000, 1,200 and 800 talks, one deleted, in windows of 64.
    let searcher = segmented(&fields, &talks, &[999, 2_199], "t/7");
    let (mut skipped_one, mut skipped_several) = (false, false);
    for words in [&["w0"][..], &["w2"], &["w0", "w5"], &["w1", "w0", "w7"], &["w9"]] {
        let query = skewed_query(&fields, words);
        for tie in [Some(0.6), None, Some(1.0)] {
            let exhaustive = WordsQuery::new(query.clone(), tie).nested();
            let matches = all(&searcher, exhaustive.as_ref()).len();
            assert!(matches > 20, "{words:?}: {matches}");
            for k in [1, 3, 10, 100] {
                // A fresh snapshot's memory: the first search learns (one word), the second
                // skips windows with it. Every segment is large.
                let memory = Arc::new(TermInfos::default());
                let pruned = || {
                    let q = WordsQuery::new(query.clone(), tie).with_dense_limit(0).with_window(64);
                    q.remembering(Some(memory.clone()))
                };
                let (theirs, all_handed, _) = pruned_top(&searcher, exhaustive.as_ref(), k);
                let mut scored = Vec::new();
                for round in 0..2 {
                    pruning::SCORED.set(0);
                    let (ours, handed, count) = pruned_top(&searcher, &pruned(), k);
                    scored.push(pruning::SCORED.get());
                    let case = format!("{words:?} tie {tie:?} k {k} round {round}");
                    assert_eq!(ours, theirs, "{case}: the same hits and scores, to the bit");
                    assert!(handed <= all_handed, "{case}: {handed} handed over, {all_handed} without skipping");
                    assert_eq!(count as usize, matches, "{case}: counted, the deleted talk left out");
                    let collected = searcher.search(&pruned(), &TopDocs::with_limit(k).order_by_score()).unwrap();
                    assert_eq!(collected, ours, "{case}: through tantivy's collector");
                }
                // One word: learnt best scores are no looser than the bounds before them.
                // Several: which words are looked up changes with the bounds.
                assert!(words.len() > 1 || scored[1] <= scored[0], "{words:?} {tie:?} k {k}: {scored:?}");
                let few = scored[1] < matches / 2;
                (skipped_one, skipped_several) =
                    (skipped_one || few && words.len() == 1, skipped_several || few && words.len() > 1);
            }
        }
    }
    assert!(skipped_one, "a one-word query scored under half its matches once it had learnt");
    assert!(skipped_several, "a several-word query scored under half its matches once it had learnt");
}

#[test]
fn pruning_stands_aside_for_what_it_cannot_bound() {
    let fields = Fields::new();
    let talks = skewed_talks(1_500);
    let searcher = segmented(&fields, &talks, &[700], "t/3");
    let query = skewed_query(&fields, &["w0", "w4"]);
    let w6: Box<dyn Query> =
        Box::new(TermQuery::new(Term::from_field_text(fields.title, "w6"), IndexRecordOption::WithFreqs));
    // Clauses after the words (no bound: every window scored), a tie breaker over 1 (not
    // pruned): the top hits and counts are still the exhaustive ones.
    let memory = Arc::new(TermInfos::default());
    for q in [
        WordsQuery::new(query.clone(), Some(0.6)).and_then(vec![w6.box_clone()]),
        WordsQuery::new(query.clone(), Some(1.5)),
        // No word, only a clause after them.
        WordsQuery::new(Vec::new(), Some(0.6)).and_then(vec![w6.box_clone()]),
    ] {
        let large = q.clone().with_dense_limit(0).with_window(32).remembering(Some(memory.clone()));
        let nested = q.nested();
        for _ in 0..2 {
            let (ours, _, count) = pruned_top(&searcher, &large, 10);
            let (theirs, _, _) = pruned_top(&searcher, nested.as_ref(), 10);
            assert_eq!(ours, theirs);
            assert_eq!(count as usize, all(&searcher, nested.as_ref()).len());
        }
    }
    assert!(!WordsQuery::new(query.clone(), Some(1.5)).prunes());
    assert!(WordsQuery::new(query, Some(0.6)).and_then(vec![w6]).prunes());
}

/// Statistics of `searcher` with every field's token count doubled: other length factors.
struct LongerFields<'a>(&'a tantivy::Searcher);

impl Bm25StatisticsProvider for LongerFields<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(2 * self.0.total_num_tokens(field)?)
    }
    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.0.total_num_docs()
    }
    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.0.doc_freq(term)
    }
}

#[test]
fn postings_remembered_decoded_score_as_read() {
    let fields = Fields::new();
    let talks = skewed_talks(2_000);
    let searcher = segmented(&fields, &talks, &[799], "t/11");
    let top = TopDocs::with_limit(10_000).order_by_score();
    for words in [&["w0"][..], &["w1", "w0", "w7"], &["w9", "w3"]] {
        let query = skewed_query(&fields, words);
        let theirs = all(&searcher, WordsQuery::new(query.clone(), Some(0.6)).nested().as_ref());
        let longer = |q: &dyn Query| {
            let mut hits = searcher.search_with_statistics_provider(q, &top, &LongerFields(&searcher)).unwrap();
            hits.sort_by_key(|&(_, a)| a);
            hits
        };
        let theirs_longer = longer(WordsQuery::new(query.clone(), Some(0.6)).nested().as_ref());
        assert_ne!(
            theirs_longer.iter().map(|h| h.0).collect::<Vec<_>>(),
            theirs.iter().map(|h| h.1).collect::<Vec<_>>()
        );
        // Room for nothing, for some of the postings, for all of them.
        let mut kept = Vec::new();
        for limit in [0, 6_000, usize::MAX] {
            // (Words' scores not kept: every round reads the postings.)
            let memory = Arc::new(TermInfos::with_decoded_limit(limit).with_word_scores_limit(0));
            let ours = || WordsQuery::new(query.clone(), Some(0.6)).remembering(Some(memory.clone()));
            for round in 0..3 {
                let case = format!("{words:?} limit {limit} round {round}");
                assert_eq!(all(&searcher, &ours()), theirs, "{case}: the same scores, to the bit");
                // Other statistics (length factors) with the same memory: not the factors
                // decoded with the snapshot's.
                assert_eq!(longer(&ours()), theirs_longer, "{case}: other statistics");
            }
            assert!(memory.decoded_bytes() <= limit);
            kept.push(memory.decoded_bytes());
        }
        assert_eq!(kept[0], 0, "{words:?}");
        assert!(kept[1] > 0 && kept[1] < kept[2], "{words:?}: {kept:?}");
    }
}

#[test]
fn words_remembered_score_as_scored() {
    let fields = Fields::new();
    let talks = skewed_talks(2_000);
    let searcher = segmented(&fields, &talks, &[799], "t/11");
    for words in [&["w0"][..], &["w1", "w0", "w7"], &["w9", "w3"]] {
        let query = skewed_query(&fields, words);
        let theirs = all(&searcher, WordsQuery::new(query.clone(), Some(0.6)).nested().as_ref());
        // Room for nothing, for all of the words (postings decoded or not), for half of them.
        let mut kept: Vec<usize> = Vec::new();
        for case in 0..4 {
            let (limit, decoded) = match case {
                0 => (0, usize::MAX),
                1 => (usize::MAX, usize::MAX),
                2 => (usize::MAX, 0),
                _ => (kept[1] / 2, 0),
            };
            let memory = Arc::new(TermInfos::with_decoded_limit(decoded).with_word_scores_limit(limit));
            let ours = || WordsQuery::new(query.clone(), Some(0.6)).remembering(Some(memory.clone()));
            let mut bytes = Vec::new();
            for round in 0..4 {
                let case = format!("{words:?} limit {limit} decoded {decoded} round {round}");
                assert_eq!(all(&searcher, &ours()), theirs, "{case}: the same scores, to the bit");
                // The count too (a count does not score: the words are read, memory or not).
                let count = searcher.search(&ours(), &tantivy::collector::Count).unwrap();
                assert_eq!(count, theirs.len(), "{case}: count");
                bytes.push(memory.word_scores.bytes());
            }
            // Kept from the second search on, not the first.
            assert_eq!(bytes[0], 0, "{words:?} limit {limit}: {bytes:?}");
            assert!(bytes.iter().all(|&b| b <= limit), "{words:?} limit {limit}: {bytes:?}");
            kept.push(bytes[3]);
        }
        assert_eq!(kept[0], 0, "{words:?}");
        assert!(kept[1] > 0 && kept[1] == kept[2], "{words:?}: {kept:?}");
        assert!(kept[3] > 0 && kept[3] < kept[1], "{words:?}: {kept:?}");
    }
}
