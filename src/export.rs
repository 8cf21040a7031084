//! `talksearch export`: every talk of the live index written out as JSON Lines, ordered by id
//! (byte order), so the index is never the only copy of the data.
//!
//! Each line is the talk's stored record as compact JSON, its fields in [`Talk`](crate::talk::Talk) order: what
//! the JSON Lines importer reads back unchanged. Exporting, indexing the export and exporting
//! again therefore gives the same bytes, whatever order the talks were imported or added in.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::{Error, Result};
use crate::schema::Fields;
use crate::store::IndexDir;

/// Export formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// talksearch JSON Lines, one record a line (what `index` and `add` read).
    #[default]
    Jsonl,
}

/// Writes every live talk to `out` as JSON Lines, ordered by id; `label` names `out` in
/// errors. Returns the number of talks written.
/// An index built by an older version of talksearch is exported too (its records are read in
/// their own layout, see [`crate::records::decode`]), so that a version's new schema never
/// strands the talks of an index that is their only copy; a later version's is refused.
pub fn write_jsonl(dir: &IndexDir, out: &mut dyn Write, label: &str) -> Result<usize> {
    let opened = dir.open_any_version()?;
    // A later version's records and fields are not known here.
    if opened.meta.schema_version > crate::schema::SCHEMA_VERSION {
        return Err(Error::Stale(dir.path().to_path_buf()));
    }
    let searcher = opened.reader()?.searcher();
    let fields = Fields::new();
    let order = by_id(&searcher, &fields)?;
    let mut out = BufWriter::with_capacity(1 << 16, out);
    for &address in &order {
        let doc: TantivyDocument = searcher.doc(address)?;
        let record = doc.get_first(fields.record).and_then(|v| v.as_bytes()).ok_or_else(|| {
            Error::Index(tantivy::TantivyError::InternalError(format!("talk {address:?} has no stored record")))
        })?;
        let talk = crate::records::decode(record)?;
        serde_json::to_writer(&mut out, &talk)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| Error::io(label, e))?;
    }
    out.flush().map_err(|e| Error::io(label, e))?;
    Ok(order.len())
}

/// [`write_jsonl`] into the file `path`, which appears only complete: the talks are written to
/// a temporary file beside it, synced, and renamed over it.
pub fn write_jsonl_file(dir: &IndexDir, path: &Path) -> Result<usize> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let written = write_jsonl(dir, &mut file, &path.display().to_string())?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        Ok(written)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Every live talk's address, ordered by id. The ids are read from the records, which every
/// schema version has (versions 1 and 2 indexed the id; 3 keeps it in a column).
fn by_id(searcher: &Searcher, fields: &Fields) -> Result<Vec<DocAddress>> {
    let mut ids = Vec::with_capacity(searcher.num_docs() as usize);
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let store = segment.get_store_reader(0).map_err(tantivy::TantivyError::from)?;
        let alive = segment.alive_bitset();
        for doc in (0..segment.max_doc()).filter(|&doc| alive.is_none_or(|a| a.is_alive(doc))) {
            let id = crate::records::with_record(&store, fields.record, doc, crate::records::id)??;
            ids.push((id, DocAddress::new(ord as u32, doc)));
        }
    }
    ids.sort_unstable();
    Ok(ids.into_iter().map(|(_, address)| address).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::talk::Talk;

    #[test]
    fn exports_live_talks_by_id_as_their_stored_records() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = IndexDir::new(tmp.path().join("index"));
        let mut b = Talk::new("b/2", "Bee");
        b.speakers = vec!["Zoë".into()];
        let talks = [b.clone(), Talk::new("c", "Sea"), Talk::new("a", "Ay")];
        crate::indexer::build(&dir, &talks, &mut |_| {}).unwrap();
        crate::update::upsert(&dir, &[Talk::new("aa", "Added")], crate::update::LOCK_PATIENCE).unwrap();
        crate::update::remove(&dir, &["c".into()], crate::update::LOCK_PATIENCE).unwrap();

        let mut out = Vec::new();
        assert_eq!(write_jsonl(&dir, &mut out, "test").unwrap(), 3);
        let expected: Vec<String> = [Talk::new("a", "Ay"), Talk::new("aa", "Added"), b]
            .iter()
            .map(|t| serde_json::to_string(t).unwrap() + "\n")
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected.concat());

        let file = tmp.path().join("talks.jsonl");
        assert_eq!(write_jsonl_file(&dir, &file).unwrap(), 3);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), expected.concat());
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
    }

    /// `fields` with the id indexed, not a column, as schema versions 1 and 2 had it.
    fn indexed_id(mut fields: Fields) -> Fields {
        let mut b = tantivy::schema::Schema::builder();
        for (field, entry) in fields.schema.fields() {
            if field == fields.id {
                b.add_text_field(entry.name(), tantivy::schema::STRING);
            } else {
                b.add_field(entry.clone());
            }
        }
        fields.schema = b.build();
        fields
    }

    #[test]
    fn an_index_of_schema_version_1_is_exported_but_not_searched() {
        // A generation as version 1 wrote it: records as compact JSON, version 1 in its meta.
        let tmp = tempfile::tempdir().unwrap();
        let dir = IndexDir::new(tmp.path().join("index"));
        let fields = Fields::new();
        let mut b = Talk::new("b", "Bee");
        b.r#abstract = "An abstract.".into();
        let talks = [b, Talk::new("a", "Ay")];
        let lock = dir.lock().unwrap();
        let staging = dir.stage(&lock, &indexed_id(fields.clone())).unwrap();
        let mut writer: tantivy::IndexWriter = staging.index.writer_with_num_threads(1, 15_000_000).unwrap();
        for talk in &talks {
            let mut doc = tantivy::TantivyDocument::new();
            doc.add_text(fields.id, &talk.id);
            doc.add_bytes(fields.record, &serde_json::to_vec(talk).unwrap());
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let meta = crate::store::GenerationMeta { schema_version: 1, boilerplate: Vec::new() };
        dir.publish(&lock, staging, &meta).unwrap();
        drop(lock);

        assert!(matches!(crate::Engine::open(dir.clone()), Err(Error::Stale(_))), "not searched");
        let mut out = Vec::new();
        assert_eq!(write_jsonl(&dir, &mut out, "test").unwrap(), 2);
        let expected: String =
            [&talks[1], &talks[0]].iter().map(|t| serde_json::to_string(t).unwrap() + "\n").collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);

        // A later version's index is refused, not misread.
        let generation = dir.current().unwrap().unwrap();
        let meta = dir.path().join(generation).join("talksearch.json");
        std::fs::write(&meta, r#"{"schema_version": 99, "boilerplate": []}"#).unwrap();
        assert!(matches!(write_jsonl(&dir, &mut Vec::new(), "test"), Err(Error::Stale(_))));
    }
}
