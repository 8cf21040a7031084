//! talksearch JSON Lines: one [`Talk`] record a line (the format of `talks.jsonl`).
//!
//! Blank lines are skipped; a UTF-8 byte-order mark and CRLF line ends are accepted.
//!
//! Records are taken as they are, without [`cleanup`](super::cleanup): the corpus is already
//! clean (though its abstracts keep Markdown-like text that cleanup would change in ~15% of
//! them), and an export must read back byte-identical.

use super::{Parsed, Record};
use crate::error::Rejection;
use crate::talk::Talk;

/// Parses JSON Lines text.
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed::default();
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        match Talk::from_json(line) {
            Ok(talk) => parsed.records.push(Record { talk, line: line_no }),
            Err(message) => parsed.rejected.push(Rejection { source: source.to_string(), line: line_no, message }),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_with_bom_crlf_and_blank_lines() {
        let p = parse("\u{feff}{\"id\":\"a\",\"title\":\"A\"}\r\n\r\n{\"id\":\"b\",\"title\":\"B\"}", "f");
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        let lines: Vec<usize> = p.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 3]);
    }

    #[test]
    fn a_truncated_line_is_rejected_with_its_line_number() {
        let p = parse("{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\",\"tit", "talks.jsonl");
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].line, 2);
        assert!(p.rejected[0].to_string().starts_with("talks.jsonl:2: invalid JSON"));
    }
}
