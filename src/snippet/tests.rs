//! Highlighting and snippet windows: matches, window choice, the ASCII and general builders,
//! character offsets, HTML escaping.

use super::*;

fn highlighter(query: &str) -> Highlighter {
    let mut h = Highlighter::default();
    let words: Vec<u64> = (0..query.split_whitespace().count().max(1)).map(|_| h.next_word()).collect();
    for t in analysis::tokens(query) {
        h.add(t.text, words[t.position.min(words.len() - 1)]);
    }
    h
}

/// Pseudo-random numbers below the `n` asked for each time, from `seed` (a linear
/// congruential generator: the same texts on every run).
fn numbers(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    }
}

fn marked(s: &Snippet) -> Vec<String> {
    let chars: Vec<char> = s.text.chars().collect();
    s.highlights.iter().map(|&(a, b)| chars[a..b].iter().collect()).collect()
}

#[test]
fn character_starts_are_found_as_char_indices_finds_them() {
    let texts = ["", "a", "abc", "Łódź “żółw” ĆMA 本 🐍 x", &"é".repeat(40), &"aé本🐍".repeat(30), &"x".repeat(70)];
    for text in texts {
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for n in 0..starts.len() + 3 {
            assert_eq!(char_start(text, n), starts.get(n).copied(), "{text:?} {n}");
        }
    }
}

#[test]
fn titles_mark_exact_and_stemmed_matches() {
    let s = highlighter("coroutine").full("Coroutines, event loops, and coroutine history");
    assert_eq!(marked(&s), vec!["Coroutines", "coroutine"]);
}

#[test]
fn html_escapes_talk_text_and_marks_matches() {
    let s = highlighter("script").full("<script>alert('x')</script> & \"more\"");
    assert_eq!(
        s.to_html(),
        "&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; &quot;more&quot;"
    );
}

#[test]
fn windows_center_on_matches_and_say_where_they_cut() {
    // ASCII text (counted in bytes) and text in other scripts (counted by characters).
    for (filler, middle, marks) in [
        ("Lorem ipsum dolor sit amet. ", "The PyPy JIT traces hot loops. ", "JIT"),
        ("Łódź żółw ĆMA. ", "Der Jit läuft. ", "Jit"),
    ] {
        let text = format!("{}{middle}{}", filler.repeat(30), filler.repeat(30));
        let s = highlighter("jit").window(&text);
        assert!(s.text.starts_with("… ") && s.text.ends_with(" …"), "{}", s.text);
        let chars = s.text.chars().count();
        assert!((SNIPPET_CHARS - 20..=SNIPPET_CHARS + 4).contains(&chars), "{chars}: {}", s.text);
        assert_eq!(marked(&s), vec![marks]);
        assert!(s.to_html().contains(&format!("<mark>{marks}</mark>")));
    }
}

#[test]
fn an_early_match_keeps_the_start_of_the_text() {
    let text = format!("The Python community is abuzz about PyPy. {}", "More words here. ".repeat(30));
    let s = highlighter("pypy").window(&text);
    assert!(s.text.starts_with("The Python community"), "{}", s.text);
}

#[test]
fn the_lead_wins_when_it_has_every_word() {
    // A denser window later on does not matter: the lead has both words.
    let text = format!(
        "Type hints in practice. {}{}",
        "Other words follow here. ".repeat(20),
        "Type hints, more type hints and type hints again. ".repeat(3)
    );
    let s = highlighter("type hints").window(&text);
    assert!(s.text.starts_with("Type hints in practice."), "{}", s.text);
    assert_eq!(marked(&s), vec!["Type", "hints"]);
}

#[test]
fn a_window_with_every_word_is_looked_for_past_the_lead() {
    let text = format!(
        "Type systems are old. {}Gradual type hints came later. {}",
        "Other words follow here. ".repeat(40),
        "Filler. ".repeat(20)
    );
    assert!(text.find("hints").unwrap() > 2 * FIRST_SCAN_BYTES);
    let s = highlighter("type hints").window(&text);
    assert!(s.text.contains("Gradual type hints"), "{}", s.text);
    assert!(marked(&s).contains(&"hints".to_string()), "{:?}", marked(&s));
}

