//! One search on two cores while the machine is otherwise idle.
//!
//! A search's two big steps split cleanly in two: collecting the matches segment by segment
//! (an index built on two threads has two segments of about equal size), and making the page's
//! hits (reading each talk and highlighting it). The caller does one half and a helper thread
//! the other, the way Lucene's `IndexSearcher` with an executor or Elasticsearch's concurrent
//! segment search spend idle cores on one query's latency. The results are the same either
//! way: segments are collected as tantivy collects them and merged in segment order, hits are
//! put back in page order.
//!
//! A search splits only when it can gain ([`Fanout::enter`] counts the searches running):
//! - no other search is running: under load every core already has a search of its own, and
//!   splitting would only add hand-over costs;
//! - the search before it ended less than [`WARM`] ago. Measured on this project's 2-core
//!   virtual machine (22k talks, `cargo bench --bench latency`, interleaved runs): searches
//!   back to back gained (topics p99 546-584 -> 420-429 us, typing p99 505-523 -> 360-407 us);
//!   searches 2 ms apart, the way keystrokes arrive, lost (typing p50 257 -> 275 us), as waking
//!   the sleeping second core cost more than the split saved. With the rule, they are as fast
//!   as on one thread (`LATENCY_PAUSE_MS=2`: typing p50 268-283 -> 259-262 us).
//!
//! The helper does not wait awake (spinning) for work either: a helper spinning while the
//! caller searched made the caller a third slower there.

use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use tantivy::collector::Collector;
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{Searcher, SegmentReader};

/// A search splits only if the one before it ended less than this long ago: searches arriving
/// back to back (a busy server, a script, a benchmark) find the second core awake, and splitting
/// pays; after a pause, waking it (a system call, and on a virtual machine an interrupt to a
/// halted processor) cost more than the split saved (see the module docs).
pub const WARM: Duration = Duration::from_millis(1);

/// Fewer documents than this are collected on one thread: handing half of them over would cost
/// about as much as collecting them.
pub const SPLIT_MIN_DOCS: u32 = 4_096;

/// Where a search may run its second half, and how many searches are running.
#[derive(Debug)]
pub struct Fanout {
    /// The helper thread (none: every search runs on its caller's thread alone).
    helper: Option<Helper>,
    running: AtomicUsize,
    /// When the last search ended, in nanoseconds since `epoch` (0: none has).
    last_end: AtomicU64,
    epoch: Instant,
    /// [`WARM`], in nanoseconds.
    warm: u64,
}

/// A search in progress (see [`Fanout::enter`]); counted until dropped.
#[derive(Debug)]
pub struct Running<'a>(&'a Fanout);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.last_end.store(self.0.nanos(), Ordering::Relaxed);
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Fanout {
    /// Searches on their caller's thread only.
    pub fn single() -> Fanout {
        Fanout {
            helper: None,
            running: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
            epoch: Instant::now(),
            warm: WARM.as_nanos() as u64,
        }
    }

    /// Searches on up to `threads` threads (the caller's and a helper; more is taken as 2, 0 and
    /// 1 as 1). A helper thread that cannot be started leaves searches on one thread.
    pub fn new(threads: usize) -> Fanout {
        if threads < 2 {
            return Fanout::single();
        }
        match Helper::start() {
            Ok(helper) => Fanout { helper: Some(helper), ..Fanout::single() },
            Err(e) => {
                tracing::warn!("searching on one thread: no helper thread ({e})");
                Fanout::single()
            }
        }
    }

    /// The cores of this machine, at most 2 (what [`Fanout::new`] uses).
    pub fn available() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(2)
    }

    /// How many threads a search may use (1 or 2).
    pub fn threads(&self) -> usize {
        if self.helper.is_some() { 2 } else { 1 }
    }

    /// Counts a search as running until the guard is dropped.
    pub fn enter(&self) -> Running<'_> {
        self.running.fetch_add(1, Ordering::Relaxed);
        Running(self)
    }

    /// Nanoseconds since `epoch`, at least 1.
    fn nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
    }

    /// The helper, if a search may use it now: it is the only one running (or none is counted,
    /// as for a caller that did not [`enter`](Fanout::enter)), and the one before it ended less
    /// than [`WARM`] ago.
    fn helper(&self) -> Option<&Helper> {
        let warm = || match self.last_end.load(Ordering::Relaxed) {
            0 => false,
            last => self.nanos().saturating_sub(last) < self.warm,
        };
        self.helper.as_ref().filter(|_| self.running.load(Ordering::Relaxed) <= 1 && warm())
    }

    /// Runs `a` here and `b` on the helper if it may be used and is free, else both here. The
    /// helper is woken for `b`; if it has not begun `b` by the time `a` is done, `b` is taken
    /// back and run here, so a split search is never much slower than one on one thread.
    pub fn join<RA, RB: Send>(&self, a: impl FnOnce() -> RA, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
        match self.helper() {
            Some(helper) => helper.join(a, b),
            None => (a(), b()),
        }
    }

    /// `f` of each item, in order; the second half of them on the helper if it may be used.
    pub fn map<T: Send, R: Send>(&self, mut items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
        if items.len() < 2 || self.helper().is_none() {
            return items.into_iter().map(f).collect();
        }
        let second = items.split_off(items.len().div_ceil(2));
        let f = &f;
        let (mut out, rest) = self
            .join(|| items.into_iter().map(f).collect::<Vec<R>>(), || second.into_iter().map(f).collect::<Vec<R>>());
        out.extend(rest);
        out
    }

    /// `searcher.search_with_statistics_provider(query, collector, statistics)`, its segments
    /// split in two halves of about equal documents if the helper may be used and they are
    /// large enough.
    pub fn search<C: Collector>(
        &self,
        searcher: &Searcher,
        statistics: &dyn Bm25StatisticsProvider,
        query: &dyn Query,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        let segments = searcher.segment_readers();
        let docs: u64 = segments.iter().map(|s| u64::from(s.max_doc())).sum();
        if segments.len() < 2 || docs < u64::from(SPLIT_MIN_DOCS) || self.helper().is_none() {
            return searcher.search_with_statistics_provider(query, collector, statistics);
        }
        let scoring = match collector.requires_scoring() {
            true => EnableScoring::enabled_from_statistics_provider(statistics, searcher),
            false => EnableScoring::disabled_from_searcher(searcher),
        };
        let weight = query.weight(scoring)?;
        collector.check_schema(searcher.schema())?;
        let (mine, theirs) = halves(segments);
        let collect = |ords: Vec<usize>| -> Vec<(usize, tantivy::Result<_>)> {
            ords.into_iter()
                .map(|ord| (ord, collector.collect_segment(weight.as_ref(), ord as u32, &segments[ord])))
                .collect()
        };
        let (mut fruits, theirs) = self.join(|| collect(mine), || collect(theirs));
        fruits.extend(theirs);
        // Merged in segment order, as tantivy's own search merges them (and failing with the
        // first segment's error, as it fails).
        fruits.sort_unstable_by_key(|&(ord, _)| ord);
        collector.merge_fruits(fruits.into_iter().map(|(_, fruit)| fruit).collect::<tantivy::Result<_>>()?)
    }
}

