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
mod tests;
