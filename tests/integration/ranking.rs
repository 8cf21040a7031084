//! Table-driven tests of analysis, query language, typos, prefixes and synonyms on the
//! 21,713-talk corpus (`TALKSEARCH_CORPUS`). Each checks a property of the top hits against the
//! stored talks, not hard-coded rankings.

use talksearch::{Engine, SearchRequest, SearchResponse, Talk};

use crate::util::corpus_engine;

fn search(engine: &Engine, q: &str, n: usize, prefix: bool) -> SearchResponse {
    let mut req = SearchRequest::new(q);
    req.limit = n;
    req.prefix = prefix;
    engine.search(&req).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn talks(engine: &Engine, resp: &SearchResponse) -> Vec<Talk> {
    resp.hits.iter().map(|h| engine.get(&h.id).unwrap()).collect()
}

fn text(t: &Talk) -> String {
    format!(
        "{} {} {} {} {}",
        t.title,
        t.speakers.join(" "),
        t.r#abstract,
        t.tags.join(" "),
        t.event.as_deref().unwrap_or("")
    )
    .to_lowercase()
}

/// Every one of the top `n` hits for `q` satisfies `ok`, and there are `n` of them.
fn all_top(engine: &Engine, q: &str, n: usize, ok: impl Fn(&Talk) -> bool) {
    let resp = search(engine, q, n, false);
    assert_eq!(resp.hits.len(), n, "{q}: only {} hits", resp.hits.len());
    for t in talks(engine, &resp) {
        assert!(ok(&t), "{q}: {} does not qualify ({})", t.id, t.title);
    }
}

#[test]
fn symbols_acronyms_and_versions_stay_whole() {
    let Some(e) = corpus_engine() else { return };
    all_top(&e, "c++", 10, |t| text(t).contains("c++"));
    all_top(&e, "c#", 3, |t| text(t).contains("c#"));
    all_top(&e, ".net", 5, |t| text(t).contains(".net"));
    all_top(&e, "node.js", 5, |t| text(t).contains("node.js") || text(t).contains("node js"));
    all_top(&e, "python 3.12", 3, |t| text(t).contains("3.12"));
    all_top(&e, "JIT", 10, |t| {
        text(t).contains("jit") || text(t).contains("just-in-time") || text(t).contains("just in time")
    });
}

#[test]
fn no_substring_hits() {
    let Some(e) = corpus_engine() else { return };
    // "gil" is in "agile" and "vigil": only the word (or its synonym) may match.
    all_top(&e, "gil", 10, |t| {
        let s = text(t);
        s.split(|c: char| !c.is_alphanumeric()).any(|w| w == "gil") || s.contains("global interpreter lock")
    });
}

#[test]
fn accents_fold_on_both_sides() {
    let Some(e) = corpus_engine() else { return };
    all_top(&e, "lukasz langa", 5, |t| text(t).contains("łukasz langa") || text(t).contains("lukasz langa"));
    // Talks by Thomas Güttler come first; typo matches ("buttler") only after them.
    let resp = search(&e, "guttler", 20, false);
    let his: Vec<bool> = talks(&e, &resp).iter().map(|t| text(t).contains("güttler")).collect();
    let first_other = his.iter().position(|&h| !h).unwrap_or(his.len());
    assert!(first_other > 0 && his[first_other..].iter().all(|&h| !h), "{his:?}");
    // And the other way round: typing the accent finds the unaccented spelling too.
    let plain = search(&e, "lukasz langa", 20, false).total;
    let accented = search(&e, "Łukasz Langa", 20, false).total;
    assert_eq!(plain, accented);
}

#[test]
fn stems_match_and_exact_forms_rank_first() {
    let Some(e) = corpus_engine() else { return };
    let singular = search(&e, "coroutine", 100, false);
    let ts = talks(&e, &singular);
    assert!(ts.iter().any(|t| t.title.contains("Coroutines")), "coroutine finds coroutines");
    // Among titles that hold one form or the other, the exact form comes first.
    let forms: Vec<bool> = ts
        .iter()
        .filter_map(|t| {
            let words: Vec<String> =
                t.title.to_lowercase().split(|c: char| !c.is_alphanumeric()).map(String::from).collect();
            let exact = words.iter().any(|w| w == "coroutine");
            let plural = words.iter().any(|w| w == "coroutines");
            (exact != plural).then_some(exact)
        })
        .collect();
    let first_plural = forms.iter().position(|exact| !exact).unwrap_or(forms.len());
    assert!(forms[..first_plural].iter().all(|&x| x) && first_plural > 0, "{forms:?}");
}

#[test]
fn typos_find_what_was_meant_and_suggest_it() {
    let Some(e) = corpus_engine() else { return };
    let resp = search(&e, "corutines", 10, false);
    assert_eq!(resp.suggestion.as_deref(), Some("coroutines"));
    for t in talks(&e, &resp) {
        assert!(text(&t).contains("coroutine") || text(&t).contains("co-routine"), "{}", t.id);
    }
    for (typo, meant) in [("djnago", "django"), ("tensorflwo", "tensorflow"), ("asyncoi", "asyncio")] {
        let resp = search(&e, typo, 5, false);
        assert_eq!(resp.suggestion.as_deref(), Some(meant), "{typo}");
        assert!(talks(&e, &resp).iter().all(|t| text(t).contains(meant)), "{typo}");
    }
    // Short words are not corrected; correct words get no suggestion.
    assert!(search(&e, "jti", 5, false).suggestion.is_none());
    assert!(search(&e, "coroutines", 5, false).suggestion.is_none());
}

#[test]
fn an_exact_match_outranks_a_typo_match() {
    let Some(e) = corpus_engine() else { return };
    // "pandsa" is in a few talks; "pandas" in many: the exact word's talks come first.
    let resp = search(&e, "sqlalchmey", 20, false);
    assert!(talks(&e, &resp).iter().take(5).all(|t| text(t).contains("sqlalchemy")));
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing() {
    let Some(e) = corpus_engine() else { return };
    let typing = search(&e, "corout", 10, true);
    assert_eq!(typing.hits.len(), 10);
    for t in talks(&e, &typing) {
        assert!(text(&t).contains("corout"), "{}", t.id);
    }
    assert!(typing.hits[0].title_html.contains("<mark>"), "the completion is highlighted");
    // Not when the word is finished (trailing space) or prefixes are off.
    assert_eq!(search(&e, "corout ", 10, true).total, 0);
    assert_eq!(search(&e, "corout", 10, false).total, 0);
    // Whole-word matches rank above completions: "java" talks before "javascript"-only ones.
    let resp = search(&e, "java", 10, true);
    for t in talks(&e, &resp) {
        let s = text(&t);
        assert!(s.split(|c: char| !c.is_alphanumeric()).any(|w| w == "java"), "{} only completes java", t.id);
    }
}

#[test]
fn phrases_exclusions_and_field_scopes() {
    let Some(e) = corpus_engine() else { return };
    all_top(&e, "\"event loop\"", 10, |t| text(t).contains("event loop") || text(t).contains("event-loop"));
    all_top(&e, "asyncio -django", 20, |t| !text(t).contains("django"));
    all_top(&e, "title:testing", 10, |t| t.title.to_lowercase().contains("test"));
    all_top(&e, "speaker:\"david beazley\"", 10, |t| t.speakers.iter().any(|s| s == "David Beazley"));
    all_top(&e, "event:europython async", 10, |t| t.event.as_deref().unwrap_or("").contains("EuroPython"));
    all_top(&e, "tag:asyncio", 5, |t| t.tags.iter().any(|g| g.eq_ignore_ascii_case("asyncio")));
    all_top(&e, "django year:2012", 10, |t| t.year() == Some(2012));
    all_top(&e, "django year:2010..2012", 10, |t| matches!(t.year(), Some(2010..=2012)));
}

#[test]
fn synonyms_and_acronyms_expand() {
    let Some(e) = corpus_engine() else { return };
    let resp = search(&e, "gil", 50, false);
    let ts = talks(&e, &resp);
    assert!(
        ts.iter().any(|t| text(t).contains("global interpreter lock") && !text(t).contains("gil")),
        "gil finds the long form"
    );
    let resp = search(&e, "k8s", 10, false);
    assert!(talks(&e, &resp).iter().any(|t| text(t).contains("kubernetes")));
}

#[test]
fn more_matched_words_rank_higher() {
    let Some(e) = corpus_engine() else { return };
    let resp = search(&e, "pypy jit", 10, false);
    for t in talks(&e, &resp) {
        assert!(text(&t).contains("pypy") && text(&t).contains("jit"), "{}", t.id);
    }
}

#[test]
fn a_phrase_synonym_does_not_highlight_its_words_alone() {
    // "jit" = "just in time": a talk's "in" or "time" alone is no match of the query.
    let Some(e) = corpus_engine() else { return };
    let resp = search(&e, "jit", 30, false);
    let marked = |text: &str, ranges: &[(usize, usize)]| -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        ranges.iter().map(|&(a, b)| chars[a..b].iter().collect::<String>().to_lowercase()).collect()
    };
    let mut words = Vec::new();
    for hit in &resp.hits {
        words.extend(marked(&hit.snippet, &hit.highlights));
        words.extend(marked(&hit.title, &hit.title_highlights));
    }
    assert!(words.iter().any(|w| w == "jit"), "{words:?}");
    for alone in ["in", "time", "just"] {
        assert!(!words.iter().any(|w| w == alone), "{alone:?} highlighted: {words:?}");
    }
}
