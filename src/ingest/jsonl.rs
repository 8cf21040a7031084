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

/// Below this many bytes, text is parsed on one thread.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Parses JSON Lines text. Large texts are cut at line ends into one chunk per core, parsed
/// side by side (a 22 MB corpus takes a tenth of a second on one core).
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads == 1 || text.len() < PARALLEL_MIN_BYTES {
        return parse_lines(text, 0, source);
    }
    let chunks = line_chunks(text, threads);
    let parts: Vec<Parsed> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.iter().map(|&(chunk, first)| scope.spawn(move || parse_lines(chunk, first, source))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut parsed = Parsed::default();
    for part in parts {
        parsed.records.extend(part.records);
        parsed.rejected.extend(part.rejected);
    }
    parsed
}

/// `text` cut into `n` chunks (some empty if it has few lines) that end just after a newline
/// (the last one at the end of the text), each with the number of lines before it.
fn line_chunks(text: &str, n: usize) -> Vec<(&str, usize)> {
    let mut chunks = Vec::with_capacity(n);
    let (mut start, mut first_line) = (0, 0);
    for t in 1..=n {
        let end = if t == n {
            text.len()
        } else {
            // Searched as bytes: `target` may fall inside a character, a newline never does.
            let target = (text.len() * t / n).max(start);
            text.as_bytes()[target..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| target + i + 1)
        };
        chunks.push((&text[start..end], first_line));
        first_line += text[start..end].bytes().filter(|&b| b == b'\n').count();
        start = end;
    }
    chunks
}

/// Parses lines of JSON Lines text whose first line is line `first_line + 1` of its source.
fn parse_lines(text: &str, first_line: usize, source: &str) -> Parsed {
    let mut parsed = Parsed::default();
    if text.is_empty() {
        return parsed;
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    for (i, line) in text.split('\n').enumerate() {
        let line_no = first_line + i + 1;
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
    fn large_texts_parse_in_chunks_with_the_right_line_numbers() {
        let mut text = String::new();
        let mut expected = Vec::new();
        let mut line = 0;
        while text.len() < 3 * PARALLEL_MIN_BYTES {
            line += 1;
            match line % 97 {
                0 => text.push_str("{\"id\": \"broken\n"),
                50 => text.push_str("\r\n"),
                _ => {
                    text.push_str(&format!("{{\"id\":\"t{line}\",\"title\":\"{}\"}}\r\n", "x".repeat(line % 300 + 1)));
                    expected.push(line);
                }
            }
        }
        let p = parse(&text, "f");
        assert_eq!(p.records.iter().map(|r| r.line).collect::<Vec<_>>(), expected);
        assert!(p.records.iter().all(|r| r.talk.id == format!("t{}", r.line)));
        let rejected: Vec<usize> = p.rejected.iter().map(|r| r.line).collect();
        assert_eq!(rejected, (1..=line).filter(|l| l % 97 == 0).collect::<Vec<_>>());
        let one = parse_lines(&text, 0, "f");
        assert_eq!(p.records.len(), one.records.len());
        let messages = |p: &Parsed| p.rejected.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert_eq!(messages(&p), messages(&one), "the same file:line messages as one pass");
    }

    #[test]
    fn chunks_end_at_newlines_even_when_a_cut_falls_inside_a_character() {
        // Characters of 2, 3 and 4 bytes: most cut points fall inside one.
        let text: String = (0..40).map(|i| format!("{}\n", "é€😀".repeat(i % 7 + 1))).collect::<String>() + "end";
        for n in 1..=9 {
            let chunks = line_chunks(&text, n);
            assert_eq!(chunks.iter().map(|c| c.0).collect::<String>(), text, "{n} chunks");
            let mut lines = 0;
            for (i, &(chunk, first)) in chunks.iter().enumerate() {
                assert_eq!(first, lines);
                assert!(i + 1 == chunks.len() || chunk.is_empty() || chunk.ends_with('\n'));
                lines += chunk.matches('\n').count();
            }
        }
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
