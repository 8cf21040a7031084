//! What every importer target checks: parsing any text never panics, and what comes out is
//! well-formed (records valid, every line number inside the text).

use talksearch::ingest::{Format, ReadOptions};

/// Parses `data` (when it is UTF-8) as `format` and checks the result.
pub fn check_import(format: Format, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let opts = ReadOptions { map: vec![("abstract".into(), "description".into())], ..ReadOptions::default() };
    let parsed = format.parse(text, "fuzz", &opts);
    let lines = text.split('\n').count();
    for record in &parsed.records {
        assert!((1..=lines).contains(&record.line), "record line {} of {lines}", record.line);
        if let Err(message) = record.talk.validate() {
            panic!("{format:?} produced an invalid talk: {message}");
        }
    }
    for rejection in &parsed.rejected {
        assert!((1..=lines).contains(&rejection.line), "rejection line {} of {lines}: {rejection}", rejection.line);
        assert_eq!(rejection.source, "fuzz");
    }
}