/// A thread that runs the second half of a [`Fanout::join`], one at a time.
///
/// The half is a closure on the caller's stack, handed over by pointer: the caller does not
/// return from `join` until the helper is done with it (or it was taken back untouched), which
/// is what makes lending it sound. `state` says who owns the slot:
/// IDLE (nobody) -> POSTED (the caller, a job waits) -> TAKEN (the helper runs it) -> DONE (the
/// caller again), or POSTED -> IDLE when the caller takes it back.
struct Helper {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

const IDLE: u8 = 0;
const POSTED: u8 = 1;
const TAKEN: u8 = 2;
const DONE: u8 = 3;

/// How many times a caller checks for the helper to finish before it sleeps.
const SPINS: u32 = 1 << 14;

struct Shared {
    state: AtomicU8,
    /// A join is using the helper (one at a time; another runs both halves itself).
    busy: AtomicBool,
    stop: AtomicBool,
    /// The posted job; read by the helper only once it has moved `state` from POSTED to TAKEN.
    job: UnsafeCell<Option<JobRef>>,
    /// The thread waiting in `join`, woken when its job is DONE.
    caller: Mutex<Option<Thread>>,
}

// SAFETY: `job` is written only by the caller holding `busy` while `state` is IDLE, and read only
// by the helper after it moved `state` from POSTED to TAKEN (release/acquire order the two).
unsafe impl Sync for Shared {}

/// A type-erased pointer to a [`Job`] on a caller's stack, and the function that runs it.
#[derive(Clone, Copy)]
struct JobRef {
    data: *const (),
    run: unsafe fn(*const ()),
}

// SAFETY: the `Job` it points to is `Send` (its closure and result are), and is used by one
// thread at a time (see `Shared`).
unsafe impl Send for JobRef {}

/// The second half of a join: its closure, then its result or panic.
struct Job<F, R> {
    f: UnsafeCell<Option<F>>,
    out: UnsafeCell<Option<std::thread::Result<R>>>,
}

impl<F: FnOnce() -> R, R> Job<F, R> {
    /// Runs the closure once, keeping its result or panic.
    ///
    /// # Safety
    /// `data` points to a live `Job<F, R>` that no other thread is using.
    unsafe fn run(data: *const ()) {
        // SAFETY: as the caller promises.
        let job = unsafe { &*data.cast::<Job<F, R>>() };
        // SAFETY: this thread is the only one using the job.
        if let Some(f) = unsafe { (*job.f.get()).take() } {
            let out = catch_unwind(AssertUnwindSafe(f));
            // SAFETY: as above.
            unsafe { *job.out.get() = Some(out) };
        }
    }
}

impl std::fmt::Debug for Helper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Helper").field("state", &self.shared.state.load(Ordering::Relaxed)).finish()
    }
}

impl Helper {
    fn start() -> std::io::Result<Helper> {
        let shared = Arc::new(Shared {
            state: AtomicU8::new(IDLE),
            busy: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            caller: Mutex::new(None),
        });
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("search-helper".into()).spawn(move || work(&theirs))?;
        Ok(Helper { shared, thread: Some(thread) })
    }

