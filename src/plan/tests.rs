//! Plans: query words analysed, stems, stopwords, what matches all.

use super::*;
use crate::query::parse;

#[test]
fn compounds_split_into_whole_and_parts() {
    let a = analyse("Keith-Magee");
    let parts: Vec<_> = a.parts.iter().map(|t| t.text.as_str()).collect();
    let wholes: Vec<_> = a.wholes.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(parts, ["keith", "magee"]);
    assert_eq!(wholes, ["keith-magee"]);
}

#[test]
fn stems_include_marked_and_bare_forms() {
    let mark = analysis::STEM_MARK;
    assert_eq!(stem_terms(&analyse("coroutines")), vec![format!("{mark}coroutin"), "coroutin".to_string()]);
    assert_eq!(stem_terms(&analyse("jit")), vec![format!("{mark}jit")]);
}

#[test]
fn stopwords_are_sorted_for_binary_search() {
    assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    assert!(is_stopword("The") && !is_stopword("jit"));
}

#[test]
fn only_filters_and_exclusions_match_all() {
    let fields = Fields::new();
    let index = tantivy::Index::create_in_ram(fields.schema.clone());
    analysis::register(&index);
    let searcher = index.reader().unwrap().searcher();
    let vocabulary = Vocabulary::build(&searcher, &[fields.title]);
    let synonyms = Synonyms::default();
    let ctx = Context { vocabulary: &vocabulary, synonyms: &synonyms, prefix: true, term_infos: None };
    let plan = |q: &str| build(&parse(q), &fields, &Weights::default(), &ctx);
    assert!(plan("").match_all);
    assert!(plan("year:2012 -django").match_all);
    assert!(!plan("jit year:2012").match_all);
}
