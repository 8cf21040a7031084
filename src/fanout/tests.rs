//! The fanout against tantivy's own search: when a search splits, the helper's hand-overs and
//! panics, segments in halves, and the same hits and scores on one thread or two.

use super::*;

/// A fanout that may split whenever a search runs alone, however long since the last.
fn warm() -> Fanout {
    Fanout { warm: u64::MAX, last_end: AtomicU64::new(1), ..Fanout::new(2) }
}

#[test]
fn a_search_splits_only_soon_after_the_one_before() {
    let fanout = Fanout { warm: Duration::from_secs(600).as_nanos() as u64, ..Fanout::new(2) };
    assert!(fanout.helper().is_none(), "no search yet: the second core may be asleep");
    drop(fanout.enter());
    let _next = fanout.enter();
    assert!(fanout.helper().is_some(), "soon after another search: it may split");
    let fanout = Fanout { warm: Duration::from_millis(1).as_nanos() as u64, ..Fanout::new(2) };
    drop(fanout.enter());
    std::thread::sleep(Duration::from_millis(5));
    let _later = fanout.enter();
    assert!(fanout.helper().is_none(), "after a pause it runs alone");
}

#[test]
fn map_keeps_the_order_on_one_thread_or_two() {
    for fanout in [Fanout::single(), warm()] {
        let items: Vec<usize> = (0..11).collect();
        let out = fanout.map(items, |i| i * 10);
        assert_eq!(out, (0..11).map(|i| i * 10).collect::<Vec<_>>(), "{} threads", fanout.threads());
    }
}

#[test]
fn a_search_splits_only_while_it_is_the_only_one_running() {
    let fanout = warm();
    assert!(fanout.helper().is_some(), "nothing counted: the helper may be used");
    let first = fanout.enter();
    assert!(fanout.helper().is_some(), "one search running: it may split");
    let second = fanout.enter();
    assert!(fanout.helper().is_none(), "two searches: each keeps to its thread");
    drop(second);
    assert!(fanout.helper().is_some());
    drop(first);
    assert!(Fanout::single().helper().is_none(), "no helper thread: never split");
}

/// Runs `a` after waiting (up to 5 s) for `b` to begin: with a free helper, `b` runs there
/// instead of being taken back. Returns the thread `b` ran on, and both results.
fn on_the_helper<RA, RB: Send>(
    fanout: &Fanout,
    a: impl FnOnce() -> RA,
    b: impl FnOnce() -> RB + Send,
) -> (std::thread::ThreadId, RA, RB) {
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};
    let begun = AtomicBool::new(false);
    let ((), (thread, rb)) = fanout.join(
        || {
            let start = Instant::now();
            while !begun.load(Ordering::Acquire) && start.elapsed() < Duration::from_secs(5) {
                std::hint::spin_loop();
            }
        },
        || {
            begun.store(true, Ordering::Release);
            (std::thread::current().id(), b())
        },
    );
    (thread, a(), rb)
}

#[test]
fn join_runs_the_second_half_on_the_helper_when_it_is_free() {
    let fanout = warm();
    let here = std::thread::current().id();
    for _ in 0..3 {
        let (thread, (), ()) = on_the_helper(&fanout, || (), || ());
        assert_ne!(thread, here, "the second half ran on the helper");
    }
    let _busy = (fanout.enter(), fanout.enter());
    let (_, b) = fanout.join(|| (), || std::thread::current().id());
    assert_eq!(b, here, "two searches running: both halves ran on the caller");
}

#[test]
fn halves_borrow_the_callers_data_and_return_it_whole() {
    let fanout = warm();
    let here = std::thread::current().id();
    for round in 0..200usize {
        let data: Vec<usize> = (0..round % 50 + 2).map(|i| i * round).collect();
        let (left, right) = data.split_at(data.len() / 2);
        let (thread, a, b) = on_the_helper(&fanout, || left.iter().sum::<usize>(), || right.iter().sum::<usize>());
        assert_ne!(thread, here, "round {round}: the helper read the caller's data");
        assert_eq!(a + b, data.iter().sum::<usize>(), "round {round}");
    }
}

#[test]
fn a_caller_that_waits_long_sleeps_and_is_woken() {
    let fanout = warm();
    // Far longer than the caller spins before it sleeps.
    let slow = || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        7
    };
    let (thread, (), seven) = on_the_helper(&fanout, || (), slow);
    assert_ne!(thread, std::thread::current().id());
    assert_eq!(seven, 7);
}

#[test]
fn a_panic_in_either_half_reaches_the_caller_and_the_helper_goes_on() {
    let fanout = warm();
    for which in ["a", "b"] {
        let caught = catch_unwind(AssertUnwindSafe(|| {
            on_the_helper(&fanout, || assert_ne!(which, "a", "half a fails"), || assert_ne!(which, "b", "half b fails"))
        }));
        let message = caught.expect_err("the panic is raised again");
        let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains(&format!("half {which} fails")), "{text}");
    }
    let (thread, one, two) = on_the_helper(&fanout, || 1, || 2);
    assert_ne!(thread, std::thread::current().id(), "the helper still runs halves");
    assert_eq!((one, two), (1, 2));
}

