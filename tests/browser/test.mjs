// Browser test of the search page and the widget: a real headless Chromium (Debian's) driven by
// playwright-core against a running `talksearch serve` (see run.sh, which starts it on the
// fixture talks and sets TALKSEARCH_URL).
//
//   TALKSEARCH_URL=http://127.0.0.1:PORT node --test tests/browser/test.mjs
//
// WIDGET_ORIGIN (http://127.0.0.1:OTHER_PORT, given to the server with --cors-origin by run.sh)
// is where the widget test serves the page that embeds /widget.js.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const BASE = process.env.TALKSEARCH_URL;
if (!BASE) throw new Error("set TALKSEARCH_URL to a running talksearch server");
const WIDGET_ORIGIN = process.env.WIDGET_ORIGIN;
if (!WIDGET_ORIGIN) throw new Error("set WIDGET_ORIGIN to http://127.0.0.1:PORT, an origin the server allows");
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");
mkdirSync(SHOTS, { recursive: true });

const TIMEOUT = 5000;
let browser;
/** Everything that would mean a script ran or the page broke: dialogs, errors, CSP refusals. */
const incidents = [];

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  // Links to videos go to example.org: answer them here, the test has no network.
  await context.route(/^https?:\/\/example\.org\//, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>video</title>video" }));
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("dialog", (dialog) => {
    incidents.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("pageerror", (error) => incidents.push(`page error: ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource/.test(msg.text())) {
      incidents.push(`console error: ${msg.text()}`);
    }
  });
  return page;
}

const titles = (page) => page.locator("#hits > li.hit h2").allTextContents();
const shot = (page, name) => page.screenshot({ path: join(SHOTS, name), fullPage: false });
/** Waits until the script has rendered results (server-rendered hits have no Related button). */
const scripted = (page) => page.locator("#hits > li.hit .related-toggle").first().waitFor();

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
});

describe("search page", () => {
  let page;
  let historyBefore;

  before(async () => {
    page = await newPage();
    await page.goto(`${BASE}/`);
  });

  test("'/' focuses the box and results follow typing, key by key", async () => {
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement.id), "q");
    historyBefore = await page.evaluate(() => history.length);
    await page.keyboard.type("corout", { delay: 40 });
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("match “corout”"));
    await scripted(page);
    const found = await titles(page);
    assert.ok(found.length >= 5, `coroutine talks: ${found}`);
    assert.ok(found.slice(0, 5).every((t) => /coroutine/i.test(t)), `top titles: ${found}`);
    assert.ok(await page.locator("#hits h2 mark").count() >= 3, "matched words highlighted in titles");
    assert.match(await page.locator("#hits .meta").first().textContent(), /EuroPython 2020 · 2020-07-23 · 45 min/);
    assert.equal(new URL(page.url()).searchParams.get("q"), "corout", "the address follows the box");
    assert.equal(await page.evaluate(() => history.length), historyBefore, "typing replaces, never pushes");
    assert.match(await page.title(), /^corout · talksearch/);
  });

  test("suggestions dropdown: combobox, arrows, Escape", async () => {
    const box = page.locator("#q");
    await page.locator("#suggestions [role=option]").first().waitFor();
    assert.equal(await box.getAttribute("role"), "combobox");
    assert.equal(await box.getAttribute("aria-expanded"), "true");
    assert.equal(await box.getAttribute("aria-controls"), "suggestions");
    await shot(page, "suggestions.png");
    await page.keyboard.press("ArrowDown");
    const first = await page.locator("#suggestions [role=option]").first().getAttribute("id");
    assert.equal(await box.getAttribute("aria-activedescendant"), first);
    assert.equal(await page.locator(`#${first}`).getAttribute("aria-selected"), "true");
    await page.keyboard.press("Escape");
    assert.equal(await box.getAttribute("aria-expanded"), "false");
    assert.ok(await page.locator("#suggestions").isHidden());
    assert.equal(await box.inputValue(), "corout", "Escape keeps the text");
  });

  test("ArrowDown walks from the box into the results, ArrowUp back", async () => {
    await page.keyboard.press("ArrowDown");
    const firstTitle = (await titles(page))[0];
    assert.equal(await page.evaluate(() => document.activeElement.textContent), firstTitle);
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), (await titles(page))[1]);
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    assert.equal(await page.evaluate(() => document.activeElement.id), "q");
  });

  test("a year facet filters the list and the address; Back and Forward restore", async () => {
    const year = page.locator('#facets button[data-kind=year][data-value="2019"]');
    assert.match(await year.textContent(), /2019\s*2/);
    await year.click();
    await page.waitForURL(/year=2019/);
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length === 2);
    for (const date of await page.locator("#hits .date").allTextContents()) assert.match(date, /^2019-/);
    assert.equal(await page.locator('#facets button[data-kind=year][data-value="2019"]').getAttribute("aria-pressed"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.value), "2019", "focus stays on the facet");
    assert.match(await page.locator("#chips").textContent(), /Year: 2019/);
    assert.equal(await page.evaluate(() => history.length), historyBefore + 1, "a facet click pushes");
    assert.match(await page.locator("#status").textContent(), /^2 talks match/);
    // The other years stay listed (values of one kind are alternatives): add 2020.
    await page.locator('#facets button[data-kind=year][data-value="2020"]').click();
    await page.waitForURL(/year=2019&year=2020/);
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length === 3);
    await shot(page, "facets.png");

    await page.goBack();
    await page.waitForURL((url) => url.searchParams.getAll("year").join() === "2019");
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length === 2);
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has("year") && url.searchParams.get("q") === "corout");
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length >= 5);
    assert.equal(await page.locator("#chips .chip").count(), 0);
    assert.equal(await page.locator("#q").inputValue(), "corout");
    await page.goForward();
    await page.waitForURL(/year=2019/);
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length === 2);
    // Removing the chip clears the filter.
    await page.locator("#chips button.chip").click();
    await page.waitForURL((url) => !url.searchParams.has("year"));
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length >= 5);
  });

  test("sort by newest changes the order and the address", async () => {
    await page.selectOption("#sort", "newest");
    await page.waitForURL(/sort=newest/);
    await page.waitForFunction(() => {
      const d = [...document.querySelectorAll("#hits .date")].map((n) => n.textContent);
      return d.length >= 5 && d.every((x, i) => i === 0 || d[i - 1] >= x);
    });
    await page.selectOption("#sort", "relevance");
    await page.waitForURL((url) => !url.searchParams.has("sort"));
  });

  test("related talks open inline", async () => {
    const hit = page.locator("#hits > li.hit").first();
    await hit.locator(".related-toggle").click();
    assert.equal(await hit.locator(".related-toggle").getAttribute("aria-expanded"), "true");
    const related = hit.locator(".related");
    await related.locator("li").first().waitFor();
    const items = await related.locator("li").allTextContents();
    assert.ok(items.length >= 1, `related: ${items}`);
    assert.ok(items.some((t) => /coroutine|async|event loop|concurrency/i.test(t)), `related: ${items}`);
    await shot(page, "related.png");
    await page.screenshot({ path: join(SHOTS, "desktop.png") });
    await hit.locator(".related-toggle").click();
    assert.ok(await related.isHidden());
  });

  test("a suggestion picked with the keyboard fills the box and searches", async () => {
    await page.locator("#q").fill("");
    await page.locator("#q").focus();
    await page.keyboard.type("luk", { delay: 30 });
    await page.locator("#suggestions [role=option]").first().waitFor();
    assert.match(await page.locator("#suggestions [role=option]").first().textContent(), /Łukasz Langa/);
    const before = await page.evaluate(() => history.length);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("q") === "Łukasz Langa");
    assert.equal(await page.locator("#q").inputValue(), "Łukasz Langa");
    await page.waitForFunction(() => document.querySelector("#hits .speakers mark")?.textContent === "Łukasz");
    assert.equal(await page.evaluate(() => history.length), before + 1, "a picked suggestion pushes");
  });

  test("Enter on a result follows its video link", async () => {
    await page.locator("#q").focus();
    await page.keyboard.press("ArrowDown");
    await Promise.all([page.waitForURL(/example\.org\/v\/3/), page.keyboard.press("Enter")]);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById("q").value === "Łukasz Langa");
  });

  test("More results appends the next page", async () => {
    await page.goto(`${BASE}/?language=eng`);
    await scripted(page);
    assert.equal(await page.locator("#hits > li.hit").count(), 10);
    assert.match(await page.locator("#pager").textContent(), /Showing 1–10 of 13/);
    await page.locator("#pager button[data-action=more]").click();
    await page.waitForFunction(() => document.querySelectorAll("#hits > li.hit").length === 13);
    assert.equal(await page.locator("#pager button").count(), 0);
  });

  test("API errors are shown as text; empty results suggest removing filters", async () => {
    await page.goto(`${BASE}/?q=python&year=abc`);
    const error = page.locator("#notice .error");
    await error.waitFor();
    assert.match(await error.textContent(), /parameter `year`: "abc" is not a year/);
    await page.goto(`${BASE}/?q=pandas&year=2012`);
    await page.locator("#notice .empty").waitFor();
    assert.match(await page.locator("#status").textContent(), /^0 talks match/);
    await page.locator("#notice [data-action=clear-filters]").click();
    await page.waitForURL((url) => !url.searchParams.has("year"));
    await page.locator("#hits > li.hit").first().waitFor();
  });
});

