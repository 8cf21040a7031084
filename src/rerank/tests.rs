//! Re-ranking against its parts: stem classes, class counts (streamed and collected), the
//! memo of class frequencies, feedback on stems.

use super::*;
use crate::schema::Fields;

/// An in-memory index of `(title, abstract)` talks, one segment per batch.
fn index(batches: &[&[(&str, &str)]]) -> (Fields, Searcher) {
    let fields = Fields::new();
    let index = tantivy::Index::create_in_ram(fields.schema.clone());
    analysis::register(&index);
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let mut n = 0;
    for batch in batches {
        for (title, abstract_) in *batch {
            let mut talk = crate::Talk::new(format!("t{n}"), *title);
            talk.r#abstract = abstract_.to_string();
            writer.add_document(fields.document(&talk, abstract_)).unwrap();
            n += 1;
        }
        writer.commit().unwrap();
    }
    let searcher = index.reader().unwrap().searcher();
    (fields, searcher)
}

/// Where talk `t{n}` (the `n`th added) is: segments are not in commit order.
fn address(searcher: &Searcher, n: usize) -> DocAddress {
    crate::ids::find(searcher, &[format!("t{n}")]).unwrap()[0].1
}

#[test]
fn only_long_queries_are_re_ranked() {
    let r = Rerank::default();
    assert!(!r.applies(1) && !r.applies(4) && r.applies(5));
    assert!(!Rerank { depth: 0, ..r }.applies(9) && !Rerank { weight: 0.0, ..r }.applies(9));
}

#[test]
fn classes_join_a_words_forms() {
    assert_eq!(class_of("coroutines"), "coroutin");
    assert_eq!(class_of("model"), "model");
    assert_eq!(class_of("c++"), "c++");
    let (counts, words) = class_counts("Modelling models: the model, at 3.12");
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [("model".to_string(), 3)],
        "stop words and numbers are no class"
    );
    assert_eq!(words, 6);
}

/// `class_counts` as first written: every token collected, stems looked up by position.
fn class_counts_collected(text: &str) -> (Counts, u32) {
    let tokens = analysis::tokens(text);
    let stems: HashMap<usize, &str> = tokens
        .iter()
        .filter(|t| analysis::is_stem(&t.text))
        .map(|t| (t.position, t.text.trim_start_matches(STEM_MARK)))
        .collect();
    let (mut counts, mut last, mut words) = (Counts::default(), None, 0);
    for t in tokens.iter().filter(|t| !analysis::is_stem(&t.text)) {
        if last != Some(t.position) {
            words += 1;
            last = Some(t.position);
        }
        if t.text.len() >= 3 && t.text.bytes().all(|b| b.is_ascii_lowercase()) && !plan::is_stopword(&t.text) {
            let class = stems.get(&t.position).copied().unwrap_or(&t.text);
            *counts.entry(class.to_string()).or_default() += 1;
        }
    }
    (counts, words)
}

#[test]
fn streamed_class_counts_are_those_of_the_collected_tokens() {
    let texts = [
        "Modelling models: the model, at 3.12",
        "Keith-Magee's async-first frameworks; node.js and __init__ methods, C++ and C# compilers",
        "Running runners ran: test-driven development, running tests in CI/CD pipelines",
        "Łukasz Langa: Black's formatting, naïve café coroutines, 2.7.1 -> 3.12, 1,000 users",
        "a an the of",
        "",
    ];
    for text in texts {
        assert_eq!(class_counts(text), class_counts_collected(text), "{text:?}");
    }
    // And the bundled listing's real talk text, 20 lines at a time.
    let listing = include_str!("../../data/pycon-us-2012-lanyrd.txt");
    let lines: Vec<&str> = listing.lines().collect();
    for chunk in lines.chunks(20).map(|c| c.join("\n")) {
        assert_eq!(class_counts(&chunk), class_counts_collected(&chunk), "{chunk:?}");
    }
}