#[test]
fn typed_words_outrank_their_synonyms() {
    let mut h = Highlighter::default();
    let (typed, synonym) = (h.next_word(), h.next_word());
    h.add("jit", typed);
    h.add_alternative("just-in-time", synonym);
    let text =
        format!("A just-in-time compiler. {}The JIT traces loops. {}", "Other words. ".repeat(40), "More. ".repeat(40));
    let s = h.window(&text);
    assert!(s.text.contains("The JIT traces"), "{}", s.text);
    // Nor does a synonym alone count as every word: the typed one is looked for further on.
    let s = h.window(&format!("Just-in-time. {}", "Other words. ".repeat(40)));
    assert!(s.text.starts_with("Just-in-time."), "{}", s.text);
    assert_eq!(marked(&s), vec!["Just-in-time"]);
}

#[test]
fn every_match_in_the_window_is_marked() {
    // Windows chosen from the first parts of a text may end past them: their matches there
    // are marked too. Random texts of a few words; each `alpha` and `beta` in the snippet is
    // marked, and nothing else.
    let mut next = numbers(11);
    let pieces = ["alpha", "beta", "gamma", "delta", "epsilon", "x", "Alpha,", "(beta)", "."];
    let h = highlighter("alpha beta");
    for _ in 0..500 {
        let words = 1 + next(400);
        let text: Vec<&str> = (0..words).map(|_| pieces[next(pieces.len())]).collect();
        let text = text.join(if next(2) == 0 { " " } else { "  \n" });
        let s = h.window(&text);
        let expected: Vec<String> = s
            .text
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.eq_ignore_ascii_case("alpha") || w.eq_ignore_ascii_case("beta"))
            .map(str::to_string)
            .collect();
        assert_eq!(marked(&s), expected, "{text:?}");
    }
}

#[test]
fn no_match_gives_the_beginning_and_whitespace_is_collapsed() {
    let s = highlighter("nothing").window("First  line\n\nsecond line");
    assert_eq!(s.text, "First line second line");
    assert!(s.highlights.is_empty());
}

#[test]
fn ranges_are_in_characters() {
    let s = highlighter("langa").full("Łukasz Langa talks");
    assert_eq!(s.highlights, vec![(7, 12)]);
    assert_eq!(marked(&s), vec!["Langa"]);
    let s = highlighter("café").full("Łukasz & <Café> “café”");
    assert_eq!(s.to_html(), "Łukasz &amp; &lt;<mark>Café</mark>&gt; “<mark>café</mark>”");
}

/// Runs copied at once build what character by character does, on texts of words (in and
/// outside ASCII), runs of whitespace (Unicode's too) and control characters, with spans on
/// character boundaries.
#[test]
fn runs_at_once_build_what_characters_one_by_one_do() {
    let mut next = numbers(7);
    let pieces = [
        "jit", "JIT", "a", "<b>", "  ", "\n\t", "\u{7}", "x&y", "\u{7f}", ".", " ", "café", "“", "”", "本", "\u{a0}",
        "\u{85}", "\u{2003}", "—",
    ];
    for _ in 0..3000 {
        let text: String = (0..next(30)).map(|_| pieces[next(pieces.len())]).collect();
        // Sorted, disjoint spans of 1-4 bytes (on character boundaries), some adjacent, some
        // starting in whitespace.
        let mut spans: Vec<(usize, usize, u64)> = Vec::new();
        let mut at = 0;
        let boundary = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        while at < text.len() {
            if next(3) == 0 {
                let end = boundary((at + 1 + next(4)).min(text.len()));
                spans.push((at, end, 0));
                at = end;
            } else {
                at = boundary(at + 1);
            }
        }
        let from = boundary(next(text.len() + 1).min(text.len()));
        let to = text.len();
        let inside: Vec<_> = spans.iter().copied().filter(|s| s.0 >= from && s.1 <= to).collect();
        for (cut_start, cut_end) in [(false, false), (true, true)] {
            let general = Snippet::build_from(&text[from..to], from, &inside, cut_start, cut_end);
            let runs = Snippet::build(&text, from, to, &inside, cut_start, cut_end);
            assert_eq!(runs, general, "{text:?} from {from}");
        }
    }
}

