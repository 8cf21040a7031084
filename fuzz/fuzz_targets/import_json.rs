#![no_main]
//! `Format::Json.parse` on any input.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_import(talksearch::ingest::Format::Json, data));