#[test]
fn a_class_counts_every_form_once_per_talk() {
    let (fields, searcher) =
        index(&[&[("Models", "a model"), ("Modelling", "")], &[("Model", "model"), ("Other", "boats")]]);
    let f = [fields.title, fields.r#abstract];
    let stats = Stats::new(&searcher, &searcher, &f).unwrap();
    assert_eq!(stats.doc_freq("model").unwrap(), 3, "talks with any form, in any field, once");
    assert!(stats.doc_freq_estimate("model").unwrap() >= 2);
    let docs = [0, 1, 2, 3].map(|n| address(&searcher, n));
    assert_eq!(stats.term_freqs("model", &docs).unwrap(), vec![2, 1, 2, 0]);
    assert!(stats.idf(1) > stats.idf(3));
    // Remembered, the same.
    let memo = ClassFreqs::default();
    let remembering = Stats::new(&searcher, &searcher, &f).unwrap().remembering(&memo);
    assert_eq!(memo.get(&f, "model"), None);
    assert_eq!(remembering.doc_freq("model").unwrap(), 3);
    assert_eq!(memo.get(&f, "model"), Some(3), "remembered");
    assert_eq!(memo.get(&f[..1], "model"), None, "for those fields only");
    assert_eq!(remembering.doc_freq("model").unwrap(), 3);
}

#[test]
fn a_talk_matching_every_word_by_its_stem_overtakes_one_repeating_a_word() {
    let fillers = [("Boats", "sailing boats on the sea"); 8];
    let talks = [
        ("Aircraft", "aircraft aircraft aircraft aircraft"),
        ("Flutter of heated wing models", "the heating of aircraft wings, and a flutter model"),
    ];
    let (fields, searcher) = index(&[&talks, &fillers]);
    let f = [fields.title, fields.r#abstract];
    let terms: Vec<String> = ["heated", "aircraft", "models", "wings", "flutter"].map(String::from).into();
    let [a, b, boat] = [0, 1, 2].map(|n| address(&searcher, n));
    let text = |d: DocAddress| -> Result<String> {
        let (title, abstract_) = if d == a {
            talks[0]
        } else if d == b {
            talks[1]
        } else {
            fillers[0]
        };
        Ok(format!("{title}\n{abstract_}"))
    };
    let hits = vec![(10.0, a), (6.0, b), (1.0, boat)];
    let stats = Stats::new(&searcher, &searcher, &f).unwrap();
    let ranked = rerank(&stats, &terms, hits.clone(), &text, &Rerank::default()).unwrap();
    let order: Vec<DocAddress> = ranked.iter().map(|&(_, d)| d).collect();
    assert_eq!(order, [b, a, boat]);
    assert!(ranked.windows(2).all(|w| w[0].0 >= w[1].0), "scores follow the order");
    let off = Rerank { weight: 0.0, ..Rerank::default() };
    let kept = rerank(&stats, &terms, hits.clone(), &text, &off).unwrap();
    assert_eq!(kept.iter().map(|&(_, d)| d).collect::<Vec<_>>(), [a, b, boat]);
    // Past the depth, talks keep their order and come after the re-ranked ones.
    let shallow = Rerank { depth: 1, ..Rerank::default() };
    let ranked = rerank(&stats, &terms, hits, &text, &shallow).unwrap();
    assert_eq!(ranked.iter().map(|&(_, d)| d).collect::<Vec<_>>(), [a, b, boat]);
}

#[test]
fn feedback_adds_classes_of_the_best_talks_not_the_querys() {
    let mut talks = vec![
        ("Flutter", "flutter of panels in supersonic flow"),
        ("Flutter again", "panel flutter at supersonic speeds"),
    ];
    // Words in both talks outweigh words in one, unless the index is too small for idf.
    talks.extend([("Boats", "boats on the sea"); 20]);
    let (fields, searcher) = index(&[&talks]);
    let f = [fields.title, fields.r#abstract];
    let stats = Stats::new(&searcher, &searcher, &f).unwrap();
    let docs = [address(&searcher, 0), address(&searcher, 1)];
    let texts = ["Flutter\nflutter of panels in supersonic flow", "Flutter again\npanel flutter at supersonic speeds"];
    let text = |d: DocAddress| -> Result<String> { Ok(texts[usize::from(d != docs[0])].to_string()) };
    let words = feedback_classes(&stats, &[0, 1], &[1.0, 1.0], &docs, &text, &["flutter"], 2).unwrap();
    let classes: Vec<String> = words.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(classes, ["panel".to_string(), class_of("supersonic")]);
    assert!((words.iter().map(|(_, w)| w).sum::<f32>() - 1.0).abs() < 1e-5);
}
