use super::*;
use crate::indexer;
use crate::search::{Engine, SearchRequest};
use crate::suggest::Kind;

fn talk(id: &str, title: &str, speaker: &str, abstract_: &str) -> Talk {
    let mut t = Talk::new(id, title);
    t.speakers = vec![speaker.to_string()];
    t.r#abstract = abstract_.to_string();
    t.event = Some("Unit Con 2020".into());
    t.date = Some("2020-05-01".into());
    t
}

fn base() -> Vec<Talk> {
    vec![
        talk("u/jit", "How a JIT works", "Ann Alpha", "Tracing compilers explained."),
        talk("u/gil", "Removing the GIL", "Bob Beta", "Free threading in practice."),
        talk("u/web", "Web frameworks", "Cy Gamma", "Routing and templates."),
    ]
}

fn index(talks: &[Talk]) -> (tempfile::TempDir, IndexDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = IndexDir::new(tmp.path().join("index"));
    indexer::build(&dir, talks, &mut |_| {}).unwrap();
    (tmp, dir)
}

fn ids(engine: &Engine, query: &str) -> Vec<String> {
    let req = SearchRequest { prefix: false, ..SearchRequest::new(query) };
    engine.search(&req).unwrap().hits.into_iter().map(|h| h.id).collect()
}

const PATIENCE: Duration = Duration::from_secs(5);

#[test]
fn upsert_adds_new_talks_and_replaces_by_id() {
    let (_tmp, dir) = index(&base());
    let new = talk("u/new", "Quantum annealing", "Dee Delta", "Qubits.");
    let changed = talk("u/gil", "Keeping the GIL", "Bob Beta", "Subinterpreters instead.");
    let applied = upsert(&dir, &[new, changed], PATIENCE).unwrap();
    assert_eq!(applied, Applied { added: 1, replaced: 1, removed: 0, talks: 4 });

    let engine = Engine::open(dir).unwrap();
    assert_eq!(engine.num_talks(), 4);
    assert_eq!(ids(&engine, "quantum"), ["u/new"]);
    assert_eq!(ids(&engine, "subinterpreters"), ["u/gil"]);
    assert!(ids(&engine, "free threading").is_empty(), "the replaced version is gone");
    assert_eq!(engine.get("u/gil").unwrap().title, "Keeping the GIL");
}

#[test]
fn of_talks_given_twice_the_last_is_kept_and_a_replace_is_applied_twice() {
    let (_tmp, dir) = index(&base());
    let first = talk("u/new", "First draft", "Dee Delta", "Drafted.");
    let last = talk("u/new", "Final version", "Dee Delta", "Published.");
    let gil = talk("u/gil", "GIL again", "Bob Beta", "Once more.");
    let applied = upsert(&dir, &[first, gil.clone(), last], PATIENCE).unwrap();
    assert_eq!(applied, Applied { added: 1, replaced: 1, removed: 0, talks: 4 });
    let applied = upsert(&dir, &[gil], PATIENCE).unwrap();
    assert_eq!(applied, Applied { added: 0, replaced: 1, removed: 0, talks: 4 });
    let engine = Engine::open(dir).unwrap();
    assert_eq!(engine.num_talks(), 4);
    assert_eq!(engine.get("u/new").unwrap().title, "Final version");
    assert!(ids(&engine, "drafted").is_empty());
    assert_eq!(ids(&engine, "again"), ["u/gil"]);
}

#[test]
fn remove_deletes_and_unknown_ids_remove_nothing() {
    let (_tmp, dir) = index(&base());
    let err = remove(&dir, &["u/jit".into(), "u/nope".into(), "u/nada".into()], PATIENCE).unwrap_err();
    assert!(matches!(&err, Error::UnknownIds(ids) if *ids == ["u/nada", "u/nope"]), "{err}");
    assert_eq!(err.exit_code(), 4);
    let engine = Engine::open(dir.clone()).unwrap();
    assert_eq!(engine.num_talks(), 3, "nothing was removed");

    let applied = remove(&dir, &["u/jit".into(), "u/jit".into()], PATIENCE).unwrap();
    assert_eq!(applied, Applied { added: 0, replaced: 0, removed: 1, talks: 2 });
    let engine = Engine::open(dir.clone()).unwrap();
    assert!(matches!(engine.get("u/jit"), Err(Error::NotFound(_))));
    assert!(ids(&engine, "tracing").is_empty());
    assert!(matches!(remove(&dir, &["u/jit".into()], PATIENCE), Err(Error::UnknownIds(_))), "removed twice");
}

