//! The collector of a search ranked by relevance: its top hits, its match count and facets.
//!
//! tantivy collects a pair of collectors by visiting every match with its score. For a search
//! that counts no facets, the words query's segments are collected in two cheaper passes
//! instead: the top hits by tantivy's top-hits collector alone, to which the weight hands only
//! the documents above its threshold (and, in a segment over the dense limit, see
//! [`crate::words::DENSE_MAX_DOCS`], skips those that cannot enter the top:
//! `words::pruning`), and the count from the weight, which counted the matches on the way.
//! The hits, their scores and the count are the same either way.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, Score, SegmentReader};

use crate::facets::FacetCollector;

/// Top hits (`T`) and the facet collector's count and facets; see the module docs.
pub struct Ranked<T> {
    inner: (T, FacetCollector),
    /// Segments of more documents than this are collected in two passes when no facet is
    /// counted.
    split_above: u32,
}

impl<T> Ranked<T> {
    /// `top` beside `counter`, splitting the collection of segments over `split_above`
    /// documents when `counter` counts no facet.
    pub fn new(top: T, counter: FacetCollector, split_above: u32) -> Ranked<T> {
        Ranked { inner: (top, counter), split_above }
    }
}

impl<T> Collector for Ranked<T>
where
    T: Collector<Fruit = Vec<(Score, DocAddress)>>,
{
    type Fruit = <(T, FacetCollector) as Collector>::Fruit;
    type Child = <(T, FacetCollector) as Collector>::Child;

    fn for_segment(&self, segment_ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        self.inner.for_segment(segment_ord, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<<Self::Child as SegmentCollector>::Fruit>) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<<Self::Child as SegmentCollector>::Fruit> {
        let (top, counter) = &self.inner;
        if counter.counts_only() && reader.max_doc() > self.split_above {
            let hits = top.collect_segment(weight, segment_ord, reader)?;
            let count = weight.count(reader)? as usize;
            return Ok((hits, (count, Vec::new())));
        }
        self.inner.collect_segment(weight, segment_ord, reader)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::facets::{Facet, Ordinals};
    use crate::schema::Fields;
    use crate::talk::Talk;
    use crate::words::tests::segmented;
    use crate::words::{FieldTerms, WordsQuery};

    #[test]
    fn two_passes_find_the_same_hits_and_count_as_one() {
        let fields = Fields::new();
        let talks: Vec<Talk> = (0..400)
            .map(|i| {
                let mut talk = Talk::new(format!("t/{i}"), format!("talk {i} about python"));
                talk.r#abstract = ["python web", "python", "data science in python", "rust"][i % 4].to_string();
                talk.date = Some(format!("{}-05-01", 2010 + i % 7));
                talk
            })
            .collect();
        let searcher = segmented(&fields, &talks, &[150], "t/8");
        let term = |field, word: &str| (tantivy::Term::from_field_text(field, word), 1.0);
        let words = ["python", "web"]
            .map(|w| {
                let f = |field| FieldTerms { field, terms: vec![term(field, w)] };
                vec![f(fields.title), f(fields.r#abstract)]
            })
            .to_vec();
        let ordinals = Ordinals::default();
        // Every segment large for the words query (scored window by window), then none.
        for dense_limit in [0, u32::MAX] {
            let query = WordsQuery::new(words.clone(), Some(0.6)).with_dense_limit(dense_limit);
            let collect = |facets: &[Facet], split_above: u32, offset: usize| {
                let counter = FacetCollector::new(facets, &ordinals, &searcher).unwrap();
                let top = TopDocs::with_limit(5).and_offset(offset).order_by_score();
                searcher.search(&query, &Ranked::new(top, counter, split_above)).unwrap()
            };
            for offset in [0, 7] {
                let (hits, (total, _)) = collect(&[], 0, offset);
                assert_eq!((hits.len(), total), (5, 399), "python in every title, one talk deleted");
                assert_eq!(collect(&[], u32::MAX, offset), collect(&[], 0, offset), "offset {offset}");
                // With a facet to count, every match is visited: the same hits and count.
                let (faceted, (counted, per_facet)) = collect(&[Facet::Year], 0, offset);
                assert_eq!((faceted, counted), (hits, total));
                assert_eq!(per_facet[0].values.iter().map(|v| v.count).sum::<u64>(), 399);
            }
        }
    }
}
