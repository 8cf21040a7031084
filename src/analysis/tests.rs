//! Unit tests of [`crate::analysis`]: tokens, positions, offsets, folding, and the ASCII fast path.

use tantivy::collector::Count;
use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::Tokenizer;
use tantivy::{Term, doc};

use super::segments::Segments;
use super::*;
use unicode_segmentation::UnicodeSegmentation;

/// Tokens as `text@position`, stems shown as `~stem`.
fn render(text: &str) -> String {
    let shown = tokens(text).into_iter().map(|t| format!("{}@{}", t.text.replace(STEM_MARK, "~"), t.position));
    shown.collect::<Vec<_>>().join(" ")
}

/// Surface (non-stem) token texts.
fn surface(text: &str) -> Vec<String> {
    tokens(text).into_iter().filter(|t| !is_stem(&t.text)).map(|t| t.text).collect()
}

fn check_invariants(text: &str, tokens: &[Token]) {
    let mut last = 0;
    for (i, t) in tokens.iter().enumerate() {
        assert!(t.position >= last && !t.text.is_empty() && t.offset_from < t.offset_to);
        assert!(text.get(t.offset_from..t.offset_to).is_some(), "{t:?} in {text:?}");
        last = t.position;
        // A stem of four bytes or more begins with its word's first three (`Starts` relies on it).
        if let Some(stem) = t.text.strip_prefix(STEM_MARK)
            && stem.len() >= 4
        {
            let word = &tokens[i - 1];
            assert!(word.text.as_bytes()[..3] == stem.as_bytes()[..3], "{word:?} -> {t:?}");
        }
    }
}

fn lcg(seed: &mut u64, n: usize) -> usize {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*seed >> 33) as usize % n
}

#[test]
fn surface_tokens() {
    let cases: &[(&str, &[&str])] = &[
        ("C++", &["c++"]),
        ("C and C++, C# F#", &["c", "and", "c++", "c#", "f#"]),
        (".NET (.NET) use .NET", &[".net", ".net", "use", ".net"]),
        ("ASP.NET node.js", &["asp.net", "asp", "net", "node.js", "node", "js"]),
        ("java.util.concurrent", &["java.util.concurrent", "java", "util", "concurrent"]),
        ("python 3.12, 2.7.1 1,000", &["python", "3.12", "2.7.1", "1,000"]),
        ("python-3 python-3.12's", &["python-3", "python", "3", "python-3.12", "python", "3.12"]),
        ("just-in-time", &["just-in-time", "just", "in", "time"]),
        ("foo_bar __init__.py", &["foo_bar", "foo", "bar", "__init__", "init", "py"]),
        ("a - b -c d-", &["a", "b", "c", "d"]),
        ("Łukasz Langa, Thomas Güttler", &["lukasz", "langa", "thomas", "guttler"]),
        ("café ß Ørsted Æsir cafe\u{301} İ", &["cafe", "ss", "orsted", "aesir", "cafe", "i"]),
        ("PyPy's PyPy’s JIT, C++'s don't", &["pypy", "pypy", "jit", "c++", "dont"]),
        ("agile", &["agile"]),
        ("Привет мир", &["привет", "мир"]),
        ("日本語のテキスト", &["日", "本", "語", "の", "テキスト"]),
        ("hello, world! 😀 --- ... ©", &["hello", "world"]),
        ("Objective-C++", &["objective-c++", "objective", "c++"]),
    ];
    for (text, want) in cases {
        assert_eq!(surface(text), *want, "for {text:?}");
    }
}

#[test]
fn positions_and_stems() {
    let keith = "keith-magee@0 keith@0 magee@1 ~mage@1 talk@2";
    assert_eq!(render("Keith-Magee talk"), keith);
    assert_eq!(render("just-in-time x"), "just-in-time@0 just@0 in@1 time@2 x@3");
    assert_eq!(render("__init__ C++ 3.12 py"), "__init__@0 init@0 c++@1 3.12@2 py@3");
    let coroutines = "coroutines@0 ~coroutin@0 coroutine@1 ~coroutin@1";
    assert_eq!(render("coroutines coroutine"), coroutines);
    assert_eq!(render("JIT run python3 .net"), "jit@0 run@1 python3@2 .net@3");
    assert_eq!(render("agile"), "agile@0 ~agil@0");
    let long = "a".repeat(50);
    assert_eq!(render(&format!("{long} ok {long}-part")), "ok@1 part@3");
    // Stems share their word's position and offsets.
    let toks = tokens("Async coroutines running incomprehensibilities");
    let span = |t: &Token| (t.position, t.offset_from, t.offset_to);
    let pairs = toks.windows(2).filter(|w| is_stem(&w[1].text));
    assert_eq!(pairs.inspect(|w| assert_eq!(span(&w[0]), span(&w[1]))).count(), 3);
    // The stem cache gives the same tokens as a fresh analyzer.
    let mut reused = analyzer();
    for text in ["running runs", "incomprehensibilities runs running", "running"] {
        let mut again = Vec::new();
        reused.token_stream(text).process(&mut |t| again.push(t.clone()));
        assert_eq!(again, tokens(text));
    }
}

