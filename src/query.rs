//! The query language: what a user types, parsed into clauses. Never fails.
//!
//! ```text
//! pypy jit                 words: ranked, not all required; more matched words rank higher
//! "event loop"             phrase
//! -django  -"web app"      exclude a word or phrase
//! title:jit  speaker:"raymond hettinger"  event:pycon  tag:async
//! year:2012  year:2010..2015
//! ```
//! Anything malformed (an unbalanced quote, an unknown `field:`, a bad year, a stray `-`, `*` or
//! `:`) degrades to plain words. [`parse`] only reads the syntax; turning clauses into a tantivy
//! query, with analysis, stems and field weights, is [`crate::plan`]'s job.

/// Where a clause applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every searchable text field.
    All,
    /// `title:`.
    Title,
    /// `speaker:` / `speakers:`.
    Speaker,
    /// `event:`.
    Event,
    /// `tag:` / `tags:`.
    Tag,
    /// `abstract:`.
    Abstract,
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word (may contain symbols: `c++`, `node.js`, `python-3`).
    Word {
        /// The word as typed.
        text: String,
        /// Fields it applies to.
        scope: Scope,
        /// Excluded with `-`.
        negated: bool,
    },
    /// A quoted phrase.
    Phrase {
        /// The text inside the quotes.
        text: String,
        /// Fields it applies to.
        scope: Scope,
        /// Excluded with `-`.
        negated: bool,
    },
    /// `year:A` or `year:A..B` (inclusive).
    Years {
        /// First year.
        from: u16,
        /// Last year.
        to: u16,
        /// Excluded with `-`.
        negated: bool,
    },
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Clauses in input order.
    pub clauses: Vec<Clause>,
    /// Whether the input ended in whitespace (the last word is complete, not being typed).
    pub ends_with_space: bool,
}

impl ParsedQuery {
    /// True if there is nothing to match on (no positive word or phrase).
    pub fn has_positive_text(&self) -> bool {
        self.clauses.iter().any(|c| match c {
            Clause::Word { negated, .. } | Clause::Phrase { negated, .. } => !negated,
            Clause::Years { .. } => false,
        })
    }
}

fn scope_of(name: &str) -> Option<Scope> {
    Some(match name.to_ascii_lowercase().as_str() {
        "title" => Scope::Title,
        "speaker" | "speakers" | "by" => Scope::Speaker,
        "event" => Scope::Event,
        "tag" | "tags" => Scope::Tag,
        "abstract" => Scope::Abstract,
        _ => return None,
    })
}

fn parse_years(value: &str) -> Option<(u16, u16)> {
    let year = |s: &str| s.parse::<u16>().ok().filter(|y| (1000..=9999).contains(y));
    match value.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (year(a)?, year(b)?);
            Some((a.min(b), a.max(b)))
        }
        None => year(value).map(|y| (y, y)),
    }
}

/// Parses user input. Never fails; see the module documentation for the grammar.
pub fn parse(input: &str) -> ParsedQuery {
    let ends_with_space = input.ends_with(char::is_whitespace);
    let mut clauses = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let mut negated = false;
        if let Some(after) = rest.strip_prefix('-')
            && after.starts_with(|c: char| !c.is_whitespace() && c != '-')
        {
            negated = true;
            rest = after;
        }
        // A quoted phrase, if its closing quote exists; otherwise the quote is dropped.
        if let Some(after) = rest.strip_prefix('"') {
            match after.find('"') {
                Some(end) => {
                    push_phrase(&mut clauses, &after[..end], Scope::All, negated);
                    rest = &after[end + 1..];
                }
                None => rest = after,
            }
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        // field:value and field:"a phrase"
        if let Some((name, value)) = word.split_once(':') {
            if name.eq_ignore_ascii_case("year") {
                if let Some((from, to)) = parse_years(value) {
                    clauses.push(Clause::Years { from, to, negated });
                    rest = &rest[end..];
                    continue;
                }
            } else if let Some(scope) = scope_of(name) {
                let after_colon = &rest[name.len() + 1..];
                if let Some(inner) = after_colon.strip_prefix('"') {
                    if let Some(close) = inner.find('"') {
                        push_phrase(&mut clauses, &inner[..close], scope, negated);
                        rest = &inner[close + 1..];
                        continue;
                    }
                } else if !value.is_empty() {
                    push_word(&mut clauses, value, scope, negated);
                    rest = &rest[end..];
                    continue;
                }
            }
        }
        push_word(&mut clauses, word, Scope::All, negated);
        rest = &rest[end..];
    }
    ParsedQuery { clauses, ends_with_space }
}

