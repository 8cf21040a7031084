//! Facets: how many matching talks have each event, year, speaker, tag and language, counted
//! over the whole match set by one collector that reads the fast fields.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentReader;
use tantivy::{DocId, Score};

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

/// Counts matching documents and the values of the requested facets.
pub struct FacetCollector {
    facets: Vec<Facet>,
}

impl FacetCollector {
    /// A collector for `facets`.
    pub fn new(facets: &[Facet]) -> Self {
        FacetCollector { facets: facets.to_vec() }
    }
}

/// What the collector found: total matches and raw counts per facet.
pub type Fruit = (usize, Vec<HashMap<String, u64>>);

enum Source {
    Str(Option<StrColumn>, Vec<u32>),
    Num(Column<u64>, HashMap<u64, u32>),
}

/// Per-segment part of [`FacetCollector`].
pub struct FacetSegmentCollector {
    count: usize,
    sources: Vec<Source>,
}

impl Collector for FacetCollector {
    type Fruit = Fruit;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _id: u32, segment: &SegmentReader) -> tantivy::Result<FacetSegmentCollector> {
        let mut sources = Vec::with_capacity(self.facets.len());
        for facet in &self.facets {
            sources.push(match facet {
                Facet::Year => Source::Num(segment.fast_fields().u64(facet.field())?, HashMap::new()),
                _ => {
                    let column = segment.fast_fields().str(facet.field())?;
                    let n = column.as_ref().map_or(0, |c| c.num_terms());
                    Source::Str(column, vec![0; n])
                }
            });
        }
        Ok(FacetSegmentCollector { count: 0, sources })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut total = 0;
        let mut merged: Vec<HashMap<String, u64>> = vec![HashMap::new(); self.facets.len()];
        for (count, maps) in fruits {
            total += count;
            for (into, from) in merged.iter_mut().zip(maps) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok((total, merged))
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        for source in &mut self.sources {
            match source {
                Source::Str(Some(column), counts) => {
                    for ord in column.term_ords(doc) {
                        counts[ord as usize] += 1;
                    }
                }
                Source::Str(None, _) => {}
                Source::Num(column, counts) => {
                    for v in column.values_for_doc(doc) {
                        *counts.entry(v).or_default() += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Fruit {
        let maps = self
            .sources
            .into_iter()
            .map(|source| match source {
                Source::Str(Some(column), counts) => {
                    // Resolve the ordinals in one sorted pass over the dictionary: looking each
                    // up on its own decodes a dictionary block per value.
                    let ords: Vec<u64> = (0..counts.len() as u64).filter(|&o| counts[o as usize] > 0).collect();
                    let mut out = HashMap::with_capacity(ords.len());
                    let mut next = ords.iter();
                    let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                        if let Some(&ord) = next.next() {
                            out.insert(String::from_utf8_lossy(bytes).into_owned(), u64::from(counts[ord as usize]));
                        }
                    });
                    out
                }
                Source::Str(None, _) => HashMap::new(),
                Source::Num(_, counts) => counts.into_iter().map(|(v, n)| (v.to_string(), u64::from(n))).collect(),
            })
            .collect();
        (self.count, maps)
    }
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
}
