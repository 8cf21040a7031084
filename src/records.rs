//! Stored talk records: their binary layout ([`encode`], [`decode`]), and reading them back
//! fast, as raw bytes straight from tantivy's doc store without building a `TantivyDocument`.
//!
//! A record is the one stored field (`record`) of a talk's document: its [`Talk`] fields in
//! declaration order, each string a length (LEB128) and its UTF-8 bytes, each list a count and
//! its strings, each optional value a 0 for none or 1 and the value, the duration a LEB128
//! number, after a [`LAYOUT`] byte. Reading it takes under a third of the instructions parsing
//! the same talk's JSON did (the stored form before schema version 2). Serde's JSON attributes
//! on [`Talk`] (a `null` abstract read as empty) belong to the interchange format, not the
//! store's: hence a layout of its own rather than a serde format.
//!
//! `Searcher::doc` decodes a stored bytes value one byte at a time and copies it twice; for a
//! page of hits with snippets that was a tenth of a search. [`Records`] keeps, per segment of the
//! searcher it was made for, the store located for reading in place ([`crate::docstore`]) and
//! a `StoreReader` (for a store that is compressed), and reads the record out of the stored
//! document's bytes in place. The stored layout it relies on (a count of 1, the field id, the
//! bytes type code, a length, the bytes) is checked on every read: anything else is read the
//! slow way, through `Searcher::doc`.

use std::sync::{Arc, RwLock};

use tantivy::index::SegmentComponent;
use tantivy::schema::{Field, Value};
use tantivy::store::StoreReader;
use tantivy::{DocAddress, DocId, Searcher, TantivyDocument};

use crate::docstore::DocStore;
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
    /// Each segment's store read in place, if it is not compressed (see [`DocStore`]).
    in_place: Vec<Option<DocStore>>,
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
        let in_place = searcher
            .segment_readers()
            .iter()
            .map(|s| {
                let file = s.open_read(SegmentComponent::Store).ok()?.read_bytes().ok()?;
                DocStore::open(file, s.max_doc())
            })
            .collect();
        let fresh = Arc::new(Readers { key: segment_key(searcher).collect(), segments, in_place });
        *self.readers.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Calls `f` with the record bytes of the document at `address`.
    pub fn with_bytes<T>(&self, searcher: &Searcher, address: DocAddress, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let readers = self.readers(searcher)?;
        let ord = address.segment_ord as usize;
        let in_place = readers.in_place.get(ord).and_then(Option::as_ref).and_then(|s| s.get(address.doc_id));
        if let Some(bytes) = in_place.and_then(|raw| record_bytes(raw, self.field)) {
            return Ok(f(bytes));
        }
        match readers.segments.get(ord) {
            Some(store) => with_record(store, self.field, address.doc_id, f),
            None => {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(f(stored(&doc, self.field)))
            }
        }
    }

    /// The talk stored at `address`.
    pub fn talk(&self, searcher: &Searcher, address: DocAddress) -> Result<Talk> {
        self.with_bytes(searcher, address, decode)?
    }
}

/// Calls `f` with the bytes of the record (stored field `field`) of document `doc` of a segment's
/// `store`.
pub fn with_record<T>(store: &StoreReader, field: Field, doc: DocId, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
    let raw = store.get_document_bytes(doc)?;
    if let Some(bytes) = record_bytes(&raw, field) {
        return Ok(f(bytes));
    }
    let doc: TantivyDocument = store.get(doc)?;
    Ok(f(stored(&doc, field)))
}

/// The bytes of `field` in a whole stored document (empty if it has none).
fn stored(doc: &TantivyDocument, field: Field) -> &[u8] {
    doc.get_first(field).and_then(|v| v.as_bytes()).unwrap_or_default()
}

/// The first byte of every record: which layout follows.
pub const LAYOUT: u8 = 2;

