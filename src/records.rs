//! Reading stored talk records back, fast: the raw bytes of the one stored field (`record`, the
//! talk's compact JSON) straight from tantivy's doc store, without building a
//! `TantivyDocument`.
//!
//! `Searcher::doc` decodes a stored bytes value one byte at a time and copies it twice; for a
//! page of hits with snippets that was a tenth of a search. [`Records`] keeps one `StoreReader`
//! per segment of the searcher it was made for (they hold the cache of decompressed blocks)
//! and reads the record out of the stored document's bytes in place. The stored layout it
//! relies on (a count of 1, the field id, the bytes type code, a length, the bytes) is checked
//! on every read: anything else is read the slow way, through `Searcher::doc`.

use std::sync::{Arc, RwLock};

use tantivy::schema::{Field, Value};
use tantivy::store::StoreReader;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::{Error, Result};
use crate::talk::Talk;

/// Decompressed doc-store blocks cached per segment (tantivy's default is 100).
const CACHE_BLOCKS: usize = 100;

/// tantivy's type code of a bytes value in a stored document.
const BYTES_CODE: u8 = 4;

/// Identifies a searcher's segments, in order: (segment id, deletes).
type SegmentKey = Vec<(tantivy::index::SegmentId, Option<tantivy::Opstamp>)>;

fn segment_key(searcher: &Searcher) -> impl Iterator<Item = (tantivy::index::SegmentId, Option<tantivy::Opstamp>)> {
    searcher.segment_readers().iter().map(|s| (s.segment_id(), s.delete_opstamp()))
}

/// The store readers of one set of segments.
struct Readers {
    key: SegmentKey,
    segments: Vec<StoreReader>,
}

/// Reads the stored records of an index's searchers; made once per index snapshot and shared.
pub struct Records {
    field: Field,
    readers: RwLock<Option<Arc<Readers>>>,
}

impl Records {
    /// Reads the stored bytes field `field`.
    pub fn new(field: Field) -> Records {
        Records { field, readers: RwLock::new(None) }
    }

    /// Store readers for `searcher`'s segments: the cached ones if they are its segments, else
    /// new ones (the index changed).
    fn readers(&self, searcher: &Searcher) -> Result<Arc<Readers>> {
        if let Some(r) = self.readers.read().unwrap_or_else(|e| e.into_inner()).as_ref()
            && r.key.iter().copied().eq(segment_key(searcher))
        {
            return Ok(r.clone());
        }
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|s| s.get_store_reader(CACHE_BLOCKS))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::Index(e.into()))?;
        let fresh = Arc::new(Readers { key: segment_key(searcher).collect(), segments });
        *self.readers.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Calls `f` with the record bytes of the document at `address`.
    pub fn with_bytes<T>(&self, searcher: &Searcher, address: DocAddress, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let readers = self.readers(searcher)?;
        if let Some(store) = readers.segments.get(address.segment_ord as usize) {
            let doc = store.get_document_bytes(address.doc_id)?;
            if let Some(bytes) = record_bytes(&doc, self.field) {
                return Ok(f(bytes));
            }
        }
        let doc: TantivyDocument = searcher.doc(address)?;
        Ok(f(doc.get_first(self.field).and_then(|v| v.as_bytes()).unwrap_or_default()))
    }

    /// The talk stored at `address`.
    pub fn talk(&self, searcher: &Searcher, address: DocAddress) -> Result<Talk> {
        self.with_bytes(searcher, address, |bytes| serde_json::from_slice(bytes))?.map_err(|e| {
            Error::Index(tantivy::TantivyError::InternalError(format!("stored record is unreadable: {e}")))
        })
    }
}

/// A tantivy variable-length integer: 7 bits a byte, low first, the last byte's high bit set.
fn vint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 != 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// The value of `field` in a stored document that holds exactly one value, of that field, of
/// type bytes; None for any other layout.
fn record_bytes(doc: &[u8], field: Field) -> Option<&[u8]> {
    let (1, rest) = vint(doc)? else { return None };
    let (id, rest) = rest.split_first_chunk::<4>()?;
    let (&code, rest) = rest.split_first()?;
    if u32::from_le_bytes(*id) != field.field_id() || code != BYTES_CODE {
        return None;
    }
    let (len, rest) = vint(rest)?;
    (rest.len() as u64 == len).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Fields;

    #[test]
    fn reads_records_as_tantivy_stores_them() {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut talks = Vec::new();
        for i in 0..300 {
            let mut talk = Talk::new(format!("e/{i}"), format!("Talk {i}"));
            // Long enough for a length of two or three bytes, and for several store blocks.
            talk.r#abstract = "Coroutines and event loops. ".repeat(i * 3);
            talk.speakers = vec!["Łukasz Langa".into()];
            writer.add_document(fields.document(&talk, &talk.r#abstract)).unwrap();
            talks.push(talk);
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let records = Records::new(fields.record);
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let store = segment.get_store_reader(0).unwrap();
            for doc in 0..segment.max_doc() {
                let address = DocAddress::new(ord as u32, doc);
                let raw = store.get_document_bytes(doc).unwrap();
                let bytes = record_bytes(&raw, fields.record).expect("the fast path reads the layout");
                let talk: Talk = serde_json::from_slice(bytes).unwrap();
                let i: usize = talk.id[2..].parse().unwrap();
                assert_eq!(talk, talks[i]);
                assert_eq!(records.talk(&searcher, address).unwrap(), talks[i]);
            }
        }
        assert!(record_bytes(&[1, 0x80], fields.record).is_none(), "a truncated document is not read");
        assert!(record_bytes(&[0x82], fields.record).is_none(), "two values are not read");
    }

    #[test]
    fn vints_read_as_tantivy_writes_them() {
        assert_eq!(vint(&[0x81, 9]), Some((1, &[9u8][..])));
        assert_eq!(vint(&[0x05, 0x81]), Some((5 + 128, &[][..])));
        assert_eq!(vint(&[0x05]), None);
    }
}
