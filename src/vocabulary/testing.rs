//! An in-memory index for tests, whose segments are never merged.

use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Searcher};

use crate::schema::Fields;

pub(crate) struct RamIndex {
    pub(crate) fields: Fields,
    writer: IndexWriter,
    reader: IndexReader,
}

impl RamIndex {
    pub(crate) fn new() -> RamIndex {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().unwrap();
        RamIndex { fields, writer, reader }
    }

    /// Adds a talk with one speaker (none if empty).
    pub(crate) fn add(&mut self, id: &str, title: &str, speaker: &str) {
        let mut talk = crate::Talk::new(id, title);
        talk.speakers = Some(speaker).filter(|s| !s.is_empty()).map(String::from).into_iter().collect();
        self.writer.add_document(self.fields.document(&talk, "")).unwrap();
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.writer.delete_query(Box::new(crate::ids::IdsQuery::new(&[id]))).unwrap();
    }

    /// Commits (a new segment for what was added) and returns a searcher of the commit.
    pub(crate) fn commit(&mut self) -> Searcher {
        self.writer.commit().unwrap();
        self.reader.reload().unwrap();
        self.reader.searcher()
    }
}
