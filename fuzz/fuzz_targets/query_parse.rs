#![no_main]
//! The query language: `query::parse` never fails, and every clause holds something to search.

use talksearch::query::{Clause, parse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for clause in parse(&text).clauses {
        match clause {
            Clause::Word { text, .. } => assert!(text.chars().any(char::is_alphanumeric), "{text:?}"),
            Clause::Phrase { text, .. } => assert!(text.split(' ').count() >= 2, "{text:?}"),
            Clause::Years { from, to, .. } => assert!(from <= to),
        }
    }
});