#[test]
fn offsets_map_to_original() {
    let text = "Łukasz's talk: ASP.NET, C++ & Keith-Magee's __init__ (.NET) 3.12 don't";
    let toks = tokens(text);
    check_invariants(text, &toks);
    let spans: Vec<_> = toks.iter().map(|t| &text[t.offset_from..t.offset_to]).collect();
    for (t, span) in toks.iter().zip(&spans).filter(|(t, _)| !is_stem(&t.text)) {
        assert_eq!(fold(span), t.text);
    }
    for want in ["Łukasz", "ASP.NET", "NET", "C++", "Keith-Magee", "Magee", "init", ".NET"] {
        assert!(spans.contains(&want), "{want}");
    }
}

#[test]
fn fold_is_consistent() {
    assert_eq!(fold("Łukasz Güttler, Straße Ærø"), "lukasz guttler, strasse aero");
    for word in ["Ørsted", "ÉCOLE", "naïve", "İstanbul", "Привет", "", "don't"] {
        assert_eq!(fold(word), surface(word).first().map_or("", |s| s));
    }
    assert!(is_stem("\u{1}x") && !is_stem("x"));
}

#[test]
fn ascii_fast_path_matches_unicode_segmentation() {
    let (alphabet, mut seed) = (b"aZ09_.':,;-+#(/ ", 7);
    for _ in 0..3000 {
        let len = lcg(&mut seed, 24);
        let text: String = (0..len).map(|_| alphabet[lcg(&mut seed, alphabet.len())] as char).collect();
        let fast: Vec<_> = Segments::new(&text).collect();
        let punct = |s: &str| s.len() == 1 && !s.starts_with(|c: char| c.is_alphanumeric() || "._+#-".contains(c));
        let kept = |(_, s): &(usize, &str)| !s.trim().is_empty() && !punct(s);
        let unicode: Vec<_> = text.split_word_bound_indices().filter(kept).collect();
        assert_eq!(fast, unicode, "for {text:?}");
    }
}

#[test]
fn garbage_never_panics() {
    let fixed = "| |.|++|#|-|_|'s|a-|-a|.-.|c+|C++'s|\0\u{1}\u{7f}|a\u{200D}😀|\u{301}|x\u{FFFF}y|a-_-b|..a|._a|'''|𝔘𝔫|ǅİﬁ|\r\n";
    let mut inputs: Vec<String> = fixed.split('|').map(String::from).collect();
    let (chars, mut seed): (Vec<char>, _) = ("a.B-_+#'’ 3\u{301}\u{200D}😀日\nßİ".chars().collect(), 42);
    for _ in 0..500 {
        let len = lcg(&mut seed, 40);
        inputs.push((0..len).map(|_| chars[lcg(&mut seed, chars.len())]).collect());
    }
    inputs.push("word-".repeat(20_000) + &"é".repeat(100_000));
    for text in &inputs {
        check_invariants(text, &tokens(text));
        fold(text);
    }
}

