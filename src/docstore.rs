//! Documents' stored bytes read in place from a segment's uncompressed doc store.
//!
//! tantivy's `StoreReader::get_document_bytes` finds a document's block by walking the store's
//! skip index (deserialising up to eight checkpoints on each of its layers), copies the block out
//! of the file into an LRU cache behind a mutex (a "decompression" even when the store is not
//! compressed), and slices the copy: for a page of ten hits, 3% of a search-box query's
//! instructions. Indexes built here store documents uncompressed (`store.rs`), so a [`DocStore`]
//! reads the skip index's last layer once, a few bytes per block: where each block begins and
//! which document comes first in it. A document's bytes are then found by a binary search over
//! the blocks and the block's own table of offsets, and read in place, with no copy and no lock.
//!
//! It reads tantivy 0.27's layout (`store/footer.rs`, `store/index/`, `store/reader.rs`):
//!
//! ```text
//! store file = blocks, skip index, footer (doc store version u32, skip index offset u64,
//!              compressor u8, 15 zero bytes; little-endian)
//! block      = the documents' bytes, one u32 offset per document, the document count u32
//! skip index = vint count and vint end of each layer, then the layers; the last layer lists
//!              every block: groups of (vint n, vint first doc, vint first byte, n x (vint docs,
//!              vint bytes))
//! ```
//!
//! Anything it does not find as expected (a compressed store, blocks that do not cover the
//! segment's documents, offsets out of range) makes [`DocStore::open`] answer `None`, or
//! [`DocStore::get`] answer `None` for that document, and the caller reads through tantivy's
//! reader instead. The tests compare every document's bytes with tantivy's.

use tantivy::DocId;
use tantivy::directory::OwnedBytes;

/// The footer's size and the doc store versions whose blocks are laid out as above.
const FOOTER_BYTES: usize = 28;
const VERSIONS: [u32; 2] = [1, 2];

/// One segment's uncompressed doc store, its blocks located.
pub struct DocStore {
    /// The blocks.
    data: OwnedBytes,
    /// The first document of each block, ascending, then the segment's `max_doc`.
    first_docs: Vec<DocId>,
    /// Where each block begins in `data`, then where the last one ends.
    starts: Vec<usize>,
}

impl DocStore {
    /// Locates the blocks of `file`, a segment's whole store file, whose documents are
    /// `0..max_doc`; None if it is compressed or not laid out as this module expects.
    pub fn open(file: OwnedBytes, max_doc: DocId) -> Option<DocStore> {
        let body_len = file.len().checked_sub(FOOTER_BYTES)?;
        let footer = &file[body_len..];
        let version = u32::from_le_bytes(footer[0..4].try_into().ok()?);
        let offset = usize::try_from(u64::from_le_bytes(footer[4..12].try_into().ok()?)).ok()?;
        if !VERSIONS.contains(&version) || footer[12] != 0 || offset > body_len {
            return None;
        }
        let mut index = &file[offset..body_len];
        let layers = vint(&mut index)?;
        let mut ends = Vec::new();
        for _ in 0..layers {
            ends.push(usize::try_from(vint(&mut index)?).ok()?);
        }
        let last_start = if ends.len() >= 2 { ends[ends.len() - 2] } else { 0 };
        let mut layer = index.get(last_start..*ends.last()?)?;
        let (mut first_docs, mut starts) = (Vec::new(), Vec::new());
        let (mut doc, mut byte) = (0u64, 0u64);
        while !layer.is_empty() {
            let n = vint(&mut layer)?;
            if n == 0 {
                continue;
            }
            // Each group says where it begins: it must be where the one before ended.
            if vint(&mut layer)? != doc || vint(&mut layer)? != byte {
                return None;
            }
            for _ in 0..n {
                let (docs, bytes) = (vint(&mut layer)?, vint(&mut layer)?);
                if docs == 0 {
                    return None;
                }
                first_docs.push(DocId::try_from(doc).ok()?);
                starts.push(usize::try_from(byte).ok()?);
                // A damaged index could hold counts that overflow: then it is not read here.
                doc = doc.checked_add(docs)?;
                byte = byte.checked_add(bytes)?;
            }
        }
        if doc != u64::from(max_doc) || byte != offset as u64 {
            return None;
        }
        first_docs.push(max_doc);
        starts.push(offset);
        Some(DocStore { data: file.slice(0..offset), first_docs, starts })
    }

    /// The stored bytes of document `doc`; None if it is not in the store or its block's table
    /// does not hold together.
    pub fn get(&self, doc: DocId) -> Option<&[u8]> {
        if doc >= *self.first_docs.last()? {
            return None;
        }
        let b = self.first_docs.partition_point(|&first| first <= doc) - 1;
        let block = self.data.get(self.starts[b]..self.starts[b + 1])?;
        let pos = (doc - self.first_docs[b]) as usize;
        let count = u32::from_le_bytes(block.last_chunk::<4>().copied()?) as usize;
        let table = block.len().checked_sub((count + 1) * 4)?;
        if pos >= count || count != (self.first_docs[b + 1] - self.first_docs[b]) as usize {
            return None;
        }
        let offset = |i: usize| u32::from_le_bytes(block[table + 4 * i..table + 4 * i + 4].try_into().unwrap());
        let start = offset(pos) as usize;
        let end = if pos + 1 < count { offset(pos + 1) as usize } else { table };
        block.get(start..end.min(table))
    }
}

/// Reads a tantivy variable-length integer ([`crate::records::vint`]) off the front of `bytes`.
fn vint(bytes: &mut &[u8]) -> Option<u64> {
    let (value, rest) = crate::records::vint(bytes)?;
    *bytes = rest;
    Some(value)
}

