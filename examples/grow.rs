//! Grows the talk corpus into a larger one with the same shape, for measuring how talksearch
//! scales (`scripts/growth.sh`).
//!
//! ```text
//! cargo run --release --example grow -- --talks N --out FILE [--seed S] [--corpus FILE]
//! ```
//!
//! The output (JSON Lines, written as it is made) starts with the source corpus
//! (`--corpus`, default `$TALKSEARCH_CORPUS` or `../shared/data/talks.jsonl`) copied line by line,
//! then adds generated talks until there are N (N below the corpus size: its first N talks).
//! The same arguments always give the same bytes.
//!
//! A generated talk takes:
//! - a new id, `grown-<seed>/<number>-<title slug>`;
//! - a title made of the first words of one talk's title and the last words of another's;
//! - an abstract with the paragraph and sentence shape of a third talk, its sentences drawn
//!   mostly in order from one donor talk, some from a second, some from anywhere;
//! - the tags of the main donor, so tags stay related to the text;
//! - as many speakers as the shape talk has, drawn from all speaker credits (busy speakers stay
//!   busy), one in eight a new person (a first name and a surname from two different people);
//! - the event, date, language and duration of a fourth talk, half the time moved to another
//!   year (event name and date together), so events recur over more years.
//!
//! Vocabulary grows as in real text (Heaps' law, V ~ K * N^beta): while writing word N of the
//! generated text, with probability beta * V / N the word is replaced by a newly coined one (the
//! start of one known word joined to the end of another, 2 to 6 letters of each), and with twice
//! that probability by an earlier coinage drawn uniformly (so new words recur, as names and
//! jargon do, the older ones more often). beta is 0.5. Summary on stderr: talks, word tokens, distinct words (the source's plus coinages).

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Value, json};

const USAGE: &str = "usage: grow --talks N --out FILE [--seed S] [--corpus FILE]";
const BETA: f64 = 0.5;

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// What generation draws from, read once from the source corpus.
struct Source {
    /// Per talk: title words.
    titles: Vec<Vec<String>>,
    /// Per talk: paragraphs of sentences.
    abstracts: Vec<Vec<Vec<String>>>,
    /// Every sentence of every abstract.
    sentences: Vec<String>,
    tags: Vec<Vec<String>>,
    speaker_counts: Vec<usize>,
    /// Every speaker credit, repeated as often as it occurs.
    speaker_credits: Vec<String>,
    /// Per talk: event, date, language, duration.
    settings: Vec<(Value, Value, Value, Value)>,
    /// Distinct words (lower-cased) of titles and abstracts, and their count.
    vocabulary: HashSet<String>,
    /// Those of 4+ letters, in first-seen order: the parts coinages are made of.
    parts: Vec<String>,
    /// Word tokens in the source titles and abstracts.
    tokens: u64,
}