/// (text, offsets) of the tokens of `wanted` that a scan for `starts` reports.
fn scanned(text: &str, starts: &Starts, stem: &ByteSet, wanted: &[&str]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for_each_token_starting(text, starts, stem, |t| {
        if wanted.contains(&t.text.as_str()) {
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
    });
    out
}

#[test]
fn a_scan_for_some_tokens_finds_what_full_analysis_finds() {
    let mut texts: Vec<String> = [
        "Modern C++ and C# by Keith-Magee on .NET, node.js and Python-3.12's __init__ (don't panic)",
        "Łukasz Langa: coroutines\tin  the\nevent-loop; über-fast ÜBER 3,000 x.y",
        "  .net ..net a.net foo_bar O'Reilly’s\u{A0}nbsp end- Dying lying ties using cries Cry (dry),",
        "Pythonは本当にBlenderの役に立っているか? PythonでつくるDSLのテクニック",
        // Tokens that begin right after a letter or digit: another script, punctuation.
        "aに x本 k.net C++11 asp.net x86_64 ab'cd a’b 3é x² xyz² informação naïve Ǆemal ﬁne aﬁ e\u{301}x",
        // Breaks inside runs: URLs and paths.
        "(https://ep2016.europython.eu//talks/flask-1?a=b&c=d.e) celery/rabbitmq /.net a/c++ x/'s c/#/ 3/4 é/\u{301}x ab=/-cd",
    ]
    .map(String::from)
    .to_vec();
    let (chars, mut seed): (Vec<char>, _) =
        ("aCk.B-_+#'’ 3\u{301}é\nß\tyiesdngΩ“\u{AD}\u{A0}に本‿(),\":!*²ǅçÃ/=&ü\u{200B}İþ×Ł".chars().collect(), 3);
    for _ in 0..600 {
        let len = lcg(&mut seed, 40);
        texts.push((0..len).map(|_| chars[lcg(&mut seed, chars.len())]).collect());
    }
    // Every token of every text, wanted a few at a time: a scan for them finds them all.
    let mut all: Vec<String> = texts.iter().flat_map(|t| tokens(t)).map(|t| t.text).collect();
    all.sort();
    all.dedup();
    assert!(all.iter().any(|t| is_stem(t)) && all.len() > 100, "{}", all.len());
    for group in all.chunks(7) {
        let wanted: Vec<&str> = group.iter().map(String::as_str).collect();
        let mut starts = Starts::none();
        let mut stem = ByteSet::EMPTY;
        for t in &wanted {
            starts.add(t);
            if let Some(&b) = t.strip_prefix(STEM_MARK).and_then(|s| s.as_bytes().first()) {
                stem.insert(b);
            }
        }
        for text in &texts {
            let mut full = Vec::new();
            for_each_token(text, &ByteSet::ALL, |t| {
                if wanted.contains(&t.text.as_str()) {
                    full.push((t.text.clone(), t.offset_from, t.offset_to));
                }
            });
            assert_eq!(scanned(text, &starts, &stem, &wanted), full, "{wanted:?} in {text:?}");
        }
    }
    // A scan for everything finds every token, in order (positions aside).
    for text in &texts {
        let mut full = Vec::new();
        for_each_token(text, &ByteSet::ALL, |t| full.push((t.text.clone(), t.offset_from, t.offset_to)));
        let mut scanned = Vec::new();
        for_each_token_starting(text, &Starts::all(), &ByteSet::ALL, |t| {
            scanned.push((t.text.clone(), t.offset_from, t.offset_to));
        });
        assert_eq!(scanned, full, "{text:?}");
    }
    let stems = |stem: &ByteSet| tokens_with(stem).into_iter().filter(|t| is_stem(t)).collect::<Vec<_>>();
    let mut c = ByteSet::EMPTY;
    c.insert(b'c');
    assert_eq!(stems(&c), ["\u{1}coroutin"], "only words starting with c are stemmed");
    assert_eq!(stems(&ByteSet::ALL).len(), 2);
}

/// Every token of `text` as (text, from, to, position), with plain runs taken without
/// segmentation or not.
fn with_plain_runs(text: &str, plain_runs: bool) -> Vec<(String, usize, usize, usize)> {
    let mut tk = TalkTokenizer::new();
    tk.plain_runs = plain_runs;
    let mut out = Vec::new();
    tk.token_stream(text).process(&mut |t| out.push((t.text.clone(), t.offset_from, t.offset_to, t.position)));
    out
}

#[test]
fn plain_runs_make_the_tokens_segmentation_makes() {
    let mut texts: Vec<String> = [
        "(Python), py3k. \"2012\" **kwargs** [asyncio]; C++ node.js e.g. 3.12 x. a.b: ok! why? {x}",
        "python.. python:3 3, 3,4 \"quoted\"word (open close) ((nested)) \t\n\r\x0c end",
        "averyveryveryveryveryveryveryverylongword1 averyveryveryveryveryveryveryverylongword12 (2012)",
        // Words with digits are not stemmed, though the stemmer would change some.
        "python3s (tests2) 3tiers, h2os. running",
        // Compounds: words joined by single hyphens, a part or the whole too long.
        "property-based (Multi-Core), python-3 a-b-c 2012-2013. x-y- -z a--b \"event-driven\" non-designers",
        "big-averyveryveryveryveryveryveryverylongword1 averyveryveryveryveryvery-veryverylongword12 ab-cd-",
    ]
    .map(String::from)
    .to_vec();
    let (chars, mut seed): (Vec<char>, _) = ("aZk09 ()[]{},.;:!?\"*'’-+#_/=&\té\u{301}ß".chars().collect(), 11);
    for _ in 0..3000 {
        let len = lcg(&mut seed, 30);
        texts.push((0..len).map(|_| chars[lcg(&mut seed, chars.len())]).collect());
    }
    for text in &texts {
        assert_eq!(with_plain_runs(text, true), with_plain_runs(text, false), "{text:?}");
    }
    // The same tokenizer, reused (as tantivy does), gives the same tokens again.
    let mut tk = TalkTokenizer::new();
    for text in texts.iter().take(50) {
        let mut again = Vec::new();
        tk.token_stream(text).process(&mut |t| again.push((t.text.clone(), t.offset_from, t.offset_to, t.position)));
        assert_eq!(again, with_plain_runs(text, false), "{text:?}");
    }
}

fn tokens_with(stem: &ByteSet) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token("coroutines and events", stem, |t| out.push(t.text.clone()));
    out
}