#[cfg(test)]
mod tests {
    use tantivy::index::SegmentComponent;
    use tantivy::schema::{BytesOptions, Schema};
    use tantivy::store::Compressor;
    use tantivy::{Index, IndexSettings, IndexWriter, TantivyDocument, Term};

    use super::*;

    /// Documents of every size from nothing to several blocks, in segments with deletes.
    fn index(compressor: Compressor) -> Index {
        let mut schema = Schema::builder();
        let bytes = schema.add_bytes_field("b", BytesOptions::default().set_stored());
        let number = schema.add_u64_field("i", tantivy::schema::INDEXED);
        let settings =
            IndexSettings { docstore_compression: compressor, docstore_blocksize: 2_048, ..Default::default() };
        let index = Index::builder().schema(schema.build()).settings(settings).create_in_ram().unwrap();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for round in 0..3u32 {
            for i in 0..700u32 {
                let mut doc = TantivyDocument::new();
                doc.add_u64(number, u64::from(i));
                if i % 50 != 7 {
                    let len = (i * 37 + round) % 300 + if i % 97 == 0 { 9_000 } else { 0 };
                    doc.add_bytes(bytes, &(0..len).map(|k| (k ^ i) as u8).collect::<Vec<u8>>());
                }
                writer.add_document(doc).unwrap();
            }
            // Deleted documents stay in the store.
            writer.delete_term(Term::from_field_u64(number, u64::from(round * 100 + 5)));
            writer.commit().unwrap();
        }
        index
    }

    fn stores(index: &Index) -> Vec<(tantivy::SegmentReader, Option<DocStore>)> {
        let searcher = index.reader().unwrap().searcher();
        searcher
            .segment_readers()
            .iter()
            .map(|s| {
                let file = s.open_read(SegmentComponent::Store).unwrap().read_bytes().unwrap();
                (s.clone(), DocStore::open(file, s.max_doc()))
            })
            .collect()
    }

    /// Where `read` lies in `store`'s blocks.
    fn place(store: &DocStore, read: &[u8]) -> std::ops::Range<usize> {
        let start = read.as_ptr() as usize - store.data.as_ptr() as usize;
        start..start + read.len()
    }

    #[test]
    fn reads_every_document_as_tantivy_does() {
        let index = index(Compressor::None);
        let stores = stores(&index);
        assert!(stores.len() >= 2);
        let mut docs = 0;
        for (segment, store) in &stores {
            let store = store.as_ref().expect("an uncompressed store is read in place");
            assert!(store.first_docs.len() > 10, "many blocks");
            let tantivy = segment.get_store_reader(0).unwrap();
            for doc in 0..segment.max_doc() {
                assert_eq!(store.get(doc), Some(tantivy.get_document_bytes(doc).unwrap().as_slice()), "doc {doc}");
                docs += 1;
            }
            assert_eq!(store.get(segment.max_doc()), None);
            assert_eq!(store.get(DocId::MAX), None);
        }
        assert_eq!(docs, 2_100);
    }

    #[test]
    fn a_compressed_or_damaged_store_is_left_to_tantivy() {
        for (_, store) in stores(&index(Compressor::Lz4)) {
            assert!(store.is_none(), "lz4 blocks are not read in place");
        }
        let (segment, _) = stores(&index(Compressor::None)).swap_remove(0);
        let file = segment.open_read(SegmentComponent::Store).unwrap().read_bytes().unwrap();
        assert!(DocStore::open(file.clone(), segment.max_doc() + 1).is_none(), "blocks must cover the documents");
        assert!(DocStore::open(file.clone(), segment.max_doc() - 1).is_none());
        // Every truncation and every single changed byte of the footer and skip index: no panic,
        // and whatever is read stays inside the file.
        let bytes = file.as_slice().to_vec();
        let footer = bytes.len() - FOOTER_BYTES;
        let offset = u64::from_le_bytes(bytes[footer + 4..footer + 12].try_into().unwrap()) as usize;
        for end in (0..bytes.len()).step_by(97).chain(offset..bytes.len()) {
            let _ = DocStore::open(OwnedBytes::new(bytes[..end].to_vec()), segment.max_doc());
        }
        for at in offset..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                if let Some(store) = DocStore::open(OwnedBytes::new(damaged), segment.max_doc()) {
                    for doc in 0..segment.max_doc() {
                        if let Some(read) = store.get(doc) {
                            assert!(place(&store, read).end <= store.data.len());
                        }
                    }
                }
            }
        }
        // A last layer whose byte counts overflow (u64::MAX, then 1): refused, not a panic.
        let max = [0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x81];
        let mut layer = vec![0x82, 0x80, 0x80, 0x81];
        layer.extend_from_slice(&max);
        layer.extend_from_slice(&[0x81, 0x81]);
        let mut huge = bytes[..offset].to_vec();
        huge.extend_from_slice(&[0x81, 0x80 | layer.len() as u8]);
        huge.extend_from_slice(&layer);
        huge.extend_from_slice(&bytes[footer..]);
        assert_eq!(crate::records::vint(&max), Some((u64::MAX, &[][..])));
        assert!(DocStore::open(OwnedBytes::new(huge), 2).is_none());
        // A block's table damaged: that document is not read, or read within its block.
        let good = DocStore::open(file, segment.max_doc()).unwrap();
        let (start, end) = (good.starts[3], good.starts[4]);
        for at in end - 12..end {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0xff;
            let store = DocStore::open(OwnedBytes::new(damaged), segment.max_doc()).unwrap();
            for doc in good.first_docs[3]..good.first_docs[4] {
                if let Some(read) = store.get(doc) {
                    let at = place(&store, read);
                    assert!(at.start >= start && at.end <= end, "{at:?} is outside the block {start}..{end}");
                }
            }
        }
    }
}