#[test]
fn highlights_in_characters_mark_the_same_text_in_any_order() {
    // What `to_html` makes, from a table of every character's byte offset.
    fn reference(text: &str, highlights: &[(usize, usize)]) -> String {
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let byte_of = |ci: usize| offsets.get(ci).copied().unwrap_or(text.len());
        let (mut out, mut at) = (String::new(), 0);
        for &(a, b) in highlights {
            let from = byte_of(a).clamp(at, text.len());
            let to = byte_of(b).clamp(from, text.len());
            if from < to {
                escape_into(&text[at..from], &mut out);
                out.push_str("<mark>");
                escape_into(&text[from..to], &mut out);
                out.push_str("</mark>");
                at = to;
            }
        }
        escape_into(&text[at..], &mut out);
        out
    }
    let text = "Łódź “żółw” ĆMA 本 x";
    let sorted = vec![(0, 4), (6, 10), (12, 15), (16, 17), (18, 19)];
    let html = Snippet { text: text.into(), highlights: sorted.clone() }.to_html();
    assert_eq!(html, "<mark>Łódź</mark> “<mark>żółw</mark>” <mark>ĆMA</mark> <mark>本</mark> <mark>x</mark>");
    // Made up ones too (`build` makes them sorted and apart): out of order, past the end.
    let mut seed = 7u64;
    let mut below = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) % n) as usize
    };
    for _ in 0..500 {
        let highlights: Vec<(usize, usize)> = (0..below(5)).map(|_| (below(24), below(24))).collect();
        let snippet = Snippet { text: text.into(), highlights: highlights.clone() };
        assert_eq!(snippet.to_html(), reference(text, &highlights), "{highlights:?}");
    }
}

#[test]
fn characters_are_counted_from_byte_offsets() {
    let mixed = "ascii first, then “Łódź” and ascii again, 本本本 x and the end";
    for text in ["plain ascii text", "Łódź “żółw” ĆMA 本 x", "", mixed] {
        let chars = CharIndex::new(text);
        for (at, _) in text.char_indices().chain([(text.len(), ' ')]) {
            for n in [0, 1, 3, 40] {
                let forward = text[at..].char_indices().nth(n).map_or(text.len(), |(i, _)| at + i);
                assert_eq!(chars.forward(at, n), forward, "{text:?} {at} {n}");
                let back = text[..at].char_indices().rev().nth(n).map_or(0, |(i, _)| i);
                assert_eq!(chars.back(at, n), back, "{text:?} {at} {n}");
            }
        }
    }
}

#[test]
fn made_up_highlights_do_not_panic() {
    let s = Snippet { text: "ab é".into(), highlights: vec![(3, 9), (1, 2), (2, 2)] };
    assert_eq!(s.to_html(), "ab <mark>é</mark>");
}

#[test]
fn ascii_runs_end_where_the_byte_by_byte_rule_ends_them() {
    let mut below = numbers(7);
    let alphabet = [b'a', b'Z', b'0', b'.', b'~', b' ', b' ', b'\n', b'\t', 0x7f, 0x1f, 0xc3, 0xa9, b'!'];
    for _ in 0..20_000 {
        let len = below(40);
        // Mostly printable, so that runs are long enough to take chunks.
        let bytes: Vec<u8> = (0..len)
            .map(|_| match below(10) {
                0..=5 => b'a' + below(26) as u8,
                _ => alphabet[below(alphabet.len())],
            })
            .collect();
        for at in 0..=len {
            assert_eq!(ascii_run_end(&bytes, at), ascii_run_end_bytewise(&bytes, at), "{bytes:?} from {at}");
        }
    }
}

#[test]
fn escaping_replaces_each_special_character_and_keeps_the_rest() {
    let reference = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect()
    };
    let mut below = numbers(11);
    let alphabet = ['&', '<', '>', '"', '\'', ' ', 'é', '本', '—', '\n'];
    for _ in 0..5_000 {
        // Runs of plain letters long and short, so that the searches skip both.
        let text: String = (0..below(80))
            .map(|_| match below(4) {
                0 => alphabet[below(alphabet.len())],
                _ => char::from(b'a' + below(26) as u8),
            })
            .collect();
        assert_eq!(escape_html(&text), reference(&text), "{text:?}");
    }
}
