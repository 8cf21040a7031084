// render.js: builds the page's DOM from API data. No state, no fetching.
//
// The page script is this file, combobox.js and app.js, in that order, inside one closure
// (see page.rs). Everything that comes from talk data is inserted as TEXT: element.append(string)
// and textContent create text nodes; attributes are set with setAttribute, and a link's href only
// ever holds an http(s) address or an address of this page. Nothing here parses HTML.

/** Filter kinds a page address carries, in the order it writes them, with their labels. */
const FILTER_LABELS = {
  event: "Event", year: "Year", speaker: "Speaker", tag: "Tag", language: "Language",
  year_from: "From", year_to: "Until",
};
const FILTER_KINDS = Object.keys(FILTER_LABELS);
/** Facets shown in the sidebar, in order. */
const FACET_KINDS = ["event", "year", "speaker", "tag", "language"];

/**
 * el("a", {href: "/x", class: "c"}, "text", child) -> <a href="/x" class="c">text<child></a>.
 * Attributes that are null, undefined or false are left out; strings become text nodes.
 */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/**
 * `text` with the character ranges `ranges` ([[from, to], ...], code points, `to` exclusive)
 * wrapped in <mark>: a fragment of text nodes and mark elements.
 */
function highlighted(text, ranges) {
  const frag = document.createDocumentFragment();
  const chars = Array.from(text || "");
  const sorted = (ranges || []).filter((r) => Array.isArray(r) && r.length === 2).sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [from, to] of sorted) {
    const start = Math.max(from, at);
    const end = Math.min(to, chars.length);
    if (end <= start) continue;
    if (start > at) frag.append(chars.slice(at, start).join(""));
    frag.append(el("mark", {}, chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) frag.append(chars.slice(at).join(""));
  return frag;
}

/** The address if it is http(s), else null (a javascript: or relative URL is never linked). */
function safeUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** 2460 -> "41 min", 3900 -> "1 h 5 min". */
function formatDuration(seconds) {
  if (typeof seconds !== "number" || seconds <= 0) return null;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "1 talk", "12 talks". */
function talksCount(n) {
  return n === 1 ? "1 talk" : `${n.toLocaleString("en")} talks`;
}

/** A talk's title, linked to its video when that is an http(s) address. */
function titleNode(hit, highlights) {
  const content = hit.title
    ? highlighted(hit.title, highlights)
    : el("span", { class: "untitled" }, "(untitled)");
  const href = safeUrl(hit.url);
  return href ? el("a", { href, rel: "noopener noreferrer" }, content) : el("span", {}, content);
}

/** "Speakers · Event · 2012-03-10 · 41 min", speakers highlighted. */
function metaLine(hit) {
  const parts = [];
  const speakers = hit.speakers || [];
  if (speakers.length) {
    const span = el("span", { class: "speakers" });
    speakers.forEach((name, i) => {
      if (i) span.append(", ");
      span.append(highlighted(name, (hit.speaker_highlights || [])[i]));
    });
    parts.push(span);
  }
  if (hit.event) parts.push(el("span", { class: "event" }, hit.event));
  if (hit.date) parts.push(el("span", { class: "date" }, hit.date));
  const duration = formatDuration(hit.duration_s);
  if (duration) parts.push(el("span", { class: "duration" }, duration));
  const p = el("p", { class: "meta" });
  parts.forEach((part, i) => p.append(...(i ? [" · ", part] : [part])));
  return p;
}

let panelIds = 0;

/** One result: title, meta line, snippet, and a "Related talks" button with its (empty) panel. */
function hitItem(hit) {
  const panelId = `related-${++panelIds}`;
  const li = el("li", { class: "hit", "data-id": hit.id, tabindex: "-1" },
    el("h2", { class: "title" }, titleNode(hit, hit.title_highlights)),
    metaLine(hit),
    hit.snippet ? el("p", { class: "snippet" }, highlighted(hit.snippet, hit.highlights)) : null,
    el("button", {
      type: "button", class: "related-toggle", "aria-expanded": "false", "aria-controls": panelId,
    }, "Related talks"),
    el("div", { id: panelId, class: "related", hidden: true }));
  return li;
}

/** The related talks of a hit: a compact list (title, event, year). */
function relatedList(hits) {
  if (!hits.length) return el("p", { class: "status" }, "No related talks found.");
  return el("ul", { class: "related-list" }, hits.map((hit) => {
    const meta = [hit.event, hit.date && hit.date.slice(0, 4)].filter(Boolean).join(" · ");
    return el("li", {}, titleNode(hit, []), meta ? el("span", { class: "meta" }, ` — ${meta}`) : null);
  }));
}

/** A sidebar section for one facet: toggle buttons with counts. */
function facetSection(kind, values, more, isActive) {
  const headingId = `facet-${kind}`;
  return el("section", { class: "facet" },
    el("h2", { id: headingId }, FILTER_LABELS[kind]),
    el("ul", { "aria-labelledby": headingId }, values.map(({ value, count }) => el("li", {},
      el("button", {
        type: "button", class: "facet-value", "data-kind": kind, "data-value": value,
        "aria-pressed": isActive(kind, value) ? "true" : "false",
      }, el("span", { class: "label" }, value), " ", el("span", { class: "count" }, String(count)))))),
    more > 0 ? el("p", { class: "more" }, `and ${more} more`) : null);
}

/** A removable active filter. */
function chip(kind, value) {
  const text = `${FILTER_LABELS[kind]}: ${value}`;
  return el("button", {
    type: "button", class: "chip", "data-kind": kind, "data-value": value, "aria-label": `Remove filter ${text}`,
  }, text, " ", el("span", { "aria-hidden": "true" }, "×"));
}

/** The "no results" notice, with a way out. */
function emptyNotice(hasFilters) {
  return hasFilters
    ? el("p", { class: "empty" }, "No talks match with these filters. ",
      el("button", { type: "button", class: "link", "data-action": "clear-filters" }, "Remove all filters"),
      " or try fewer or other words.")
    : el("p", { class: "empty" }, "No talks match. Try fewer or other words, or a speaker's name.");
}

/** "Did you mean <a>suggestion</a>?": a real link to the corrected search. */
function didYouMean(text, href) {
  return el("p", { class: "didyoumean" }, "Did you mean ",
    el("a", { href, "data-action": "did-you-mean", "data-q": text }, text), "?");
}

/** An error message from the API, as text. */
function errorNotice(message) {
  return el("p", { class: "error", role: "alert" }, `That search could not be run: ${message}`);
}