#[test]
fn term_and_phrase_queries_on_an_index() {
    let mut schema = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let body = schema.add_text_field("body", TextOptions::default().set_indexing_options(indexing));
    let index = Index::create_in_ram(schema.build());
    register(&index);
    let mut writer = index.writer_with_num_threads(1, 20_000_000).unwrap();
    for text in ["C is great", "Modern C++ by Keith-Magee", "Agile coroutines"] {
        writer.add_document(doc!(body => text)).unwrap();
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let count = |q: &dyn Query| searcher.search(q, &Count).unwrap();
    let term = |t: &str| Term::from_field_text(body, t);
    let q = |t: &str| count(&TermQuery::new(term(t), IndexRecordOption::Basic));
    assert_eq!([q("c++"), q("c"), q("gil"), q("\u{1}coroutin")], [1, 1, 0, 1]);
    let phrase = |words: &[&str]| count(&PhraseQuery::new(words.iter().map(|w| term(w)).collect()));
    assert_eq!(phrase(&["keith", "magee"]), 1);
    assert_eq!(phrase(&["by", "keith", "magee"]), 1);
    assert_eq!(phrase(&["c++", "keith"]), 0);
}

/// Invariants over a whole corpus, and its texts tokenized alike with and without the plain-run
/// path, no timing: `TALKSEARCH_CORPUS=file cargo test --lib analysis -- --ignored` (default:
/// the bundled sample).
#[test]
#[ignore]
fn corpus_sanity() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/pycon-us-2012-lanyrd.txt");
    let corpus = std::fs::read_to_string(std::env::var("TALKSEARCH_CORPUS").unwrap_or(sample.into())).unwrap();
    let (mut reused, mut stems, mut compared) = (analyzer(), 0, 0);
    for line in corpus.lines() {
        let mut toks = Vec::new();
        reused.token_stream(line).process(&mut |t| toks.push(t.clone()));
        check_invariants(line, &toks);
        stems += toks.iter().filter(|t| is_stem(&t.text)).count();
        let found: Vec<_> = toks.iter().map(|t| (t.text.clone(), t.offset_from, t.offset_to, t.position)).collect();
        assert_eq!(found, with_plain_runs(line, false), "plain runs as segmentation makes them");
        // And in the texts that are indexed, if the line is a talk.
        if let Ok(talk) = crate::talk::Talk::from_json(line) {
            let texts = [&talk.title, &talk.r#abstract].into_iter().chain(&talk.speakers).chain(&talk.tags);
            for text in texts.chain(&talk.event) {
                assert_eq!(with_plain_runs(text, true), with_plain_runs(text, false), "{text:?}");
                compared += 1;
            }
        }
    }
    assert!(stems > 0);
    eprintln!("{compared} texts of talks compared");
}
