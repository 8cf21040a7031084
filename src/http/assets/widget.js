// widget.js: turns an <input> on any page into a talksearch box with a results dropdown.
//
//   <input id="my-search" type="search" placeholder="Search talks">
//   <script src="http://HOST:PORT/widget.js" data-input="#my-search"></script>
//
// Optional: data-limit="8" (1..20 results). The server is the one the script was loaded from.
// Its API answers other origins only when started with --cors-origin for them.
//
// The host page's Content-Security-Policy may forbid inline style, so the dropdown is styled
// through element.style (CSSOM), which CSP allows. Talk data is inserted as text only.
(() => {
  "use strict";

  const script = document.currentScript || document.querySelector("script[src$='/widget.js'][data-input]");
  if (!script || !script.src) return;
  const origin = new URL(script.src, location.href).origin;
  const selector = script.dataset.input;
  const limit = Math.min(20, Math.max(1, Number.parseInt(script.dataset.limit || "8", 10) || 8));
  const DEBOUNCE_MS = 150;

  const STYLES = {
    list: {
      position: "absolute", zIndex: "2147483000", margin: "0", padding: "4px 0", listStyle: "none",
      background: "#fff", color: "#1d1d1f", border: "1px solid #c4c7c5", borderRadius: "6px",
      boxShadow: "0 6px 20px rgba(0,0,0,.15)", maxHeight: "70vh", overflowY: "auto", boxSizing: "border-box",
      font: "15px/1.35 system-ui, -apple-system, 'Segoe UI', sans-serif", textAlign: "left",
    },
    option: { padding: "6px 10px", cursor: "pointer" },
    link: { color: "#0b57d0", textDecoration: "none", display: "block" },
    meta: { display: "block", color: "#5f6368", fontSize: "13px" },
    mark: { background: "#ffe58a", color: "inherit", padding: "0" },
    note: { padding: "6px 10px", color: "#5f6368" },
    active: "#e8f0fe",
  };

  /** <tag> with CSSOM styles and text children: never parses HTML. */
  function el(tag, style, ...children) {
    const node = document.createElement(tag);
    Object.assign(node.style, style || {});
    node.append(...children);
    return node;
  }

  /** `text` with the character ranges `ranges` (code points) in <mark>. */
  function highlighted(text, ranges) {
    const frag = document.createDocumentFragment();
    const chars = Array.from(text || "");
    let at = 0;
    for (const [from, to] of [...(ranges || [])].sort((a, b) => a[0] - b[0])) {
      const start = Math.max(from, at);
      const end = Math.min(to, chars.length);
      if (end <= start) continue;
      frag.append(chars.slice(at, start).join(""), el("mark", STYLES.mark, chars.slice(start, end).join("")));
      at = end;
    }
    frag.append(chars.slice(at).join(""));
    return frag;
  }

  /** The address if it is http(s), else null. */
  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function attach(input) {
    const id = `talksearch-${Math.random().toString(36).slice(2, 10)}`;
    const list = el("ul", STYLES.list);
    list.id = id;
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Talks");
    document.body.append(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");

    let options = []; // the <li role=option> elements
    let active = -1;
    let seq = 0;
    let timer = 0;
    let controller = null;

    function place() {
      const r = input.getBoundingClientRect();
      Object.assign(list.style, {
        left: `${r.left + window.scrollX}px`, top: `${r.bottom + window.scrollY + 2}px`,
        width: `${Math.max(r.width, 280)}px`,
      });
    }

    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", String(show));
      if (show) place();
      else setActive(-1);
    }

    function setActive(i) {
      active = i;
      options.forEach((option, j) => {
        option.setAttribute("aria-selected", String(j === i));
        option.style.background = j === i ? STYLES.active : "";
      });
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function option(i, content, href) {
      const li = el("li", STYLES.option, href ? el("a", STYLES.link, ...content) : el("span", {}, ...content));
      if (href) {
        li.firstChild.href = href;
        li.firstChild.tabIndex = -1;
        li.firstChild.rel = "noopener noreferrer";
      }
      li.id = `${id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.addEventListener("mousemove", () => setActive(i));
      return li;
    }

    function render(q, data) {
      const hits = data.hits || [];
      options = hits.map((hit, i) => {
        const year = hit.date ? hit.date.slice(0, 4) : "";
        const meta = [hit.event, year].filter(Boolean).join(" · ");
        const title = hit.title ? highlighted(hit.title, hit.title_highlights) : "(untitled)";
        return option(i, [title, el("span", STYLES.meta, meta)], safeUrl(hit.url));
      });
      const all = `${origin}/?${new URLSearchParams({ q })}`;
      if (data.total > hits.length) {
        options.push(option(hits.length, [`All ${data.total} results on talksearch`], all));
      }
      const notes = hits.length ? [] : [el("li", STYLES.note, "No talks match.")];
      notes.forEach((n) => n.setAttribute("role", "presentation"));
      list.replaceChildren(...options, ...notes);
      active = -1;
      open(true);
    }

    async function load(q) {
      const mine = ++seq;
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const params = new URLSearchParams({ q, limit: String(limit) });
        const resp = await fetch(`${origin}/api/search?${params}`, {
          mode: "cors", credentials: "omit", signal: controller.signal, headers: { Accept: "application/json" },
        });
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        const data = await resp.json();
        if (mine === seq && input.value === q) render(q, data);
      } catch (e) {
        if (e.name === "AbortError" || mine !== seq) return;
        options = [];
        const note = el("li", STYLES.note, "Talk search is unavailable.");
        note.setAttribute("role", "presentation");
        list.replaceChildren(note);
        open(true);
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      seq += 1;
      const q = input.value;
      if (!q.trim()) {
        open(false);
        return;
      }
      timer = setTimeout(() => load(q), DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden || !options.length) return;
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        setActive(Math.min(options.length - 1, Math.max(-1, active + step)));
      } else if (e.key === "Enter" && !list.hidden && options[active]) {
        e.preventDefault();
        const link = options[active].querySelector("a");
        if (link) link.click();
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault();
        open(false);
      }
    });

    input.addEventListener("blur", () => open(false));
    input.addEventListener("focus", () => {
      if (options.length && input.value.trim()) open(true);
    });
    // Keep focus in the box while clicking a result, so blur does not close the list first.
    list.addEventListener("mousedown", (e) => e.preventDefault());
    window.addEventListener("resize", () => list.hidden || place());
  }

  function start() {
    let input = null;
    try {
      input = selector ? document.querySelector(selector) : null;
    } catch {
      // an invalid selector: warned about below
    }
    if (input instanceof HTMLInputElement) attach(input);
    else console.warn(`talksearch widget: no <input> matches data-input="${selector || ""}"`);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
