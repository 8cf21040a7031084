//! Golden relevance tests on the 21,713-talk corpus (`TALKSEARCH_CORPUS`).

use talksearch::SearchRequest;

use crate::util::corpus_engine;

fn top(query: &str, n: usize) -> Option<Vec<talksearch::Hit>> {
    let engine = corpus_engine()?;
    let mut req = SearchRequest::new(query);
    req.limit = n;
    Some(engine.search(&req).expect("search runs").hits)
}

#[test]
fn the_corpus_is_indexed_whole() {
    let Some(engine) = corpus_engine() else { return };
    assert_eq!(engine.num_talks(), 21_713);
}

#[test]
fn how_the_pypy_jit_works_ranks_that_talk_first() {
    let Some(hits) = top("how the pypy jit works", 1) else { return };
    assert_eq!(hits[0].id, "pycon-us-2012/how-the-pypy-jit-works");
}

#[test]
fn jython_invokedynamic_ranks_making_jython_faster_first() {
    let Some(hits) = top("jython invokedynamic", 1) else { return };
    assert_eq!(hits[0].id, "pycon-us-2012/making-jython-faster-and-better");
}

#[test]
fn every_top_10_hit_for_coroutines_mentions_a_coroutine() {
    let Some(hits) = top("coroutines", 10) else { return };
    assert_eq!(hits.len(), 10);
    for hit in hits {
        let engine = corpus_engine().unwrap();
        let talk = engine.get(&hit.id).unwrap();
        let text = format!("{} {}", talk.title, talk.r#abstract).to_lowercase();
        assert!(text.contains("coroutine"), "{} does not mention a coroutine", hit.id);
    }
}

#[test]
fn raymond_hettinger_ranks_his_talks_first() {
    // His 29 talks (one more names him only in its title) come before anyone else's.
    let Some(hits) = top("Raymond Hettinger", 40) else { return };
    let his = |h: &talksearch::Hit| {
        h.speakers.iter().any(|s| s == "Raymond Hettinger") || h.title.contains("Raymond Hettinger")
    };
    let first_other = hits.iter().position(|h| !his(h)).expect("other talks follow");
    assert!(first_other >= 29, "hit {first_other} ({}) is not his", hits[first_other].id);
    assert!(hits[first_other..].iter().all(|h| !his(h)), "one of his talks ranks below someone else's");
}

#[test]
fn snippets_mark_the_matched_words() {
    let Some(hits) = top("pypy jit", 5) else { return };
    for hit in hits {
        let marked = hit.highlights.len() + usize::from(hit.title_html.contains("<mark>"));
        assert!(marked > 0, "{} shows nothing that matched", hit.id);
    }
}

#[test]
fn related_talks_skip_the_same_talk_given_elsewhere() {
    let Some(engine) = corpus_engine() else { return };
    // The same talk was given at PyCon US 2022 and EuroPython 2022.
    let talk =
        engine.get("pycon-us-2022/talk-jan-hein-buhrman-when-to-refactor-your-code-into-generators-and-how").unwrap();
    let twin = "europython-2022/when-to-refactor-your-code-into-generators-and-how-presented-by-jan-hein-buhrman";
    let related = engine.related(&talk.id, 10).unwrap();
    assert_eq!(related.len(), 10);
    assert!(related.iter().all(|h| h.id != twin && h.id != talk.id));
    let key = talksearch::search::duplicate_key(&talk);
    for hit in &related {
        let other = engine.get(&hit.id).unwrap();
        assert_ne!(talksearch::search::duplicate_key(&other), key, "{} is the same talk", hit.id);
    }
    let text: Vec<String> = related.iter().map(|h| format!("{} {}", h.title, h.snippet).to_lowercase()).collect();
    let on_topic = text.iter().filter(|t| t.contains("generator") || t.contains("yield")).count();
    assert!(on_topic >= 7, "only {on_topic} of 10 related talks are about generators");
}

#[test]
fn distinct_collapses_talks_given_more_than_once() {
    let Some(engine) = corpus_engine() else { return };
    let mut req = SearchRequest::new("refactor generators");
    req.limit = 20;
    let plain = engine.search(&req).unwrap();
    let keys = |hits: &[talksearch::Hit]| -> Vec<String> {
        hits.iter().map(|h| talksearch::search::duplicate_key(&engine.get(&h.id).unwrap())).collect()
    };
    let plain_keys = keys(&plain.hits);
    assert!(
        plain_keys.iter().enumerate().any(|(i, k)| plain_keys[..i].contains(k)),
        "the plain results list some talk twice"
    );
    req.distinct = true;
    let collapsed = engine.search(&req).unwrap();
    let collapsed_keys = keys(&collapsed.hits);
    let unique: std::collections::HashSet<&String> = collapsed_keys.iter().collect();
    assert_eq!(unique.len(), collapsed_keys.len(), "no talk twice");
    let twin = collapsed.hits.iter().find(|h| !h.also_given.is_empty()).expect("a hit lists its repeats");
    for given in &twin.also_given {
        let other = engine.get(&given.id).unwrap();
        assert_eq!(
            talksearch::search::duplicate_key(&other),
            talksearch::search::duplicate_key(&engine.get(&twin.id).unwrap())
        );
    }
}

#[test]
fn repeated_paragraphs_are_found_as_boilerplate() {
    let Some(path) = crate::util::corpus_path() else { return };
    let import =
        talksearch::ingest::read_sources(&[talksearch::ingest::Source::File(path)], Default::default()).unwrap();
    let boilerplate = talksearch::indexer::find_boilerplate(&import.talks);
    let set: std::collections::HashSet<&str> = boilerplate.iter().map(String::as_str).collect();
    let carrying =
        import.talks.iter().filter(|t| talksearch::indexer::paragraphs(&t.r#abstract).any(|p| set.contains(p))).count();
    // About 1,690 abstracts carry a licence notice or an event promotion.
    assert!((1_600..=1_800).contains(&carrying), "{carrying} abstracts carry boilerplate");
    assert!(boilerplate.iter().any(|p| p.starts_with("This work is licensed under a Creative Commons")));
    // And it does not count: a query made of a notice's words does not find talks by it alone.
    let Some(engine) = corpus_engine() else { return };
    let resp =
        engine.search(&SearchRequest::new("\"Recorded at the PyConDE & PyData Berlin 2019 conference\"")).unwrap();
    assert_eq!(resp.total, 0, "boilerplate is not indexed");
}

#[test]
fn pages_across_the_proximity_window_follow_one_order() {
    // Two words: the best 100 on words alone are rescored with proximity, the rest follow.
    let Some(engine) = corpus_engine() else { return };
    let page = |offset: usize, limit: usize| {
        let mut req = SearchRequest::new("python library");
        (req.offset, req.limit) = (offset, limit);
        engine.search(&req).expect("search runs").hits.into_iter().map(|h| (h.id, h.score)).collect::<Vec<_>>()
    };
    let all = [page(0, 100), page(100, 30)].concat();
    assert_eq!(all.len(), 130);
    let pages: Vec<_> = (0..13).flat_map(|p| page(p * 10, 10)).collect();
    assert_eq!(pages, all, "every page is cut from the same order");
    assert!(all.windows(2).all(|w| w[0].1 >= w[1].1), "scores fall page after page");
}

#[test]
fn a_long_querys_pages_follow_its_re_ranked_order() {
    // Five words or more after stop words: the top 100 are re-ranked, then paged.
    let Some(engine) = corpus_engine() else { return };
    let q = "how does the global interpreter lock affect multithreaded python programs";
    let page = |offset: usize, limit: usize, distinct: bool| {
        let mut req = SearchRequest::new(q);
        (req.offset, req.limit, req.distinct) = (offset, limit, distinct);
        engine.search(&req).expect("search runs").hits.into_iter().map(|h| h.id).collect::<Vec<_>>()
    };
    let all = page(0, 30, false);
    assert_eq!(all.len(), 30);
    assert_eq!([page(0, 10, false), page(10, 10, false), page(20, 10, false)].concat(), all);
    assert_eq!([page(0, 5, true), page(5, 5, true)].concat(), page(0, 10, true));
    for id in &all[..5] {
        let talk = engine.get(id).unwrap();
        let text = format!("{} {}", talk.title, talk.r#abstract).to_lowercase();
        assert!(text.contains("gil") || text.contains("global interpreter lock"), "{id} is not about the GIL");
    }
}
