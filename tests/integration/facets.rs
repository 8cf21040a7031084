//! Filters, facets and sorting in the search core, on the fixture and on the corpus.

use talksearch::SearchRequest;
use talksearch::facets::Facet;
use talksearch::search::{Filters, Sort};

use crate::util::{corpus_engine, fixture_engine};

#[test]
fn facet_counts_agree_with_filtered_totals() {
    let Some(e) = corpus_engine() else { return };
    let mut req = SearchRequest::new("django");
    req.facets = Facet::ALL.to_vec();
    let resp = e.search(&req).unwrap();
    assert_eq!(resp.facets.len(), 5);
    for (name, values) in &resp.facets {
        assert!(values.len() <= 20, "{name}");
        assert!(values.windows(2).all(|w| w[0].count >= w[1].count), "{name} is sorted by count");
        let top = &values[0];
        let mut filtered = SearchRequest::new("django");
        match name.as_str() {
            "event" => filtered.filters.event = vec![top.value.clone()],
            "year" => filtered.filters.year = vec![top.value.parse().unwrap()],
            "speaker" => filtered.filters.speaker = vec![top.value.clone()],
            "tag" => filtered.filters.tag = vec![top.value.clone()],
            "language" => filtered.filters.language = vec![top.value.clone()],
            other => panic!("unexpected facet {other}"),
        }
        let total = e.search(&filtered).unwrap().total as u64;
        assert_eq!(total, top.count, "{name}={}", top.value);
    }
    assert!(resp.facets_more["speaker"] > 0, "django has more than 20 speakers");
}

#[test]
fn year_ranges_and_repeated_values_filter() {
    let Some(e) = corpus_engine() else { return };
    let mut req = SearchRequest::new("asyncio");
    req.limit = 100;
    req.filters = Filters { year_from: Some(2015), year_to: Some(2016), ..Filters::default() };
    let ranged = e.search(&req).unwrap();
    assert!(ranged.total > 0);
    for hit in &ranged.hits {
        let year: u16 = hit.date.as_deref().unwrap()[..4].parse().unwrap();
        assert!((2015..=2016).contains(&year), "{}", hit.id);
    }
    req.filters = Filters { year: vec![2015, 2016], ..Filters::default() };
    assert_eq!(e.search(&req).unwrap().total, ranged.total);
}

#[test]
fn sorting_by_date() {
    let (_tmp, e) = fixture_engine();
    for (sort, newest_first) in [(Sort::Newest, true), (Sort::Oldest, false)] {
        let mut req = SearchRequest::new("python");
        req.sort = sort;
        let dates: Vec<String> = e.search(&req).unwrap().hits.into_iter().filter_map(|h| h.date).collect();
        assert!(dates.len() >= 2);
        let mut sorted = dates.clone();
        sorted.sort();
        if newest_first {
            sorted.reverse();
        }
        assert_eq!(dates, sorted, "{sort:?}");
    }
}

#[test]
fn filters_apply_to_an_empty_query() {
    let (_tmp, e) = fixture_engine();
    let mut req = SearchRequest::new("");
    req.filters.event = vec!["Fixture Con 2016".into()];
    req.facets = vec![Facet::Event, Facet::Language];
    let resp = e.search(&req).unwrap();
    assert_eq!(resp.total, 3);
    assert_eq!(resp.facets["event"][0].value, "Fixture Con 2016");
    assert_eq!(resp.facets["event"][0].count, 3);
    assert_eq!(resp.facets["language"][0].value, "eng");
    assert_eq!(resp.facets["language"][0].count, 2);
}
