//! Facets: how many matching talks have each event, year, speaker, tag and language, counted
//! over the whole match set by one collector that reads the fast fields.
//!
//! Text facets are counted by segment ordinal and added up by global ordinal (every value of the
//! index once, sorted: [`GlobalValues`], made once per snapshot and kept on it, so a new commit
//! gets its own), so only the listed values are ever turned into text.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
use tantivy::{DocId, Score, Searcher};

/// Values returned per facet.
pub const TOP_VALUES: usize = 20;

/// A facet that can be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    /// Event name.
    Event,
    /// Year.
    Year,
    /// Speaker.
    Speaker,
    /// Tag.
    Tag,
    /// Language code.
    Language,
}

impl Facet {
    /// All facets, in display order.
    pub const ALL: [Facet; 5] = [Facet::Event, Facet::Year, Facet::Speaker, Facet::Tag, Facet::Language];

    /// The facet's name in the API (`event`, `year`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Facet::Event => "event",
            Facet::Year => "year",
            Facet::Speaker => "speaker",
            Facet::Tag => "tag",
            Facet::Language => "language",
        }
    }

    /// The facet called `name`.
    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The fast field that holds it.
    fn field(self) -> &'static str {
        match self {
            Facet::Event => "event_key",
            Facet::Year => "year",
            Facet::Speaker => "speaker_key",
            Facet::Tag => "tag_key",
            Facet::Language => "language",
        }
    }
}

/// One value of a facet and how many matching talks have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    /// The value (`2012`, `PyCon US 2012`).
    pub value: String,
    /// Matching talks with it.
    pub count: u64,
}

/// Counts of one facet: the top values, and how many other values there are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCounts {
    /// The [`TOP_VALUES`] most frequent values, most frequent first (ties by value).
    pub values: Vec<FacetValue>,
    /// Values with at least one match that are not listed.
    pub more: usize,
}

/// The values of one text facet over a searcher's segments, each once and sorted (its global
/// ordinal is its index), and per segment the global ordinal of each of its own ordinals.
///
/// Counting by global ordinal, only the [`TOP_VALUES`] best need their text: resolving every
/// value a broad query matched (thousands of speakers and tags) was most of a facet request.
pub struct GlobalValues {
    values: Vec<String>,
    local: Vec<Vec<u32>>,
    /// Per segment, each document's local ordinals.
    docs: Vec<PerDoc>,
}

/// One segment's values of a facet, document by document: document `d` has
/// `values[starts[d]..starts[d + 1]]` (a text facet's local ordinals, a year less the
/// segment's first). Counting reads two arrays a document, where the fast field column looks
/// each document up in its optional or multi-valued index (a fifth of a query with all five
/// facets). Made once per snapshot, with the facet's values: 4 bytes a talk plus 4 a value.
struct PerDoc {
    starts: Vec<u32>,
    values: Vec<u32>,
}

impl PerDoc {
    fn of(max_doc: DocId, mut values_of: impl FnMut(DocId, &mut Vec<u32>)) -> PerDoc {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut values = Vec::new();
        starts.push(0);
        for doc in 0..max_doc {
            values_of(doc, &mut values);
            starts.push(values.len() as u32);
        }
        PerDoc { starts, values }
    }

    fn get(&self, doc: DocId) -> &[u32] {
        let d = doc as usize;
        match (self.starts.get(d), self.starts.get(d + 1)) {
            (Some(&from), Some(&to)) => &self.values[from as usize..to as usize],
            _ => &[],
        }
    }
}

/// The years of one snapshot's talks, per segment: the first year and each document's years
/// less it, and how many years from the first to the last.
struct Years {
    segments: Vec<(u64, usize, PerDoc)>,
}