/// Splits a paragraph into sentences after `.`, `?` or `!` followed by a space.
fn sentences(paragraph: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = paragraph.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b'?' | b'!') && bytes[i + 1] == b' ' {
            out.push(paragraph[start..=i].trim().to_string());
            start = i + 2;
        }
    }
    let rest = paragraph[start.min(paragraph.len())..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The alphabetic core of a token and what surrounds it: `("(", "Python", "),")`.
fn split_token(token: &str) -> (&str, &str, &str) {
    let start = token.find(|c: char| c.is_alphabetic()).unwrap_or(token.len());
    let end = token
        .rfind(|c: char| c.is_alphabetic())
        .map_or(start, |i| i + token[i..].chars().next().map_or(1, char::len_utf8));
    (&token[..start], &token[start..end], &token[end..])
}

fn is_word(core: &str) -> bool {
    core.chars().count() >= 3 && core.chars().all(char::is_alphabetic)
}

fn text_list(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn read_source(path: &PathBuf) -> Result<(Source, Vec<String>), String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut src = Source {
        titles: Vec::new(),
        abstracts: Vec::new(),
        sentences: Vec::new(),
        tags: Vec::new(),
        speaker_counts: Vec::new(),
        speaker_credits: Vec::new(),
        settings: Vec::new(),
        vocabulary: HashSet::new(),
        parts: Vec::new(),
        tokens: 0,
    };
    let mut lines = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let talk: Value = serde_json::from_str(&line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let title = talk["title"].as_str().unwrap_or("");
        let abstract_ = talk["abstract"].as_str().unwrap_or("");
        for token in title.split_whitespace().chain(abstract_.split_whitespace()) {
            let core = split_token(token).1;
            if is_word(core) {
                src.tokens += 1;
                let lower = core.to_lowercase();
                if !src.vocabulary.contains(&lower) {
                    if lower.chars().count() >= 4 {
                        src.parts.push(lower.clone());
                    }
                    src.vocabulary.insert(lower);
                }
            }
        }
        src.titles.push(title.split_whitespace().map(str::to_string).collect());
        let paragraphs: Vec<Vec<String>> =
            abstract_.split("\n\n").map(sentences).filter(|p: &Vec<String>| !p.is_empty()).collect();
        src.sentences.extend(paragraphs.iter().flatten().cloned());
        src.abstracts.push(paragraphs);
        src.tags.push(text_list(&talk["tags"]));
        let speakers = text_list(&talk["speakers"]);
        src.speaker_counts.push(speakers.len());
        src.speaker_credits.extend(speakers);
        src.settings.push((
            talk["event"].clone(),
            talk["date"].clone(),
            talk["language"].clone(),
            talk["duration_s"].clone(),
        ));
        lines.push(line);
    }
    if lines.is_empty() || src.sentences.is_empty() || src.parts.len() < 2 {
        return Err(format!("{}: too little text to grow from", path.display()));
    }
    Ok((src, lines))
}

/// Rewrites words of `text`, growing the vocabulary as real text does.
struct Words {
    /// Word tokens so far (source and generated).
    tokens: u64,
    /// Distinct words so far.
    distinct: u64,
    coined: Vec<String>,
    known: HashSet<String>,
}

impl Words {
    fn rewrite(&mut self, text: &str, parts: &[String], rng: &mut Rng) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        for token in text.split(' ') {
            if !out.is_empty() {
                out.push(' ');
            }
            let (before, core, after) = split_token(token);
            if !is_word(core) {
                out.push_str(token);
                continue;
            }
            self.tokens += 1;
            let p_new = BETA * self.distinct as f64 / self.tokens as f64;
            let draw = rng.unit();
            let replacement = if draw < p_new {
                Some(self.coin(parts, rng))
            } else if draw < 3.0 * p_new && !self.coined.is_empty() {
                Some(self.coined[rng.below(self.coined.len())].clone())
            } else {
                None
            };
            match replacement {
                Some(word) => {
                    out.push_str(before);
                    if core.chars().next().is_some_and(char::is_uppercase) {
                        let mut chars = word.chars();
                        if let Some(first) = chars.next() {
                            out.extend(first.to_uppercase());
                            out.push_str(chars.as_str());
                        }
                    } else {
                        out.push_str(&word);
                    }
                    out.push_str(after);
                }
                None => out.push_str(token),
            }
        }
        out
    }

    /// A word nobody used yet: the start of one known word and the end of another.
    fn coin(&mut self, parts: &[String], rng: &mut Rng) -> String {
        for attempt in 0.. {
            let a: Vec<char> = parts[rng.below(parts.len())].chars().collect();
            let b: Vec<char> = parts[rng.below(parts.len())].chars().collect();
            let head = 2 + rng.below(a.len().min(6) - 1);
            let tail = 2 + rng.below(b.len().min(6) - 1);
            let mut word: String = a[..head.min(a.len())].iter().chain(&b[b.len() - tail.min(b.len())..]).collect();
            if attempt > 8 {
                // Crowded: add letters from the counter until it is new.
                let mut n = self.coined.len() + attempt;
                while n > 0 {
                    word.push((b'a' + (n % 26) as u8) as char);
                    n /= 26;
                }
            }
            if self.known.insert(word.clone()) {
                self.distinct += 1;
                self.coined.push(word.clone());
                return word;
            }
        }
        unreachable!()
    }
}

fn slug(title: &str) -> String {
    let mut s = String::new();
    for word in title.split_whitespace().take(8) {
        let w: String = word.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        if !w.is_empty() {
            if !s.is_empty() {
                s.push('-');
            }
            s.push_str(&w);
        }
    }
    if s.is_empty() { "talk".to_string() } else { s }
}

/// Moves the event and date to another year, both together.
fn move_year(event: &Value, date: &Value, rng: &mut Rng) -> (Value, Value) {
    let Some(d) = date.as_str().filter(|d| d.len() == 10 && d.is_char_boundary(4)) else {
        return (event.clone(), date.clone());
    };
    let Ok(year) = d[..4].parse::<i32>() else { return (event.clone(), date.clone()) };
    let shift = [-4, -3, -2, -1, 1, 2, 3, 4][rng.below(8)];
    let new_year = (year + shift).clamp(1995, 2035);
    let mut rest = d[4..].to_string();
    if rest == "-02-29" {
        rest = "-02-28".to_string();
    }
    let new_date = format!("{new_year}{rest}");
    let new_event = match event.as_str() {
        Some(e) if e.contains(&year.to_string()) => Value::from(e.replace(&year.to_string(), &new_year.to_string())),
        _ => event.clone(),
    };
    (new_event, Value::from(new_date))
}

