// app.js: the search page's controller: state, page address, requests, events, keyboard.
//
// The server renders the first page of results for /?q=..., so the page works without
// JavaScript; this script then takes over: results update as you type, facets and chips filter
// in place, and the address follows (replaceState while typing, pushState on committed changes),
// so a search can be shared, reloaded and walked back with Back.
//
// Served as /assets/app.js after render.js and combobox.js, in one closure (see page.rs).

/** Hits per request. */
const PAGE_SIZE = 10;
const SORTS = ["relevance", "newest", "oldest"];

const ui = {
  form: document.getElementById("search"),
  input: document.getElementById("q"),
  sort: document.getElementById("sort"),
  suggestions: document.getElementById("suggestions"),
  chips: document.getElementById("chips"),
  status: document.getElementById("status"),
  notice: document.getElementById("notice"),
  hits: document.getElementById("hits"),
  pager: document.getElementById("pager"),
  facets: document.getElementById("facets"),
};

// ---------------------------------------------------------------------------------------------
// State and the page address

/** What is searched: {q, filters: [[kind, value], ...], sort, offset}. The address mirrors it. */
let state = readAddress();

function readAddress() {
  const params = new URLSearchParams(location.search);
  const filters = [];
  for (const kind of FILTER_KINDS) {
    for (const value of params.getAll(kind)) if (value) filters.push([kind, value]);
  }
  const sort = SORTS.includes(params.get("sort")) ? params.get("sort") : "relevance";
  const offset = Math.max(0, Number.parseInt(params.get("offset") || "0", 10) || 0);
  return { q: params.get("q") || "", filters, sort, offset };
}

