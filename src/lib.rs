//! talksearch: full-text search for conference talks, on tantivy.
//!
//! The library is the product; `main.rs` only calls [`cli::main`]. See ARCHITECTURE.md for where
//! each concern lives.

pub mod analysis;
mod cache;
pub mod cli;
pub mod config;
pub mod disjunction;
mod docstore;
pub mod download;
pub mod error;
pub mod eval;
pub mod exclusion;
pub mod expand;
pub mod export;
pub mod facets;
pub mod fanout;
pub mod feedback;
pub mod hits;
pub mod http;
pub mod ids;
pub mod indexer;
pub mod ingest;
pub mod plan;
pub mod proximity;
pub mod query;
pub mod ranked;
pub mod readonly;
pub mod records;
pub mod rerank;
pub mod schema;
pub mod search;
mod snapshot;
pub mod snippet;
mod statistics;
pub mod stats;
pub mod store;
pub mod suggest;
pub mod synonyms;
pub mod talk;
pub mod unpack;
pub mod update;
pub mod vocabulary;
pub mod words;

pub use error::{Error, Rejection, Result};
pub use search::{Engine, Hit, SearchRequest, SearchResponse};
pub use store::IndexDir;
pub use talk::Talk;
