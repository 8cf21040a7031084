// combobox.js: the search box's suggestions dropdown, after the WAI-ARIA combobox pattern.
//
// The input gets role="combobox", aria-expanded and aria-controls; the popup is a
// role="listbox" of role="option" items; the option moved to with the arrow keys is named by
// aria-activedescendant while focus stays in the box. Suggestions come from /api/suggest.

/** Pause after a keystroke before asking the server (suggestions and results alike). */
const DEBOUNCE_MS = 120;

const KIND_LABELS = { term: "word", speaker: "speaker", event: "event", title: "talk" };

class Suggestions {
  /**
   * @param {HTMLInputElement} input the search box
   * @param {HTMLElement} listbox the (empty, hidden) popup list
   * @param {{onPick: (text: string) => void, onLeaveDown: () => void}} hooks
   *   onPick: a suggestion was chosen; onLeaveDown: ArrowDown past the last suggestion.
   */
  constructor(input, listbox, hooks) {
    this.input = input;
    this.listbox = listbox;
    this.hooks = hooks;
    this.items = [];
    this.active = -1;
    this.seq = 0;
    this.timer = 0;
    this.controller = null;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.addEventListener("keydown", (e) => this.onKey(e));
    input.addEventListener("blur", () => this.close());
    // Keep focus in the box when an option is clicked, so blur does not close the list first.
    listbox.addEventListener("mousedown", (e) => e.preventDefault());
    listbox.addEventListener("click", (e) => {
      const option = e.target.closest("[role=option]");
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  get isOpen() {
    return !this.listbox.hidden;
  }

  /** Call on every input: asks for suggestions for `text` once typing pauses. */
  update(text) {
    this.cancel();
    if (!text.trim()) {
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.load(text), DEBOUNCE_MS);
  }

  /** Forgets pending requests: an answer that arrives later is not shown. */
  cancel() {
    clearTimeout(this.timer);
    this.seq += 1;
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async load(text) {
    const mine = ++this.seq;
    this.controller = new AbortController();
    try {
      const resp = await fetch(`/api/suggest?q=${encodeURIComponent(text)}`, { signal: this.controller.signal });
      const data = resp.ok ? await resp.json() : { suggestions: [] };
      // Show only if nothing newer was asked and the box still says the same.
      if (mine !== this.seq || this.input.value !== text || document.activeElement !== this.input) return;
      this.show(data.suggestions || []);
    } catch (e) {
      if (e.name !== "AbortError" && mine === this.seq) this.close();
    }
  }

  /** Fills and opens the list (closes it when there is nothing worth showing). */
  show(suggestions) {
    const typed = this.input.value.trim().toLowerCase();
    this.items = suggestions.filter((s) => s && typeof s.text === "string" && s.text.toLowerCase() !== typed);
    this.listbox.replaceChildren(...this.items.map((s, i) => el("li", {
      id: `suggestion-${i}`, role: "option", "aria-selected": "false", "data-index": i, class: "suggestion",
    }, el("span", { class: "text" }, s.text), " ", el("span", { class: "kind" }, KIND_LABELS[s.kind] || ""))));
    this.setOpen(this.items.length > 0);
  }

  setOpen(open) {
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    if (!open) this.setActive(-1);
  }

  /** Closes the list and drops pending requests. */
  close() {
    this.cancel();
    this.setOpen(false);
  }

  /** Moves the highlight to option `i` (-1: none, back to what was typed). */
  setActive(i) {
    this.active = i;
    [...this.listbox.children].forEach((option, j) => option.setAttribute("aria-selected", String(j === i)));
    const option = this.listbox.children[i];
    if (option) {
      this.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  pick(i) {
    const suggestion = this.items[i];
    if (!suggestion) return;
    this.close();
    this.hooks.onPick(suggestion.text);
  }

  onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (this.isOpen && this.active < this.items.length - 1) {
          this.setActive(this.active + 1);
        } else {
          this.close();
          this.hooks.onLeaveDown();
        }
        break;
      case "ArrowUp":
        if (this.isOpen && this.active >= 0) {
          e.preventDefault();
          this.setActive(this.active - 1);
        }
        break;
      case "Enter":
        if (this.isOpen && this.active >= 0) {
          e.preventDefault();
          this.pick(this.active);
        } else {
          this.close(); // and the form submits: a committed search
        }
        break;
      case "Escape":
        if (this.isOpen) {
          e.preventDefault(); // a search input would also clear itself
          this.close();
        }
        break;
      default:
    }
  }
}