describe("responses", () => {
  test("a stale answer never overwrites a newer one; did-you-mean links to the fix", async () => {
    const page = await newPage();
    // Hold back the answer for "c" until the one for "co" has been shown.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route(/\/api\/search\?q=c&/, async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    await page.route(/\/api\/search\?q=cx&/, (route) => route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({ query: "cx", total: 0, took_ms: 0, hits: [], suggestion: "c++" }),
    }));
    await page.goto(`${BASE}/`);
    await page.locator("#q").focus();
    await page.keyboard.type("c");
    await page.waitForTimeout(300); // the request for "c" is in flight
    await page.keyboard.type("x");
    const link = page.locator("#notice .didyoumean a");
    await link.waitFor();
    release();
    await page.waitForTimeout(300);
    assert.equal(await link.textContent(), "c++", "the later answer stays");
    assert.match(await page.locator("#status").textContent(), /^0 talks match “cx”/);
    await link.click();
    await page.waitForURL((url) => url.searchParams.get("q") === "c++");
    await page.waitForFunction(() => [...document.querySelectorAll("#hits h2")].some((h) => h.textContent.includes("C++")));
    await page.context().close();
  });
});

describe("talk text is never run", () => {
  test("the XSS talk renders literally, and no script runs", async () => {
    const page = await newPage();
    await page.goto(`${BASE}/?q=escaping`);
    await scripted(page);
    const hit = page.locator("#hits > li.hit").first();
    assert.equal(await hit.locator("h2").textContent(), "<script>alert('title')</script> and <img src=x onerror=alert(1)>");
    assert.equal(await hit.locator(".speakers").textContent(), "<b>Mallory</b>");
    assert.match(await hit.locator(".snippet").textContent(), /<script>alert\('abstract'\)<\/script> <img src=x onerror=alert\(2\)>/);
    assert.equal(await hit.locator("h2 a").count(), 0, "a javascript: URL is not linked");
    assert.equal(await page.locator("#hits script, #hits img, #hits b, #suggestions b").count(), 0);
    // The same talk through the suggestions and the related list.
    await page.locator("#q").fill("");
    await page.keyboard.type("mallo", { delay: 30 });
    await page.locator("#suggestions [role=option]").first().waitFor();
    assert.match(await page.locator("#suggestions").textContent(), /<b>Mallory<\/b>/);
    assert.equal(await page.locator("#suggestions b").count(), 0);
    await page.goto(`${BASE}/?q=escaping`);
    await scripted(page);
    await shot(page, "xss.png");
    assert.deepEqual(incidents, [], "no dialog, page error or CSP refusal");
    await page.context().close();
  });
});