#[test]
fn added_abstracts_leave_out_the_generations_boilerplate() {
    let notice = "Recorded by the volunteer video team and published under a free licence.";
    let mut talks = base();
    talks.extend((0..indexer::BOILERPLATE_MIN_TALKS).map(|i| talk(&format!("u/b{i}"), "Lightning", "Lee", notice)));
    let (_tmp, dir) = index(&talks);
    let added = talk("u/added", "Packaging", "Pat", &format!("Wheels and sdists.\n\n{notice}"));
    upsert(&dir, &[added], PATIENCE).unwrap();
    let engine = Engine::open(dir.clone()).unwrap();
    assert_eq!(ids(&engine, "sdists"), ["u/added"]);
    assert!(ids(&engine, "volunteer").is_empty(), "the boilerplate paragraph is not indexed");
    let record = engine.get("u/added").unwrap();
    assert!(record.r#abstract.ends_with(notice), "but it is kept in the record");
    let as_indexed = engine.snapshot().indexed_abstract(&record).into_owned();
    assert_eq!(as_indexed, "Wheels and sdists.", "feedback and re-ranking count words as indexed");
    upsert(&dir, &[talk("u/later", "Later", "Lu", "More.")], PATIENCE).unwrap();
    assert!(engine.refresh().unwrap());
    assert_eq!(engine.snapshot().indexed_abstract(&record), as_indexed, "the next commit knows it too");
}

#[test]
fn a_held_lock_makes_a_writer_wait_then_fail_busy_with_nothing_applied() {
    let (_tmp, dir) = index(&base());
    let held = dir.lock().unwrap();
    let new = talk("u/new", "Quantum", "Dee", "Qubits.");
    let err = upsert(&dir, std::slice::from_ref(&new), Duration::from_millis(100)).unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err}");
    drop(held);
    assert_eq!(Engine::open(dir.clone()).unwrap().num_talks(), 3);
    assert_eq!(upsert(&dir, &[new], PATIENCE).unwrap().added, 1);
}