fn generate(src: &Source, words: &mut Words, seed: u64, number: usize, rng: &mut Rng) -> Value {
    let n = src.titles.len();
    let (donor, second, shape, setting) = (rng.below(n), rng.below(n), rng.below(n), rng.below(n));

    // Title: the start of the donor's, the end of the second's.
    let (a, b) = (&src.titles[donor], &src.titles[second]);
    let mut title_words: Vec<&str> = Vec::new();
    if !a.is_empty() {
        title_words.extend(a[..1 + rng.below(a.len())].iter().map(String::as_str));
    }
    if !b.is_empty() {
        title_words.extend(b[rng.below(b.len())..].iter().map(String::as_str));
    }
    let title = words.rewrite(&title_words.join(" "), &src.parts, rng);

    // Abstract: the shape talk's paragraphs, sentences mostly from the donor in order.
    let own: Vec<&String> = src.abstracts[donor].iter().flatten().collect();
    let other: Vec<&String> = src.abstracts[second].iter().flatten().collect();
    let mut next_own = 0;
    let mut paragraphs = Vec::new();
    for paragraph in &src.abstracts[shape] {
        let mut sentences = Vec::with_capacity(paragraph.len());
        for _ in paragraph {
            let roll = rng.unit();
            let sentence = if roll < 0.6 && next_own < own.len() {
                next_own += 1;
                own[next_own - 1]
            } else if roll < 0.85 && !other.is_empty() {
                other[rng.below(other.len())]
            } else {
                &src.sentences[rng.below(src.sentences.len())]
            };
            sentences.push(words.rewrite(sentence, &src.parts, rng));
        }
        paragraphs.push(sentences.join(" "));
    }
    let abstract_ = paragraphs.join("\n\n");

    let mut speakers = Vec::new();
    for _ in 0..src.speaker_counts[shape] {
        let credit = &src.speaker_credits[rng.below(src.speaker_credits.len())];
        if rng.chance(0.125) {
            let other = &src.speaker_credits[rng.below(src.speaker_credits.len())];
            let first = credit.split_whitespace().next().unwrap_or(credit);
            let last = other.split_whitespace().last().unwrap_or(other);
            speakers.push(format!("{first} {last}"));
        } else {
            speakers.push(credit.clone());
        }
    }

    let (event, date, language, duration) = &src.settings[setting];
    let (event, date) = if rng.chance(0.5) { move_year(event, date, rng) } else { (event.clone(), date.clone()) };
    json!({
        "id": format!("grown-{seed}/{number:08}-{}", slug(&title)),
        "title": title,
        "speakers": speakers,
        "abstract": abstract_,
        "event": event,
        "date": date,
        "tags": src.tags[donor],
        "language": language,
        "url": null,
        "duration_s": duration,
    })
}

fn main() -> ExitCode {
    let mut talks = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut corpus = std::env::var_os("TALKSEARCH_CORPUS")
        .map_or_else(|| PathBuf::from("../shared/data/talks.jsonl"), PathBuf::from);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |args: &mut dyn Iterator<Item = String>| args.next();
        match arg.as_str() {
            "--talks" => talks = value(&mut args).and_then(|v| v.replace('_', "").parse::<usize>().ok()),
            "--out" => out = value(&mut args).map(PathBuf::from),
            "--seed" => match value(&mut args).and_then(|v| v.parse().ok()) {
                Some(s) => seed = s,
                None => return fail("--seed takes a whole number"),
            },
            "--corpus" => match value(&mut args) {
                Some(c) => corpus = PathBuf::from(c),
                None => return fail("--corpus takes a file"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return fail(&format!("unknown argument {other}")),
        }
    }
    let (Some(talks), Some(out)) = (talks, out) else { return fail("--talks N and --out FILE are required") };
    let start = Instant::now();
    let (src, lines) = match read_source(&corpus) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let file = match File::create(&out) {
        Ok(f) => f,
        Err(e) => return fail(&format!("cannot create {}: {e}", out.display())),
    };
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut words = Words {
        tokens: src.tokens,
        distinct: src.vocabulary.len() as u64,
        coined: Vec::new(),
        known: src.vocabulary.clone(),
    };
    let mut rng = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
    let result = (|| -> std::io::Result<()> {
        for line in lines.iter().take(talks) {
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
        }
        for number in lines.len()..talks {
            let talk = generate(&src, &mut words, seed, number, &mut rng);
            serde_json::to_writer(&mut w, &talk)?;
            w.write_all(b"\n")?;
        }
        w.flush()
    })();
    if let Err(e) = result {
        return fail(&format!("writing {}: {e}", out.display()));
    }
    eprintln!(
        "grow: {talks} talks ({} from the corpus) into {} in {:.1} s; {} word tokens, {} distinct words ({} in the corpus)",
        talks.min(lines.len()),
        out.display(),
        start.elapsed().as_secs_f64(),
        words.tokens,
        words.distinct,
        src.vocabulary.len()
    );
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("grow: {message}\n{USAGE}");
    ExitCode::from(2)
}
