#![no_main]
//! Format detection by name and content, then the detected format's parser: the path an import
//! without `--format` takes.

use std::path::Path;

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = ["talks", "talks.json", "talks.jsonl", "talks.xml", "talks.csv", "talks.txt"][pick as usize % 6];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let format = talksearch::ingest::Format::detect(Path::new(name), text);
    common::check_import(format, rest);
});