#[test]
fn segments_split_into_halves_of_about_equal_documents() {
    let sizes = |groups: &[usize], docs: &[u32]| groups.iter().map(|&i| docs[i]).sum::<u32>();
    for docs in [vec![10_864, 10_849], vec![9_000, 100, 200, 8_000, 700], vec![5, 5, 5]] {
        let (a, b) = split(&docs);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..docs.len()).collect::<Vec<_>>(), "every segment once");
        let (x, y) = (sizes(&a, &docs), sizes(&b, &docs));
        let largest = *docs.iter().max().unwrap();
        assert!(x.abs_diff(y) <= largest, "{docs:?}: {x} against {y}");
    }
}

/// Records which thread collected each segment, each waiting (a while) for the other to
/// begin, so that a split search must have run them side by side.
struct Threads(AtomicUsize);

struct OnThread(u32, std::thread::ThreadId);

impl Collector for Threads {
    type Fruit = Vec<(u32, std::thread::ThreadId)>;
    type Child = OnThread;

    fn for_segment(&self, ord: u32, _: &SegmentReader) -> tantivy::Result<OnThread> {
        self.0.fetch_add(1, Ordering::AcqRel);
        let start = std::time::Instant::now();
        while self.0.load(Ordering::Acquire) < 2 && start.elapsed() < std::time::Duration::from_secs(5) {
            std::hint::spin_loop();
        }
        Ok(OnThread(ord, std::thread::current().id()))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.concat())
    }
}

impl tantivy::collector::SegmentCollector for OnThread {
    type Fruit = Vec<(u32, std::thread::ThreadId)>;

    fn collect(&mut self, _: tantivy::DocId, _: tantivy::Score) {}

    fn harvest(self) -> Self::Fruit {
        vec![(self.0, self.1)]
    }
}

/// An in-memory index of one text field, a segment for each of `sizes` (that many
/// documents), document `i` of segment `s` being `body(s, i)`.
fn index_in_segments(sizes: &[usize], body: impl Fn(usize, usize) -> String) -> (tantivy::Index, Searcher) {
    use tantivy::schema::{Schema, TEXT};
    let mut schema = Schema::builder();
    let text = schema.add_text_field("text", TEXT);
    let index = tantivy::Index::create_in_ram(schema.build());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for (segment, &docs) in sizes.iter().enumerate() {
        (0..docs).for_each(|i| _ = writer.add_document(tantivy::doc!(text => body(segment, i))).unwrap());
        writer.commit().unwrap();
    }
    let searcher = index.reader().unwrap().searcher();
    assert_eq!(searcher.segment_readers().len(), sizes.len());
    (index, searcher)
}

#[test]
fn segments_are_collected_side_by_side_and_merged_in_order() {
    let sizes = [2_000, 1_500, 1_000, 1_000];
    let (_, searcher) = index_in_segments(&sizes, |_, _| "talk".to_string());
    let (mine, theirs) = halves(searcher.segment_readers());
    // Merging the halves' fruits as they come would put these segments out of order.
    assert!([mine.clone(), theirs.clone()].concat().windows(2).any(|w| w[0] > w[1]), "{mine:?} {theirs:?}");
    let fanout = warm();
    let _running = fanout.enter();
    let found = fanout.search(&searcher, &searcher, &tantivy::query::AllQuery, &Threads(AtomicUsize::new(0))).unwrap();
    let here = std::thread::current().id();
    assert_eq!(found.iter().map(|&(ord, _)| ord).collect::<Vec<_>>(), [0, 1, 2, 3], "merged in segment order");
    for (ord, thread) in found {
        let on_caller = mine.contains(&(ord as usize));
        assert_eq!(thread == here, on_caller, "segment {ord}: the caller collects its half, the helper the other");
    }
    let counted = fanout.search(&searcher, &searcher, &tantivy::query::AllQuery, &tantivy::collector::Count).unwrap();
    assert_eq!(counted, sizes.iter().sum::<usize>());
}

#[test]
fn a_split_search_finds_what_tantivy_finds_with_the_same_scores() {
    use tantivy::collector::{Count, TopDocs};
    let words = ["python", "rust", "async", "web", "data", "jit"];
    let (index, searcher) = index_in_segments(&[3_000, 2_000, 1_500], |segment, i| {
        let body: Vec<&str> = (0..1 + (i * 7 + segment) % 9).map(|k| words[(i * k + segment) % words.len()]).collect();
        body.join(" ")
    });
    let text = index.schema().get_field("text").unwrap();
    let query = tantivy::query::QueryParser::for_index(&index, vec![text]).parse_query("python jit web").unwrap();
    let collector = (TopDocs::with_limit(50).order_by_score(), Count);
    let expected = searcher.search_with_statistics_provider(&query, &collector, &searcher).unwrap();
    let fanout = warm();
    let _running = fanout.enter();
    for _ in 0..20 {
        assert_eq!(fanout.search(&searcher, &searcher, &query, &collector).unwrap(), expected);
    }
}
