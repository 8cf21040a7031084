//! Answers to recent searches, so that a query many people type (a search box sends every
//! keystroke: "p", "py", "pyt", ...) is ranked once per index state, not once per request.
//!
//! A bounded least-recently-used map from the whole [`SearchRequest`] to its answer. Each answer
//! remembers the [`Snapshot`] it was computed on and is only served for that snapshot: after a
//! commit (`add`, `remove`) or a re-index the engine swaps snapshots, and every older answer is
//! a miss (and [`ResponseCache::clear`] drops them), so a cached answer is never staler than a
//! fresh search started at the same moment. Off (0 entries) unless the engine is built with
//! [`crate::Engine::with_cache`]; `serve` turns it on (`--cache-entries`, 1,000 by default, the
//! size Typesense uses).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, Weak};

use lru::LruCache;

use crate::search::{SearchRequest, SearchResponse};
use crate::snapshot::Snapshot;

/// A cached answer and the snapshot it belongs to.
struct Entry {
    /// Weak, so the cache never keeps an old snapshot's index data alive; its allocation stays,
    /// so its address is never reused by a later snapshot while this entry exists.
    snapshot: Weak<Snapshot>,
    response: Arc<SearchResponse>,
}

/// Recent answers by request, for the current snapshot only.
pub(crate) struct ResponseCache {
    map: Option<Mutex<LruCache<SearchRequest, Entry>>>,
}

impl ResponseCache {
    /// A cache of at most `entries` answers; none when 0.
    pub(crate) fn new(entries: usize) -> ResponseCache {
        ResponseCache { map: NonZeroUsize::new(entries).map(|n| Mutex::new(LruCache::new(n))) }
    }

    /// The answer to `req` computed on `snapshot`, if it is still here.
    pub(crate) fn get(&self, req: &SearchRequest, snapshot: &Arc<Snapshot>) -> Option<Arc<SearchResponse>> {
        let mut map = self.map.as_ref()?.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.get(req)?;
        (Weak::as_ptr(&entry.snapshot) == Arc::as_ptr(snapshot)).then(|| Arc::clone(&entry.response))
    }

    /// Remembers the answer to `req` on `snapshot` (a copy of it: none is made when the cache
    /// is off).
    pub(crate) fn put(&self, req: &SearchRequest, snapshot: &Arc<Snapshot>, response: &SearchResponse) {
        if let Some(map) = &self.map {
            let entry = Entry { snapshot: Arc::downgrade(snapshot), response: Arc::new(response.clone()) };
            map.lock().unwrap_or_else(|e| e.into_inner()).put(req.clone(), entry);
        }
    }

    /// Forgets every answer (the snapshot changed: none can be served again).
    pub(crate) fn clear(&self) {
        if let Some(map) = &self.map {
            map.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// Answers held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.lock().unwrap_or_else(|e| e.into_inner()).len())
    }
}