impl Years {
    fn build(searcher: &Searcher) -> tantivy::Result<Years> {
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let column = reader.fast_fields().u64(Facet::Year.field())?;
            let (first, last) = (column.min_value(), column.max_value().max(column.min_value()));
            // Years are u16: the span is at most 65,536.
            let span = usize::try_from(last - first).unwrap_or(usize::MAX).min(u16::MAX as usize) + 1;
            let docs = PerDoc::of(reader.max_doc(), |doc, out| {
                out.extend(
                    column
                        .values_for_doc(doc)
                        .filter(|&v| v >= first && v - first < span as u64)
                        .map(|v| (v - first) as u32),
                )
            });
            segments.push((first, span, docs));
        }
        Ok(Years { segments })
    }
}

impl GlobalValues {
    fn build(searcher: &Searcher, field: &str) -> tantivy::Result<GlobalValues> {
        // (value, segment, local ordinal), merged by sorting.
        let mut all: Vec<(Vec<u8>, usize, u64)> = Vec::new();
        let mut local = Vec::with_capacity(searcher.segment_readers().len());
        let mut docs = Vec::with_capacity(searcher.segment_readers().len());
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let column = reader.fast_fields().str(field)?;
            let n = column.as_ref().map_or(0, |c| c.num_terms());
            local.push(vec![0u32; n]);
            docs.push(PerDoc::of(reader.max_doc(), |doc, out| {
                if let Some(column) = &column {
                    out.extend(column.term_ords(doc).map(|ord| ord as u32));
                }
            }));
            if let Some(column) = column {
                let mut stream = column.dictionary().stream()?;
                while stream.advance() {
                    all.push((stream.key().to_vec(), segment, stream.term_ord()));
                }
            }
        }
        all.sort_unstable();
        let mut values: Vec<String> = Vec::new();
        let mut last: Option<Vec<u8>> = None;
        for (value, segment, ord) in all {
            if last.as_ref() != Some(&value) {
                values.push(String::from_utf8_lossy(&value).into_owned());
                last = Some(value);
            }
            local[segment][ord as usize] = (values.len() - 1) as u32;
        }
        Ok(GlobalValues { values, local, docs })
    }
}

/// The [`GlobalValues`] of one snapshot's text facets, each made on first use. It belongs to a
/// snapshot (one commit, one searcher: `crate::snapshot`); a new commit (an add, a remove, a
/// merge) makes a new snapshot with new `Ordinals`, so values can never be those of another
/// commit. Only ever give it the searcher of its snapshot.
#[derive(Default)]
pub struct Ordinals {
    /// By facet (`Facet as usize`).
    values: [OnceLock<Arc<GlobalValues>>; Facet::ALL.len()],
    years: OnceLock<Arc<Years>>,
}

impl Ordinals {
    fn get(&self, searcher: &Searcher, facet: Facet) -> tantivy::Result<Arc<GlobalValues>> {
        let slot = &self.values[facet as usize];
        if let Some(found) = slot.get() {
            return Ok(Arc::clone(found));
        }
        let built = Arc::new(GlobalValues::build(searcher, facet.field())?);
        Ok(Arc::clone(slot.get_or_init(|| built)))
    }

    fn years(&self, searcher: &Searcher) -> tantivy::Result<Arc<Years>> {
        if let Some(found) = self.years.get() {
            return Ok(Arc::clone(found));
        }
        let built = Arc::new(Years::build(searcher)?);
        Ok(Arc::clone(self.years.get_or_init(|| built)))
    }
}

/// Counts matching documents and the values of the requested facets.
pub struct FacetCollector {
    /// Each facet, with the global values of a text facet.
    facets: Vec<(Facet, Values)>,
}

/// What a facet's counts are read from.
#[derive(Clone)]
enum Values {
    Text(Arc<GlobalValues>),
    Years(Arc<Years>),
}

impl FacetCollector {
    /// True if it counts no facet, only the matches.
    pub fn counts_only(&self) -> bool {
        self.facets.is_empty()
    }