    fn join<RA, RB: Send, B: FnOnce() -> RB + Send>(&self, a: impl FnOnce() -> RA, b: B) -> (RA, RB) {
        let shared = &*self.shared;
        let me = std::thread::current();
        if shared.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return (a(), b());
        }
        let job = Job { f: UnsafeCell::new(Some(b)), out: UnsafeCell::new(None) };
        *shared.caller.lock().unwrap_or_else(|e| e.into_inner()) = Some(me);
        let run: unsafe fn(*const ()) = Job::<B, RB>::run;
        // SAFETY: `busy` is ours and `state` is IDLE: the helper does not read `job` now.
        unsafe { *shared.job.get() = Some(JobRef { data: (&raw const job).cast(), run }) };
        shared.state.store(POSTED, Ordering::Release);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
        // A panic in `a` must not leave before the helper is done with `job`: caught, and
        // raised again below.
        let ra = catch_unwind(AssertUnwindSafe(a));
        if shared.state.compare_exchange(POSTED, IDLE, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            // The helper had not begun: run it here.
            // SAFETY: taken back, the job is this thread's alone.
            unsafe { Job::<B, RB>::run((&raw const job).cast()) };
        } else {
            let mut spins = 0;
            while shared.state.load(Ordering::Acquire) != DONE {
                if spins < SPINS {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::park();
                }
            }
            shared.state.store(IDLE, Ordering::Relaxed);
        }
        shared.busy.store(false, Ordering::Release);
        let ra = ra.unwrap_or_else(|panic| resume_unwind(panic));
        let rb = match job.out.into_inner() {
            Some(Ok(rb)) => rb,
            Some(Err(panic)) => resume_unwind(panic),
            None => unreachable!("a joined job runs before its join returns"),
        };
        (ra, rb)
    }
}

/// The helper thread: runs each posted job, then wakes its caller; asleep in between.
///
/// It does not wait awake for the next job: measured on this project's 2-core virtual machine,
/// a helper spinning while the caller searches slowed the caller by a third, more than a sleeping
/// helper's wake-up costs.
fn work(shared: &Shared) {
    loop {
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        if shared.state.compare_exchange(POSTED, TAKEN, Ordering::Acquire, Ordering::Relaxed).is_err() {
            std::thread::park();
            continue;
        }
        // SAFETY: TAKEN: the job is the helper's until it says DONE, and its caller waits.
        let job = unsafe { *shared.job.get() }.expect("a posted job");
        // SAFETY: the job is live (its caller waits for DONE) and used by this thread alone.
        unsafe { (job.run)(job.data) };
        let caller = shared.caller.lock().unwrap_or_else(|e| e.into_inner()).clone();
        shared.state.store(DONE, Ordering::Release);
        if let Some(caller) = caller {
            caller.unpark();
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The segments' ordinals in two groups of about equal documents (see [`split`]).
fn halves(segments: &[SegmentReader]) -> (Vec<usize>, Vec<usize>) {
    split(&segments.iter().map(SegmentReader::max_doc).collect::<Vec<_>>())
}

/// Indexes of `docs` in two groups of about equal sums: the largest first, each into the group
/// with less so far.
fn split(docs: &[u32]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(docs[i]));
    let (mut a, mut b) = ((Vec::new(), 0u64), (Vec::new(), 0u64));
    for i in order {
        let group = if a.1 <= b.1 { &mut a } else { &mut b };
        group.0.push(i);
        group.1 += u64::from(docs[i]);
    }
    (a.0, b.0)
}

#[cfg(test)]
mod tests {
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
                on_the_helper(
                    &fanout,
                    || assert_ne!(which, "a", "half a fails"),
                    || assert_ne!(which, "b", "half b fails"),
                )
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
        let found =
            fanout.search(&searcher, &searcher, &tantivy::query::AllQuery, &Threads(AtomicUsize::new(0))).unwrap();
        let here = std::thread::current().id();
        assert_eq!(found.iter().map(|&(ord, _)| ord).collect::<Vec<_>>(), [0, 1, 2, 3], "merged in segment order");
        for (ord, thread) in found {
            let on_caller = mine.contains(&(ord as usize));
            assert_eq!(thread == here, on_caller, "segment {ord}: the caller collects its half, the helper the other");
        }
        let counted =
            fanout.search(&searcher, &searcher, &tantivy::query::AllQuery, &tantivy::collector::Count).unwrap();
        assert_eq!(counted, sizes.iter().sum::<usize>());
    }

    #[test]
    fn a_split_search_finds_what_tantivy_finds_with_the_same_scores() {
        use tantivy::collector::{Count, TopDocs};
        let words = ["python", "rust", "async", "web", "data", "jit"];
        let (index, searcher) = index_in_segments(&[3_000, 2_000, 1_500], |segment, i| {
            let body: Vec<&str> =
                (0..1 + (i * 7 + segment) % 9).map(|k| words[(i * k + segment) % words.len()]).collect();
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
}