/// Appends the stored record of `talk` to `out`.
pub fn encode(talk: &Talk, out: &mut Vec<u8>) {
    fn number(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    fn text(out: &mut Vec<u8>, s: &str) {
        number(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
    fn list(out: &mut Vec<u8>, items: &[String]) {
        number(out, items.len() as u64);
        items.iter().for_each(|s| text(out, s));
    }
    fn maybe(out: &mut Vec<u8>, s: &Option<String>) {
        out.push(u8::from(s.is_some()));
        s.iter().for_each(|s| text(out, s));
    }
    let Talk { id, title, speakers, r#abstract, event, date, tags, language, url, duration_s, time, room } = talk;
    out.push(LAYOUT);
    text(out, id);
    text(out, title);
    list(out, speakers);
    text(out, r#abstract);
    maybe(out, event);
    maybe(out, date);
    list(out, tags);
    maybe(out, language);
    maybe(out, url);
    out.push(u8::from(duration_s.is_some()));
    duration_s.iter().for_each(|&d| number(out, d));
    maybe(out, time);
    maybe(out, room);
}

/// Reads a record [`encode`] wrote, or one of schema version 1 (compact JSON, which begins
/// with `{`: indexes of that version are exported, not searched); an error (an index damaged
/// or of a later version) says where it stopped making sense.
pub fn decode(bytes: &[u8]) -> Result<Talk> {
    if bytes.first() == Some(&b'{') {
        return serde_json::from_slice(bytes).map_err(|e| {
            Error::Index(tantivy::TantivyError::InternalError(format!("stored record is unreadable: {e}")))
        });
    }
    let mut r = Reader::new(bytes)?;
    let talk = Talk {
        id: r.text()?,
        title: r.text()?,
        speakers: r.list()?,
        r#abstract: r.text()?,
        event: r.maybe()?,
        date: r.maybe()?,
        tags: r.list()?,
        language: r.maybe()?,
        url: r.maybe()?,
        duration_s: if r.flag()? { Some(r.number()?) } else { None },
        time: r.maybe()?,
        room: r.maybe()?,
    };
    if r.at != bytes.len() {
        return Err(r.error("bytes after the record"));
    }
    Ok(talk)
}

/// The id in a record [`encode`] wrote, without reading the rest, or in one of schema version 1.
pub fn id(bytes: &[u8]) -> Result<String> {
    if bytes.first() == Some(&b'{') {
        return Ok(decode(bytes)?.id);
    }
    Reader::new(bytes)?.text()
}

/// The title in a record [`encode`] wrote, without reading the rest.
pub fn title(bytes: &[u8]) -> Result<&str> {
    let mut r = Reader::new(bytes)?;
    r.str()?; // the id
    r.str()
}

/// A cursor over a stored record.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader past the layout byte, which must be [`LAYOUT`].
    fn new(bytes: &'a [u8]) -> Result<Reader<'a>> {
        let mut r = Reader { bytes, at: 0 };
        if r.byte()? != LAYOUT {
            return Err(r.error("unknown record layout"));
        }
        Ok(r)
    }

    fn error(&self, what: &str) -> Error {
        Error::Index(tantivy::TantivyError::InternalError(format!(
            "stored record is unreadable: {what} at byte {}",
            self.at
        )))
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.at).ok_or_else(|| self.error("record ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn flag(&mut self) -> Result<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.error("bad presence flag")),
        }
    }

    fn number(&mut self) -> Result<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(self.error("number too large"));
            }
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.error("number too long"))
    }

    fn str(&mut self) -> Result<&'a str> {
        let len = usize::try_from(self.number()?).unwrap_or(usize::MAX);
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.error("record ends early"))?;
        let s = std::str::from_utf8(&self.bytes[self.at..end]).map_err(|_| self.error("text is not UTF-8"))?;
        self.at = end;
        Ok(s)
    }

    fn text(&mut self) -> Result<String> {
        self.str().map(str::to_string)
    }

    fn list(&mut self) -> Result<Vec<String>> {
        let n = self.number()?;
        // Each item takes at least a byte: a count beyond the bytes left is damage, not a size.
        if n > (self.bytes.len() - self.at) as u64 {
            return Err(self.error("list longer than the record"));
        }
        (0..n).map(|_| self.text()).collect()
    }

    fn maybe(&mut self) -> Result<Option<String>> {
        if self.flag()? { self.text().map(Some) } else { Ok(None) }
    }
}