fn push_word(clauses: &mut Vec<Clause>, word: &str, scope: Scope, negated: bool) {
    // Stray syntax characters around a word are noise; the analyzer drops the rest.
    let text = word.trim_matches(|c: char| matches!(c, '"' | '*' | ':' | '(' | ')' | '^' | '~'));
    if text.chars().any(char::is_alphanumeric) {
        clauses.push(Clause::Word { text: text.to_string(), scope, negated });
    }
}

fn push_phrase(clauses: &mut Vec<Clause>, text: &str, scope: Scope, negated: bool) {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.len() {
        0 => {}
        1 => push_word(clauses, words[0], scope, negated),
        _ => clauses.push(Clause::Phrase { text: words.join(" "), scope, negated }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Clause {
        Clause::Word { text: text.into(), scope: Scope::All, negated: false }
    }

    #[test]
    fn the_grammar() {
        use Scope::*;
        let cases: Vec<(&str, Vec<Clause>)> = vec![
            ("pypy  jit", vec![word("pypy"), word("jit")]),
            (
                "\"event loop\" -django",
                vec![
                    Clause::Phrase { text: "event loop".into(), scope: All, negated: false },
                    Clause::Word { text: "django".into(), scope: All, negated: true },
                ],
            ),
            ("-\"web app\"", vec![Clause::Phrase { text: "web app".into(), scope: All, negated: true }]),
            (
                "speaker:\"Raymond Hettinger\" title:jit",
                vec![
                    Clause::Phrase { text: "Raymond Hettinger".into(), scope: Speaker, negated: false },
                    Clause::Word { text: "jit".into(), scope: Title, negated: false },
                ],
            ),
            (
                "year:2012 year:2015..2010",
                vec![
                    Clause::Years { from: 2012, to: 2012, negated: false },
                    Clause::Years { from: 2010, to: 2015, negated: false },
                ],
            ),
            ("c++ .net node.js python-3", vec![word("c++"), word(".net"), word("node.js"), word("python-3")]),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).clauses, expected, "{input}");
        }
    }

    #[test]
    fn malformed_syntax_degrades_to_words() {
        let cases: Vec<(&str, Vec<Clause>)> = vec![
            ("\"unbalanced quote", vec![word("unbalanced"), word("quote")]),
            ("foo: bar", vec![word("foo"), word("bar")]),
            ("http://x.org", vec![word("http://x.org")]),
            ("year:abc", vec![word("year:abc")]),
            ("* : - -- \"\" ()", vec![]),
            ("jit*", vec![word("jit")]),
            ("title:", vec![word("title")]),
            ("title:\"open", vec![word("title:\"open")]),
            ("a - b", vec![word("a"), word("b")]),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).clauses, expected, "{input}");
        }
    }

    #[test]
    fn trailing_space_is_remembered() {
        assert!(parse("pypy ").ends_with_space);
        assert!(!parse("pypy").ends_with_space);
    }

    #[test]
    fn any_input_parses() {
        for input in ["\"\"\"", "-\"", "::::", "year:..", "title:\"\"", "\u{0}\u{feff}", "-", "\"a\"b\"c"] {
            let _ = parse(input);
        }
    }

    /// Whatever the input, every clause holds something to search for.
    fn assert_well_formed(input: &str) {
        for clause in parse(input).clauses {
            match clause {
                Clause::Word { text, .. } => assert!(text.chars().any(char::is_alphanumeric), "{input:?}: {text:?}"),
                Clause::Phrase { text, .. } => assert!(text.split(' ').count() >= 2, "{input:?}: {text:?}"),
                Clause::Years { from, to, .. } => assert!(from <= to, "{input:?}"),
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..Default::default() })]

        #[test]
        fn any_unicode_parses_into_well_formed_clauses(input in proptest::prelude::any::<String>()) {
            assert_well_formed(&input);
        }

        #[test]
        fn any_syntax_parses_into_well_formed_clauses(input in "([\"():*\\~^+ -]|\\.\\.|title:|year:|[a-z0-9]{1,5}|\\PC){0,200}") {
            assert_well_formed(&input);
        }
    }

    #[test]
    fn megabyte_and_deeply_nested_inputs_parse() {
        for input in [
            "a".repeat(1 << 20),
            "\"".repeat(1 << 20),
            "(".repeat(1 << 20),
            "-".repeat(1 << 20),
            "title:".repeat(1 << 17),
            "\"a ".repeat(1 << 18),
            "year:1..".repeat(1 << 17),
        ] {
            assert_well_formed(&input);
        }
    }
}