    /// A collector for `facets` over `searcher`, whose text facets' values `ordinals` keeps.
    pub fn new(facets: &[Facet], ordinals: &Ordinals, searcher: &Searcher) -> tantivy::Result<Self> {
        let facets = facets
            .iter()
            .map(|&f| {
                let values = if f == Facet::Year {
                    Values::Years(ordinals.years(searcher)?)
                } else {
                    Values::Text(ordinals.get(searcher, f)?)
                };
                Ok((f, values))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(FacetCollector { facets })
    }
}

/// What the collector found: total matches and the counts of each facet.
pub type Fruit = (usize, Vec<FacetCounts>);

/// What one segment found: matches, and per facet (value, count) pairs, by global ordinal for
/// text facets and by value for years.
pub type SegmentFruit = (usize, Vec<Vec<(u64, u32)>>);

/// A facet's counts in one segment, with what they are counted from: (values, segment,
/// counts by local ordinal, or by year less the segment's first).
struct Source(Values, usize, Vec<u32>);

/// Per-segment part of [`FacetCollector`].
pub struct FacetSegmentCollector {
    count: usize,
    sources: Vec<Source>,
}

impl Collector for FacetCollector {
    type Fruit = Fruit;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, segment_ord: u32, _segment: &SegmentReader) -> tantivy::Result<FacetSegmentCollector> {
        let segment = segment_ord as usize;
        let mut sources = Vec::with_capacity(self.facets.len());
        for (_, values) in &self.facets {
            let n = match values {
                Values::Text(global) => global.local.get(segment).map_or(0, Vec::len),
                Values::Years(years) => years.segments.get(segment).map_or(0, |s| s.1),
            };
            sources.push(Source(values.clone(), segment, vec![0; n]));
        }
        Ok(FacetSegmentCollector { count: 0, sources })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Fruit> {
        let mut total = 0;
        let mut merged: Vec<Vec<(u64, u32)>> = vec![Vec::new(); self.facets.len()];
        for (count, per_facet) in fruits {
            total += count;
            for (into, from) in merged.iter_mut().zip(per_facet) {
                into.extend(from);
            }
        }
        let counts = self
            .facets
            .iter()
            .zip(merged)
            .map(|((_, global), mut pairs)| {
                // Add up each value's counts from all segments (each segment's are sorted: a
                // stable sort merges the runs).
                pairs.sort_by_key(|&(value, _)| value);
                let mut summed: Vec<(u64, u64)> = Vec::with_capacity(pairs.len());
                for (value, n) in pairs {
                    match summed.last_mut() {
                        Some(last) if last.0 == value => last.1 += u64::from(n),
                        _ => summed.push((value, u64::from(n))),
                    }
                }
                match global {
                    Values::Text(global) => top_ordinals(summed, &global.values),
                    Values::Years(_) => top(summed.into_iter().map(|(v, n)| (v.to_string(), n)).collect()),
                }
            })
            .collect();
        Ok((total, counts))
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        for Source(values, segment, counts) in &mut self.sources {
            let per_doc = match values {
                Values::Text(global) => global.docs.get(*segment),
                Values::Years(years) => years.segments.get(*segment).map(|s| &s.2),
            };
            for &v in per_doc.map_or(&[][..], |d| d.get(doc)) {
                if let Some(n) = counts.get_mut(v as usize) {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        let per_facet = self
            .sources
            .into_iter()
            .map(|Source(values, segment, counts)| {
                let nonzero = counts.into_iter().enumerate().filter(|&(_, n)| n > 0);
                match values {
                    Values::Text(global) => {
                        // Counts are as long as the segment's ordinals (none if it has none).
                        let to_global = global.local.get(segment).map_or(&[][..], Vec::as_slice);
                        nonzero.map(|(ord, n)| (u64::from(to_global[ord]), n)).collect()
                    }
                    Values::Years(years) => {
                        let first = years.segments.get(segment).map_or(0, |s| s.0);
                        nonzero.map(|(i, n)| (first + i as u64, n)).collect()
                    }
                }
            })
            .collect();
        (self.count, per_facet)
    }
}

/// The top values of counts by global ordinal (sorted by ordinal: by value): the
/// [`TOP_VALUES`] most frequent, ties by value, and how many others there are.
fn top_ordinals(mut counts: Vec<(u64, u64)>, values: &[String]) -> FacetCounts {
    let more = counts.len().saturating_sub(TOP_VALUES);
    let best_first = |a: &(u64, u64), b: &(u64, u64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if counts.len() > TOP_VALUES {
        counts.select_nth_unstable_by(TOP_VALUES, best_first);
        counts.truncate(TOP_VALUES);
    }
    counts.sort_unstable_by(best_first);
    let values = counts
        .into_iter()
        .map(|(ord, count)| FacetValue { value: values.get(ord as usize).cloned().unwrap_or_default(), count })
        .collect();
    FacetCounts { values, more }
}

/// The top values of raw counts.
pub fn top(counts: HashMap<String, u64>) -> FacetCounts {
    let mut values: Vec<FacetValue> = counts.into_iter().map(|(value, count)| FacetValue { value, count }).collect();
    values.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let more = values.len().saturating_sub(TOP_VALUES);
    values.truncate(TOP_VALUES);
    FacetCounts { values, more }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Facet::ALL {
            assert_eq!(Facet::from_name(f.name()), Some(f));
        }
        assert_eq!(Facet::from_name("colour"), None);
    }

    #[test]
    fn top_values_sort_by_count_then_value_and_count_the_rest() {
        let mut counts: HashMap<String, u64> = (0..25).map(|i| (format!("v{i:02}"), 1)).collect();
        counts.insert("big".into(), 9);
        let t = top(counts);
        assert_eq!(t.values[0], FacetValue { value: "big".into(), count: 9 });
        assert_eq!(t.values[1].value, "v00");
        assert_eq!(t.values.len(), TOP_VALUES);
        assert_eq!(t.more, 6);
    }

    #[test]
    fn counts_over_segments_match_a_plain_count() {
        let fields = crate::schema::Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut expected: HashMap<String, u64> = HashMap::new();
        let mut years: HashMap<String, u64> = HashMap::new();
        for i in 0..90u32 {
            let mut talk = crate::Talk::new(format!("t{i}"), "Title");
            // Values shared across segments, values in one only, and many ties.
            talk.tags = vec![format!("tag{:02}", i % 30), format!("only{}", i / 45)];
            talk.tags.iter().for_each(|t| *expected.entry(t.clone()).or_default() += 1);
            // Years in both segments, one only in the second, and talks without one.
            if i % 4 != 0 {
                let year = if i >= 80 { 2031 } else { 1999 + i % 3 };
                talk.date = Some(format!("{year}-05-0{}", 1 + i % 9));
                *years.entry(year.to_string()).or_default() += 1;
            }
            writer.add_document(fields.document(&talk, "")).unwrap();
            if i == 44 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let ordinals = Ordinals::default();
        let collector = FacetCollector::new(&[Facet::Tag, Facet::Year], &ordinals, &searcher).unwrap();
        let (total, counts) = searcher.search(&tantivy::query::AllQuery, &collector).unwrap();
        assert_eq!(total, 90);
        assert_eq!(counts[0], top(expected));
        assert_eq!(counts[0].values[0], FacetValue { value: "only0".into(), count: 45 });
        assert_eq!(counts[0].more, 32 - TOP_VALUES);
        assert_eq!(counts[1], top(years));
        assert_eq!(counts[1].values.iter().map(|v| v.count).sum::<u64>(), 67, "talks without a year count in none");
        let some = FacetCollector::new(&[Facet::Year, Facet::Tag], &ordinals, &searcher).unwrap();
        let q = tantivy::query::TermQuery::new(
            tantivy::Term::from_field_text(fields.tag_key, "only1"),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let (total, counts) = searcher.search(&q, &some).unwrap();
        assert_eq!(total, 45);
        assert_eq!(counts[0].values.iter().find(|v| v.value == "2031").map(|v| v.count), Some(7));
        assert_eq!(counts[1].values[0], FacetValue { value: "only1".into(), count: 45 });
    }
}
