//! From matched talks to hits: snippets and highlights, repeats of one talk collapsed into its
//! best-ranked hit, and the "did you mean" text.

use crate::plan;
use crate::search::{Given, Hit};
use crate::snippet::{Highlighter, Snippet};
use crate::talk::Talk;

/// A word found in fewer talks than this gets a "did you mean" if a better-known spelling exists.
pub const SUGGEST_BELOW: u64 = 5;

/// "Did you mean": the query with each rare word that has a much better-known spelling (ten
/// times as many talks) replaced by it.
pub(crate) fn suggest(query: &str, corrections: &[plan::Correction]) -> Option<String> {
    let mut out = query.to_string();
    let mut changed = false;
    for c in corrections {
        if c.typed_freq < SUGGEST_BELOW
            && c.better.doc_freq >= 10 * c.typed_freq.max(1)
            && let Some(at) = out.find(c.typed.as_str())
        {
            out.replace_range(at..at + c.typed.len(), &c.better.term);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// Keeps the best-ranked of each group of talks with the same [`duplicate_key`], listing the
/// others in its third element.
pub(crate) fn collapse(talks: Vec<(f32, Talk, Vec<Given>)>) -> Vec<(f32, Talk, Vec<Given>)> {
    let mut out: Vec<(f32, Talk, Vec<Given>)> = Vec::with_capacity(talks.len());
    let mut group_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (score, talk, _) in talks {
        let key = duplicate_key(&talk);
        match group_of.get(&key) {
            Some(&i) => out[i].2.push(Given { id: talk.id, event: talk.event, date: talk.date }),
            None => {
                group_of.insert(key, out.len());
                out.push((score, talk, Vec::new()));
            }
        }
    }
    out
}

/// Talks with the same title and speakers (folded) are the same talk given more than once.
pub fn duplicate_key(talk: &Talk) -> String {
    let mut speakers: Vec<String> = talk.speakers.iter().map(|s| crate::analysis::fold(s)).collect();
    speakers.sort();
    format!("{}\u{0}{}", crate::analysis::fold(talk.title.trim()), speakers.join("\u{0}"))
}

pub(crate) fn make_hit(talk: Talk, score: f32, highlighter: Option<&Highlighter>) -> Hit {
    let (title, snippet, speaker_highlights) = match highlighter {
        Some(h) => {
            (h.full(&talk.title), h.window(&talk.r#abstract), talk.speakers.iter().map(|s| h.highlights(s)).collect())
        }
        None => (Snippet::default(), Snippet::default(), Vec::new()),
    };
    Hit {
        title_html: title.to_html(),
        snippet_html: snippet.to_html(),
        id: talk.id,
        title: talk.title,
        title_highlights: title.highlights,
        speakers: talk.speakers,
        speaker_highlights,
        event: talk.event,
        date: talk.date,
        duration_s: talk.duration_s,
        url: talk.url,
        score,
        snippet: snippet.text,
        highlights: snippet.highlights,
        also_given: Vec::new(),
    }
}