/** The page address of a state: q, filters (in FILTER_KINDS order), sort, offset. */
function pageHref(s) {
  const params = new URLSearchParams();
  if (s.q) params.set("q", s.q);
  for (const kind of FILTER_KINDS) {
    for (const [k, v] of s.filters) if (k === kind) params.append(k, v);
  }
  if (s.sort !== "relevance") params.set("sort", s.sort);
  if (s.offset > 0) params.set("offset", String(s.offset));
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

/** Writes the state into the address: "push" a new history entry or "replace" the current one. */
function writeAddress(mode) {
  const href = pageHref(state);
  if (href === location.pathname + location.search) return;
  if (mode === "push") history.pushState(null, "", href);
  else history.replaceState(null, "", href);
}

function isActive(kind, value) {
  return state.filters.some(([k, v]) => k === kind && v === value);
}

/** Adds or removes one filter, then searches and pushes the new address. */
function toggleFilter(kind, value) {
  state.filters = isActive(kind, value)
    ? state.filters.filter(([k, v]) => !(k === kind && v === value))
    : [...state.filters, [kind, value]];
  commit();
}

/** A committed change: new history entry, first page, search now. */
function commit() {
  state.offset = 0;
  writeAddress("push");
  search();
}

// ---------------------------------------------------------------------------------------------
// Requests

/** /api/search parameters for a state. */
function apiParams(s, { offset = s.offset, limit = PAGE_SIZE, facets = FACET_KINDS, without = null } = {}) {
  const params = new URLSearchParams({ q: s.q, limit: String(limit), offset: String(offset) });
  for (const [kind, value] of s.filters) if (kind !== without) params.append(kind, value);
  if (facets.length) params.set("facets", facets.join(","));
  if (s.sort !== "relevance") params.set("sort", s.sort);
  return params;
}

/** GETs JSON; throws an Error carrying the API's message on a 4xx/5xx. */
async function getJSON(url, signal) {
  let resp;
  try {
    resp = await fetch(url, { signal, headers: { Accept: "application/json" } });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new Error("the server could not be reached.");
  }
  let body = null;
  try {
    body = await resp.json();
  } catch {
    // not JSON: say the status below
  }
  if (!resp.ok) throw new Error((body && body.error && body.error.message) || `HTTP ${resp.status}`);
  return body;
}

/** A talk id in a path: each segment encoded, the slashes kept. */
function idPath(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

let seq = 0; // number of the latest search; an answer to an older one is dropped
let controller = null; // aborts the request in flight when a newer one starts
let typingTimer = 0;
let shown = 0; // hits on the page, from state.offset on
let total = 0;

/** Runs the search in `state` and renders it; `append` fetches the next hits ("More results"). */
async function search({ append = false } = {}) {
  clearTimeout(typingTimer);
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const mine = ++seq;
  const s = structuredClone(state);
  document.title = s.q ? `${s.q} · talksearch` : "talksearch";
  if (!s.q.trim() && !s.filters.length) {
    renderIdle();
    return;
  }
  ui.hits.setAttribute("aria-busy", "true");
  try {
    if (append) {
      const resp = await getJSON(`/api/search?${apiParams(s, { offset: s.offset + shown, facets: [] })}`, signal);
      if (mine !== seq) return;
      ui.hits.append(...resp.hits.map(hitItem));
      shown += resp.hits.length;
      renderPager(s);
      return;
    }
    // A filtered facet is counted without its own filter, so its other values stay listed and
    // can be added (values of one kind are alternatives).
    const filtered = FACET_KINDS.filter((kind) => s.filters.some(([k]) => k === kind));
    const [resp, ...counts] = await Promise.all([
      getJSON(`/api/search?${apiParams(s)}`, signal),
      ...filtered.map((kind) =>
        getJSON(`/api/search?${apiParams(s, { offset: 0, limit: 1, facets: [kind], without: kind })}`, signal)),
    ]);
    if (mine !== seq) return;
    resp.facets = resp.facets || {};
    resp.facets_more = resp.facets_more || {};
    filtered.forEach((kind, i) => {
      resp.facets[kind] = (counts[i].facets || {})[kind] || [];
      resp.facets_more[kind] = (counts[i].facets_more || {})[kind] || 0;
    });
    renderResponse(s, resp);
  } catch (e) {
    if (e.name === "AbortError" || mine !== seq) return;
    renderError(e.message);
  } finally {
    if (mine === seq) ui.hits.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering (the DOM pieces come from render.js)

function renderIdle() {
  shown = 0;
  total = 0;
  ui.status.textContent = "Type a topic, a speaker or an event.";
  for (const node of [ui.chips, ui.notice, ui.hits, ui.pager, ui.facets]) node.replaceChildren();
}

function renderResponse(s, resp) {
  // Re-rendering replaces the facet button or chip that was just clicked: keep focus on its
  // successor (the same facet value), or in the box when the chip is gone.
  const focused = document.activeElement;
  const wasFilter = focused && focused.matches("button[data-kind]");
  shown = resp.hits.length;
  total = resp.total;
  const verb = total === 1 ? "matches" : "match";
  ui.status.textContent = s.q.trim() ? `${talksCount(total)} ${verb} “${s.q.trim()}”` : talksCount(total);
  renderChips(s);
  const notices = [];
  if (resp.suggestion) {
    notices.push(didYouMean(resp.suggestion, pageHref({ ...s, q: resp.suggestion, offset: 0 })));
  }
  if (total === 0) notices.push(emptyNotice(s.filters.length > 0));
  ui.notice.replaceChildren(...notices);
  ui.hits.replaceChildren(...resp.hits.map(hitItem));
  renderPager(s);
  ui.facets.replaceChildren(...FACET_KINDS
    .filter((kind) => (resp.facets[kind] || []).length)
    .map((kind) => facetSection(kind, resp.facets[kind], resp.facets_more[kind] || 0, isActive)));
  if (wasFilter && !focused.isConnected) {
    const { kind, value } = focused.dataset;
    const same = [...ui.facets.querySelectorAll("button[data-kind]")]
      .find((b) => b.dataset.kind === kind && b.dataset.value === value);
    (same || ui.input).focus();
  }
}

function renderChips(s) {
  const chips = s.filters.map(([kind, value]) => chip(kind, value));
  if (chips.length > 1) {
    chips.push(el("button", { type: "button", class: "chip clear", "data-action": "clear-filters" }, "Clear all"));
  }
  ui.chips.replaceChildren(...chips);
}

function renderPager(s) {
  const parts = [];
  if (shown > 0 && (s.offset > 0 || shown < total)) {
    parts.push(el("span", {}, `Showing ${s.offset + 1}–${s.offset + shown} of ${total.toLocaleString("en")}`));
  }
  if (s.offset > 0) {
    const href = pageHref({ ...s, offset: Math.max(0, s.offset - PAGE_SIZE) });
    parts.push(el("a", { href, "data-action": "previous" }, "Previous"));
  }
  if (s.offset + shown < total) {
    parts.push(el("button", { type: "button", "data-action": "more" }, "More results"));
  }
  ui.pager.replaceChildren(...parts);
}

function renderError(message) {
  shown = 0;
  total = 0;
  ui.status.textContent = "";
  for (const node of [ui.hits, ui.pager, ui.facets]) node.replaceChildren();
  renderChips(state);
  ui.notice.replaceChildren(errorNotice(message));
}

/** Opens or closes a hit's related talks, loading them the first time. */
async function toggleRelated(button) {
  const panel = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  panel.hidden = open;
  if (open || panel.dataset.loaded) return;
  panel.dataset.loaded = "yes";
  panel.replaceChildren(el("p", { class: "status" }, "Loading related talks…"));
  try {
    const data = await getJSON(`/api/talks/${idPath(button.closest("li.hit").dataset.id)}/related`);
    panel.replaceChildren(el("h3", {}, "Related talks"), relatedList(data.hits || []));
  } catch (e) {
    delete panel.dataset.loaded; // try again next time
    panel.replaceChildren(el("p", { class: "error" }, `Could not load related talks: ${e.message}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Keyboard

/** Focuses result `i` (its title link, or the item when it has none); false if there is none. */
function focusResult(i) {
  const item = ui.hits.children[i];
  if (!item) return false;
  (item.querySelector("h2 a") || item).focus();
  return true;
}

// ArrowUp/Down move between results; up from the first goes back to the box.
ui.hits.addEventListener("keydown", (e) => {
  if ((e.key !== "ArrowDown" && e.key !== "ArrowUp") || e.altKey || e.ctrlKey || e.metaKey) return;
  const items = [...ui.hits.children];
  const i = items.indexOf(e.target.closest("#hits > li"));
  if (i < 0) return;
  e.preventDefault();
  if (e.key === "ArrowDown") focusResult(i + 1);
  else if (i === 0) ui.input.focus();
  else focusResult(i - 1);
});

// "/" focuses the search box, unless one is typing somewhere.
document.addEventListener("keydown", (e) => {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof Element && (t.closest("input, textarea, select") || t.isContentEditable)) return;
  e.preventDefault();
  ui.input.focus();
  ui.input.select();
});

// ---------------------------------------------------------------------------------------------
// Events

const suggestions = new Suggestions(ui.input, ui.suggestions, {
  onPick(text) {
    ui.input.value = text;
    state.q = text;
    commit();
  },
  onLeaveDown() {
    focusResult(0);
  },
});

// Typing: results and suggestions follow after a pause; the address is replaced, not pushed.
ui.input.addEventListener("input", () => {
  state.q = ui.input.value;
  state.offset = 0;
  suggestions.update(state.q);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    writeAddress("replace");
    search();
  }, DEBOUNCE_MS);
});

// Enter (no suggestion chosen) or the button: a committed search.
ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  suggestions.close();
  state.q = ui.input.value;
  commit();
});

ui.sort.addEventListener("change", () => {
  state.sort = SORTS.includes(ui.sort.value) ? ui.sort.value : "relevance";
  commit();
});

// Buttons and links the script renders (facets, chips, notices, pager, related talks).
document.addEventListener("click", (e) => {
  const target = e.target instanceof Element ? e.target.closest("button, a") : null;
  if (!target) return;
  const plain = e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey;
  const action = target.dataset.action;
  if (target.matches("button.facet-value[data-kind], button.chip[data-kind]")) {
    toggleFilter(target.dataset.kind, target.dataset.value);
  } else if (action === "clear-filters") {
    state.filters = [];
    commit();
  } else if (action === "did-you-mean" && plain) {
    e.preventDefault();
    ui.input.value = target.dataset.q;
    state.q = target.dataset.q;
    commit();
  } else if (action === "more") {
    search({ append: true });
  } else if (action === "previous" && plain) {
    e.preventDefault();
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    writeAddress("push");
    search();
  } else if (target.matches("button.related-toggle")) {
    toggleRelated(target);
  }
});

// Back and Forward: the address is the state.
window.addEventListener("popstate", () => {
  state = readAddress();
  ui.input.value = state.q;
  ui.sort.value = state.sort;
  suggestions.close();
  search();
});

// ---------------------------------------------------------------------------------------------
// Start: take over the server-rendered page.

document.documentElement.classList.add("js");
// The server wrote the filters as hidden inputs for script-less submits; the script keeps them.
for (const hidden of ui.form.querySelectorAll("input[type=hidden]")) hidden.remove();
if (ui.input.value !== state.q) state.q = ui.input.value; // typed before the script ran
ui.sort.value = state.sort;
if (state.q.trim() || state.filters.length) search();
