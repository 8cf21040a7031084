//! What a search runs on: one commit of the live index generation (a tantivy searcher) and the
//! caches built from it (the vocabulary for typos and prefixes, the suggester).
//!
//! [`Snapshot::next`] makes the snapshot of a newer state of the index directory: a newly
//! published generation, or a new commit (or merge) in the live one, found by comparing
//! `meta.json`, which tantivy replaces atomically at every commit. The new snapshot's caches
//! are built before it is returned, from what the old one read of unchanged segments, so the
//! engine can swap it in without a search ever waiting for them or mixing two commits.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tantivy::schema::Field;
use tantivy::{IndexReader, Searcher};

use crate::analysis::FoldHash;
use crate::error::Result;
use crate::facets::Ordinals;
use crate::fanout::Fanout;
use crate::records::Records;
use crate::rerank::ClassFreqs;
use crate::schema::{Fields, TextField};
use crate::statistics::{Statistics, TermInfos};
use crate::store::IndexDir;
use crate::suggest::Suggester;
use crate::talk::Talk;
use crate::vocabulary::Vocabulary;

/// One commit of one generation, and the caches built from it.
pub(crate) struct Snapshot {
    generation: String,
    /// The generation's reader, shared by its snapshots; reloaded only by [`Snapshot::next`].
    reader: IndexReader,
    /// The commit this snapshot searches.
    pub(crate) searcher: Searcher,
    /// `meta.json` as it was just before `searcher` was opened.
    commit: Vec<u8>,
    /// Built on first use (typo and prefix expansion need it), or by [`Snapshot::next`].
    vocabulary: OnceLock<Vocabulary>,
    /// Built on first use (`/api/suggest` needs it), or by [`Snapshot::next`].
    suggester: OnceLock<Suggester>,
    /// Reads the stored records of hits.
    pub(crate) records: Records,
    /// BM25 statistics of `searcher`, looked up once per term: pass to
    /// `Searcher::search_with_statistics_provider`.
    pub(crate) statistics: Statistics,
    /// Where `searcher`'s terms' postings are, looked up once per term.
    pub(crate) term_infos: Arc<TermInfos>,
    /// Exact document frequencies of stem classes, for re-ranking long queries.
    pub(crate) class_freqs: ClassFreqs,
    /// The values of the text facets of this commit, for counting them by global ordinal.
    pub(crate) facet_values: Ordinals,
    /// The generation's boilerplate paragraphs, which its abstracts are indexed without.
    boilerplate: Arc<HashSet<String, FoldHash>>,
}

impl Snapshot {
    /// The live generation's latest commit; caches are built on first use.
    pub(crate) fn open(dir: &IndexDir) -> Result<Snapshot> {
        let opened = dir.open()?;
        // Read before the reader opens: a commit in between makes the next refresh reload
        // again, never miss one.
        let commit = dir.commit_marker(&opened.generation)?;
        let mut boilerplate = HashSet::with_hasher(FoldHash::new());
        boilerplate.extend(opened.meta.boilerplate.iter().cloned());
        Ok(Snapshot::new(opened.generation.clone(), opened.reader()?, commit, Arc::new(boilerplate)))
    }

    fn new(
        generation: String,
        reader: IndexReader,
        commit: Vec<u8>,
        boilerplate: Arc<HashSet<String, FoldHash>>,
    ) -> Snapshot {
        let searcher = reader.searcher();
        let statistics = Statistics::new(&searcher);
        Snapshot {
            generation,
            reader,
            searcher,
            commit,
            vocabulary: OnceLock::new(),
            suggester: OnceLock::new(),
            records: Records::new(Fields::new().record),
            statistics,
            term_infos: Arc::default(),
            class_freqs: ClassFreqs::default(),
            facet_values: Ordinals::default(),
            boilerplate,
        }
    }

    /// `talk`'s abstract as it is indexed: without the generation's boilerplate paragraphs
    /// (what feedback and re-ranking count words in, so that a licence notice's words do not
    /// look characteristic of a talk).
    pub(crate) fn indexed_abstract<'a>(&self, talk: &'a Talk) -> Cow<'a, str> {
        crate::indexer::indexed_abstract(talk, &self.boilerplate)
    }

    /// Runs `query` on this snapshot with its remembered BM25 statistics (the same scores as
    /// `Searcher::search`, without looking every term up in every segment again), on two
    /// threads if `fanout` has a free one ([`Fanout::search`]).
    pub(crate) fn search<C: tantivy::collector::Collector>(
        &self,
        fanout: &Fanout,
        query: &dyn tantivy::query::Query,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        fanout.search(&self.searcher, &self.statistics, query, collector)
    }

    /// The talk at `address` in this snapshot, its abstract as indexed.
    pub(crate) fn talk_as_indexed(&self, address: tantivy::DocAddress) -> Result<Talk> {
        let mut talk = self.records.talk(&self.searcher, address)?;
        if let Cow::Owned(kept) = self.indexed_abstract(&talk) {
            talk.r#abstract = kept;
        }
        Ok(talk)
    }

    /// The snapshot of the index as it is now, with its caches built, or `None` if nothing
    /// changed since this one. Costs two small file reads when nothing changed.
    pub(crate) fn next(&self, dir: &IndexDir, fields: &Fields) -> Result<Option<Snapshot>> {
        let Some(current) = dir.current()? else { return Ok(None) };
        if current != self.generation {
            let fresh = Snapshot::open(dir)?;
            fresh.warm(fields);
            return Ok(Some(fresh));
        }
        let commit = dir.commit_marker(&current)?;
        if commit == self.commit {
            return Ok(None);
        }
        self.reader.reload()?;
        let fresh = Snapshot::new(current, self.reader.clone(), commit, Arc::clone(&self.boilerplate));
        fresh.warm_after(self, fields);
        Ok(Some(fresh))
    }

    pub(crate) fn suggester(&self, fields: &Fields) -> &Suggester {
        self.suggester
            .get_or_init(|| Suggester::build(&self.searcher, fields.speaker_key, fields.event_key, fields.record))
    }

    pub(crate) fn vocabulary(&self, fields: &Fields) -> &Vocabulary {
        self.vocabulary.get_or_init(|| Vocabulary::build(&self.searcher, &text_fields(fields)))
    }

    /// Builds the caches now rather than on first use (vocabulary, suggester, facet values).
    pub(crate) fn warm(&self, fields: &Fields) {
        let _ = self.vocabulary(fields);
        let _ = self.suggester(fields);
        // The search page counts every facet with every keystroke.
        let _ = crate::facets::FacetCollector::new(&crate::facets::Facet::ALL, &self.facet_values, &self.searcher);
    }

    /// Builds the caches from those of `previous`, an older commit of the same generation,
    /// which were built already: only the segments new since then are read.
    fn warm_after(&self, previous: &Snapshot, fields: &Fields) {
        if let Some(vocabulary) = previous.vocabulary.get() {
            let _ = self.vocabulary.set(vocabulary.rebuild(&self.searcher, &text_fields(fields)));
        }
        if let Some(suggester) = previous.suggester.get() {
            let rebuilt = suggester.rebuild(&self.searcher, fields.speaker_key, fields.event_key, fields.record);
            let _ = self.suggester.set(rebuilt);
        }
        self.warm(fields);
    }
}

fn text_fields(fields: &Fields) -> Vec<Field> {
    TextField::ALL.iter().map(|&f| fields.text(f)).collect()
}
