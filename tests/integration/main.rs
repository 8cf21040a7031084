//! Integration tests, compiled into one binary: the real `talksearch` binary, the real HTTP app,
//! on a small fixture of our own and, when `TALKSEARCH_CORPUS` names it, on the 21,713-talk
//! corpus (golden relevance tests).

mod adversarial;
mod cli;
mod corpus;
mod crash;
mod facets;
mod faults;
mod hostile;
mod http;
mod import;
mod ranking;
mod security;
mod server;
mod update;
mod util;
mod write_api;