/// A tantivy variable-length integer: 7 bits a byte, low first, the last byte's high bit set.
pub(crate) fn vint(bytes: &[u8]) -> Option<(u64, &[u8])> {
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
                let talk = decode(bytes).unwrap();
                let i: usize = talk.id[2..].parse().unwrap();
                assert_eq!(talk, talks[i]);
                assert_eq!(records.talk(&searcher, address).unwrap(), talks[i]);
            }
        }
        assert!(record_bytes(&[1, 0x80], fields.record).is_none(), "a truncated document is not read");
        assert!(record_bytes(&[0x82], fields.record).is_none(), "two values are not read");
    }

    fn full_talk() -> Talk {
        let mut t = Talk::new("pycon-us-2012/ünïcode", "Title “quoted”");
        t.speakers = vec!["Łukasz Langa".into(), String::new(), "x".repeat(200)];
        t.r#abstract = "Line one.\n\nLine two é ✓ 🐍".into();
        t.event = Some("PyCon US 2012".into());
        t.date = Some("2012-03-10".into());
        t.tags = vec!["jit".into(), "pypy".into()];
        t.language = Some("eng".into());
        t.url = Some("https://example.org/v".into());
        t.duration_s = Some(u64::MAX);
        t.time = Some("10:30".into());
        t.room = Some(String::new());
        t
    }

    #[test]
    fn records_read_back_as_written() {
        for talk in [full_talk(), Talk::new("a", ""), {
            let mut t = full_talk();
            t.duration_s = Some(127);
            t.event = None;
            t.room = None;
            t
        }] {
            let mut bytes = Vec::new();
            encode(&talk, &mut bytes);
            assert_eq!(decode(&bytes).unwrap(), talk);
            assert_eq!(title(&bytes).unwrap(), talk.title);
        }
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let mut bytes = Vec::new();
        encode(&full_talk(), &mut bytes);
        // Every truncation, and a stray byte after the record.
        for end in 0..bytes.len() {
            let err = decode(&bytes[..end]).unwrap_err().to_string();
            assert!(err.contains("stored record is unreadable"), "{end}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().to_string().contains("bytes after the record"));
        // Records of schema version 1 were compact JSON: still read (for export); a damaged one
        // is an error too.
        let json = serde_json::to_vec(&full_talk()).unwrap();
        assert_eq!(decode(&json).unwrap(), full_talk());
        assert!(decode(&json[..json.len() - 1]).unwrap_err().to_string().contains("stored record is unreadable"));
        assert!(decode(&[9, 1, 2]).unwrap_err().to_string().contains("unknown record layout"));
        // A byte that is not UTF-8 inside the id, and a list count beyond the record.
        let mut bad = bytes.clone();
        bad[2] = 0xff;
        assert!(decode(&bad).unwrap_err().to_string().contains("UTF-8"));
        let huge = [LAYOUT, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(decode(&huge).unwrap_err().to_string().contains("list longer"));
        let mut overflow = vec![LAYOUT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(decode(&overflow).unwrap_err().to_string().contains("number too large"));
        overflow[10] = 0x01; // u64::MAX: a length, then, beyond the record
        assert!(decode(&overflow).unwrap_err().to_string().contains("ends early"));
    }

    #[test]
    fn vints_read_as_tantivy_writes_them() {
        assert_eq!(vint(&[0x81, 9]), Some((1, &[9u8][..])));
        assert_eq!(vint(&[0x05, 0x81]), Some((5 + 128, &[][..])));
        assert_eq!(vint(&[0x05]), None);
    }
}
