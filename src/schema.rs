//! The tantivy schema, and how a [`Talk`] becomes a tantivy document.
//!
//! Searchable text (analysed by [`crate::analysis`], with positions for phrases): `title`,
//! `speakers`, `abstract`, `event`, `tags`. Filterable keys (raw, indexed and fast):
//! `event_key`, `speaker_key`, `tag_key`, `language`, `year`, and `day` (days since 1970, for
//! sorting by date). The talk's `id` is a fast field only ([`crate::ids`] finds and deletes
//! by it). Display data is one stored field, `record`: the whole talk in the layout of
//! [`crate::records`], which is what search hits, `show`, the suggester and `export` read back.

use tantivy::TantivyDocument;
use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis;
use crate::talk::Talk;

/// Bump when the schema or the analysis changes: older indexes must be rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The schema itself.
    pub schema: Schema,
    /// Raw id, a fast field (not indexed) for lookups and deletes ([`crate::ids`]).
    pub id: Field,
    /// The stored talk ([`crate::records::encode`]).
    pub record: Field,
    /// Analysed title.
    pub title: Field,
    /// Analysed speaker names.
    pub speakers: Field,
    /// Analysed abstract, without boilerplate paragraphs.
    pub r#abstract: Field,
    /// Analysed event name.
    pub event: Field,
    /// Analysed tags.
    pub tags: Field,
    /// Exact event name.
    pub event_key: Field,
    /// Exact speaker names.
    pub speaker_key: Field,
    /// Exact tags.
    pub tag_key: Field,
    /// Language code.
    pub language: Field,
    /// Year of the talk.
    pub year: Field,
    /// Days since 1970-01-01.
    pub day: Field,
}

/// The searchable text fields, in the order the query layer weighs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Title.
    Title,
    /// Speakers.
    Speakers,
    /// Tags.
    Tags,
    /// Event name.
    Event,
    /// Abstract.
    Abstract,
}

impl TextField {
    /// All of them.
    pub const ALL: [TextField; 5] =
        [TextField::Title, TextField::Speakers, TextField::Tags, TextField::Event, TextField::Abstract];
}

impl Fields {
    /// Builds the schema.
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let key = STRING | tantivy::schema::FAST;
        let num = NumericOptions::default().set_indexed().set_fast();
        // Fast only: the ids are looked up in the column's dictionary (`crate::ids`).
        let id = b.add_text_field(crate::ids::FIELD, tantivy::schema::FAST);
        let record = b.add_bytes_field("record", BytesOptions::default().set_stored());
        let title = b.add_text_field("title", text.clone());
        let speakers = b.add_text_field("speakers", text.clone());
        let r#abstract = b.add_text_field("abstract", text.clone());
        let event = b.add_text_field("event", text.clone());
        let tags = b.add_text_field("tags", text);
        let event_key = b.add_text_field("event_key", key.clone());
        let speaker_key = b.add_text_field("speaker_key", key.clone());
        let tag_key = b.add_text_field("tag_key", key.clone());
        let language = b.add_text_field("language", key);
        let year = b.add_u64_field("year", num.clone());
        let day = b.add_i64_field("day", num);
        Fields {
            schema: b.build(),
            id,
            record,
            title,
            speakers,
            r#abstract,
            event,
            tags,
            event_key,
            speaker_key,
            tag_key,
            language,
            year,
            day,
        }
    }

    /// The tantivy field of a searchable text field.
    pub fn text(&self, f: TextField) -> Field {
        match f {
            TextField::Title => self.title,
            TextField::Speakers => self.speakers,
            TextField::Tags => self.tags,
            TextField::Event => self.event,
            TextField::Abstract => self.r#abstract,
        }
    }

    /// Makes the tantivy document for `talk`. `indexed_abstract` is the abstract text to make
    /// searchable (the abstract less its boilerplate paragraphs).
    pub fn document(&self, talk: &Talk, indexed_abstract: &str) -> TantivyDocument {
        self.document_with(talk, indexed_abstract, &mut Vec::with_capacity(4096))
    }

    /// [`Fields::document`], encoding the record ([`crate::records::encode`]) through
    /// `record`, a buffer to reuse.
    pub fn document_with(&self, talk: &Talk, indexed_abstract: &str, record: &mut Vec<u8>) -> TantivyDocument {
        record.clear();
        crate::records::encode(talk, record);
        // The document holds the record and, again, the indexed texts: room for both at once.
        let mut doc = TantivyDocument::with_capacity(2 * record.len() + 256);
        doc.add_text(self.id, &talk.id);
        doc.add_bytes(self.record, record);
        doc.add_text(self.title, &talk.title);
        for s in &talk.speakers {
            doc.add_text(self.speakers, s);
            doc.add_text(self.speaker_key, s);
        }
        if !indexed_abstract.is_empty() {
            doc.add_text(self.r#abstract, indexed_abstract);
        }
        if let Some(event) = &talk.event {
            doc.add_text(self.event, event);
            doc.add_text(self.event_key, event);
        }
        for t in &talk.tags {
            doc.add_text(self.tags, t);
            doc.add_text(self.tag_key, t);
        }
        if let Some(lang) = &talk.language {
            doc.add_text(self.language, lang);
        }
        if let Some(year) = talk.year() {
            doc.add_u64(self.year, u64::from(year));
        }
        if let Some(day) = talk.date.as_deref().and_then(days_since_epoch) {
            doc.add_i64(self.day, day);
        }
        doc
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}

/// Days since 1970-01-01 of a valid `YYYY-MM-DD` date.
pub fn days_since_epoch(date: &str) -> Option<i64> {
    let y: i64 = date.get(0..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_epoch_matches_known_dates() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("2000-03-01"), Some(11_017));
        assert_eq!(days_since_epoch("2012-03-10"), Some(15_409));
        assert!(days_since_epoch("1999-12-31") < days_since_epoch("2000-01-01"));
    }

    #[test]
    fn document_stores_the_encoded_record() {
        let fields = Fields::new();
        let mut talk = Talk::new("e/x", "Title");
        talk.date = Some("2012-03-10".into());
        let doc = fields.document(&talk, "");
        let stored = doc.get_first(fields.record).and_then(|v| {
            use tantivy::schema::Value;
            v.as_bytes().map(<[u8]>::to_vec)
        });
        let mut encoded = Vec::new();
        crate::records::encode(&talk, &mut encoded);
        assert_eq!(stored, Some(encoded));
        assert_eq!(crate::records::decode(stored.as_deref().unwrap()).unwrap(), talk);
    }
}