describe("without JavaScript", () => {
  test("the server renders results, facets and filters as links", async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${BASE}/?q=corout&year=2019`);
    assert.equal(await page.locator("#hits > li.hit").count(), 2);
    assert.match(await page.locator("#status").textContent(), /^2 talks match “corout”/);
    assert.match(await page.locator("#chips").textContent(), /Year: 2019/);
    await page.locator('#facets a.facet-value[aria-current="true"]').click(); // clears the year
    await page.waitForURL((url) => !url.searchParams.has("year"));
    assert.ok(await page.locator("#hits > li.hit").count() >= 5);
    await page.goto(`${BASE}/?q=escaping`);
    assert.match(await page.locator("#hits h2").first().textContent(), /^<script>alert/);
    assert.equal(await page.locator("#hits script, #hits img").count(), 0);
    await shot(page, "no-js.png");
    await page.context().close();
  });
});

describe("phone width", () => {
  test("one column, filters below the results", async () => {
    const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${BASE}/?q=coroutines`);
    await scripted(page);
    const hits = await page.locator("#hits").boundingBox();
    const facets = await page.locator("#facets").boundingBox();
    assert.ok(facets.y > hits.y + hits.height - 1, "facets below results");
    assert.ok(hits.width <= 390, "no horizontal overflow");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
    await shot(page, "phone.png");
    await page.context().close();
  });
});