#[test]
fn an_index_of_another_schema_version_asks_for_a_rebuild() {
    let (_tmp, dir) = index(&base());
    let generation = dir.current().unwrap().unwrap();
    let meta = dir.path().join(generation).join("talksearch.json");
    std::fs::write(&meta, r#"{"schema_version": 0, "boilerplate": []}"#).unwrap();
    let err = upsert(&dir, &base(), PATIENCE).unwrap_err();
    assert!(matches!(err, Error::Stale(_)));
    assert!(err.to_string().contains("run `talksearch index` to rebuild it"), "{err}");
}

#[test]
fn nothing_to_change_commits_nothing() {
    let (_tmp, dir) = index(&base());
    let generation = dir.current().unwrap().unwrap();
    let before = dir.commit_marker(&generation).unwrap();
    assert_eq!(upsert(&dir, &[], PATIENCE).unwrap(), Applied { talks: 3, ..Applied::default() });
    assert_eq!(dir.commit_marker(&generation).unwrap(), before);
}

/// The speaker facet over every talk, as (speaker, count).
fn speakers(engine: &Engine) -> Vec<(String, u64)> {
    let req = SearchRequest { facets: vec![crate::facets::Facet::Speaker], ..SearchRequest::new("") };
    let resp = engine.search(&req).unwrap();
    resp.facets["speaker"].iter().map(|v| (v.value.clone(), v.count)).collect()
}

#[test]
fn facets_of_a_refreshed_engine_follow_adds_and_removes() {
    let (_tmp, dir) = index(&base());
    let engine = Engine::open(dir.clone()).unwrap();
    let pairs = |list: &[(&str, u64)]| list.iter().map(|&(s, n)| (s.to_string(), n)).collect::<Vec<_>>();
    assert_eq!(speakers(&engine), pairs(&[("Ann Alpha", 1), ("Bob Beta", 1), ("Cy Gamma", 1)]));
    // A new speaker (a value no segment had) and a second talk of a known one.
    let new = [talk("u/zyg", "Zygomorphic flowers", "Abe Zephyr", "Botany."), talk("u/jit2", "JIT", "Cy Gamma", "")];
    upsert(&dir, &new, PATIENCE).unwrap();
    assert!(engine.refresh().unwrap());
    let after_add = [("Cy Gamma", 2), ("Abe Zephyr", 1), ("Ann Alpha", 1), ("Bob Beta", 1)];
    assert_eq!(speakers(&engine), pairs(&after_add));
    remove(&dir, &["u/gil".into(), "u/web".into()], PATIENCE).unwrap();
    assert!(engine.refresh().unwrap());
    assert_eq!(speakers(&engine), pairs(&[("Abe Zephyr", 1), ("Ann Alpha", 1), ("Cy Gamma", 1)]));
    assert_eq!(speakers(&Engine::open(dir).unwrap()), speakers(&engine), "as a fresh engine counts");
}

#[test]
fn a_refreshed_engine_finds_added_talks_by_typo_prefix_and_suggestion() {
    let (_tmp, dir) = index(&base());
    let engine = Engine::open(dir.clone()).unwrap();
    engine.warm_up();
    assert!(!engine.refresh().unwrap(), "nothing changed yet");
    let new = talk("u/zyg", "Zygomorphic flowers", "Quincy Zephyr", "Botany with Python.");
    upsert(&dir, &[new], PATIENCE).unwrap();
    assert!(ids(&engine, "zygomorphic").is_empty(), "not visible before the refresh");

    assert!(engine.refresh().unwrap());
    assert!(!engine.refresh().unwrap(), "one refresh per commit");
    assert_eq!(ids(&engine, "zygomorphic"), ["u/zyg"]);
    assert_eq!(ids(&engine, "zygomorfic"), ["u/zyg"], "a typo of a new word is corrected");
    let typed = engine.search(&SearchRequest::new("zygomo")).unwrap();
    assert_eq!(typed.hits.first().map(|h| h.id.as_str()), Some("u/zyg"), "a new word completes");
    let suggestions = engine.suggest("zeph").unwrap();
    assert!(suggestions.iter().any(|s| s.text == "Quincy Zephyr" && s.kind == Kind::Speaker), "{suggestions:?}");

    remove(&dir, &["u/zyg".into()], PATIENCE).unwrap();
    assert!(engine.refresh().unwrap());
    assert!(ids(&engine, "zygomorphic").is_empty());
    let suggestions = engine.suggest("zeph").unwrap();
    assert!(
        !suggestions.iter().any(|s| s.kind == Kind::Speaker),
        "a removed speaker is not suggested: {suggestions:?}"
    );
}

#[test]
fn cached_answers_are_served_for_their_index_state_only() {
    let (_tmp, dir) = index(&base());
    let engine = Engine::open(dir.clone()).unwrap().with_cache(8);
    let req = SearchRequest::new("quantum");
    assert!(engine.search(&req).unwrap().hits.is_empty());
    let again = engine.search(&req).unwrap();
    assert!(again.hits.is_empty());
    assert_eq!(engine.responses.len(), 1, "the answer was kept");

    upsert(&dir, &[talk("u/q", "Quantum annealing", "Dee Delta", "Qubits.")], PATIENCE).unwrap();
    // Before the engine follows the commit, its snapshot (and so the cached answer) is the old one.
    assert!(engine.search(&req).unwrap().hits.is_empty());
    assert!(engine.refresh().unwrap());
    assert_eq!(engine.responses.len(), 0, "a new snapshot drops every kept answer");
    let ids_of = |r: crate::SearchResponse| r.hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert!(engine.cached(&req).is_none(), "nothing kept for the new snapshot yet");
    assert_eq!(ids_of(engine.search(&req).unwrap()), ["u/q"]);
    assert_eq!(ids_of(engine.search(&req).unwrap()), ["u/q"], "served from the cache");
    assert_eq!(engine.cached(&req).map(ids_of), Some(vec!["u/q".to_string()]), "kept for this snapshot");
    assert!(engine.cached(&SearchRequest { limit: 0, ..req.clone() }).is_none(), "an invalid request is never");

    remove(&dir, &["u/q".into()], PATIENCE).unwrap();
    assert!(engine.refresh().unwrap());
    assert!(engine.cached(&req).is_none(), "not after a commit");
    assert!(engine.search(&req).unwrap().hits.is_empty(), "a removed talk is not served from the cache");
    // Requests differing in anything but the query are different answers.
    let two = SearchRequest { limit: 2, ..SearchRequest::new("gil") };
    assert_eq!(engine.search(&two).unwrap().hits.len(), 1);
    assert_eq!(ids_of(engine.search(&SearchRequest::new("web")).unwrap()), ["u/web"]);
    assert_eq!(engine.responses.len(), 3);
}

#[test]
fn the_cache_holds_at_most_its_entries_and_none_when_off() {
    let (_tmp, dir) = index(&base());
    let engine = Engine::open(dir.clone()).unwrap().with_cache(2);
    for q in ["jit", "gil", "web", "jit"] {
        engine.search(&SearchRequest::new(q)).unwrap();
    }
    assert_eq!(engine.responses.len(), 2);
    let off = Engine::open(dir).unwrap();
    off.search(&SearchRequest::new("jit")).unwrap();
    assert_eq!(off.responses.len(), 0);
}