describe("widget.js", () => {
  test("turns an input on another page into a talksearch box", async () => {
    // Another site: a page on another origin (a real server: Chromium's private network rules
    // treat a loopback page apart from a made-up one) with a strict CSP of its own.
    const origin = new URL(WIDGET_ORIGIN);
    const host = createServer((req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": `default-src 'none'; script-src ${BASE}; connect-src ${BASE}`,
      });
      res.end(`<!doctype html><title>A blog</title><h1>My blog</h1>
        <label>Find a talk <input id="my-search" type="search"></label>
        <script src="${BASE}/widget.js" data-input="#my-search"></script>`);
    });
    await new Promise((resolve) => host.listen(Number(origin.port), origin.hostname, resolve));
    const page = await newPage();
    await page.goto(`${WIDGET_ORIGIN}/blog.html`);
    const box = page.locator("#my-search");
    assert.equal(await box.getAttribute("role"), "combobox");
    await box.focus();
    await page.keyboard.type("corout", { delay: 30 });
    const listbox = page.locator(`#${await box.getAttribute("aria-controls")}`);
    await listbox.locator("[role=option]").first().waitFor();
    const options = await listbox.locator("[role=option]").allTextContents();
    assert.ok(options.length >= 5, `options: ${options}`);
    assert.match(options[0], /Coroutine internals.*EuroPython 2020 · 2020/);
    await shot(page, "widget.png");
    await page.keyboard.press("Escape");
    assert.ok(await listbox.isHidden());
    // Talk text stays text here too.
    await box.fill("");
    await page.keyboard.type("escaping", { delay: 20 });
    await listbox.locator("[role=option]").first().waitFor();
    assert.match(await listbox.textContent(), /<script>alert\('title'\)<\/script>/);
    assert.equal(await listbox.locator("script, img").count(), 0);
    await box.fill("");
    await page.keyboard.type("corout", { delay: 20 });
    await listbox.locator("[role=option]").first().waitFor();
    await page.keyboard.press("ArrowDown");
    await Promise.all([page.waitForURL(/example\.org\/v\/104/), page.keyboard.press("Enter")]);
    assert.deepEqual(incidents, []);
    await page.context().close();
    host.close();
  });
});
