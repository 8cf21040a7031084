#!/usr/bin/env python3
"""The write side and the final check of scripts/soak.sh (standard library only).

    writer.py ready  --port P
    writer.py write  --binary B --index DIR --port P --corpus talks.jsonl --seconds N --work DIR
    writer.py verify --binary B --index DIR --port P --corpus talks.jsonl --work DIR
                     --wrk-out F --rss F --server-log F --load-start T --load-end T

`write` runs three threads for N seconds:

- api: adds new talks (NDJSON bodies of 1-3 talks), replaces its own talks, and removes its
  own talks and corpus talks, through POST /api/talks and DELETE /api/talks/{id};
- cli: the same with `talksearch add FILE` and `talksearch remove ID`;
- reimport: at 25% and 60% of the run, re-imports the whole index with `talksearch index FILE`.

Every write is logged (work/writes.jsonl) with when it was sent and answered and its outcome:
`ok` (2xx, exit 0: acknowledged), `rejected` (definitely not applied: 409 index busy or "being
written by another process", 404 / exit 4 for an id the index does not have), or `unknown`
(anything else: 5xx, a timeout, a dropped connection; counted as a failure, except a 503 with
Retry-After, the concurrency limit's deliberate answer, which is counted apart).

The rule for acknowledged writes. A re-import replaces the index with the file's contents, so
the file is made from what the writer knows: the corpus, less the corpus talks whose removal
was acknowledged, plus the writer's own talks whose last acknowledged write added them (the
last version). The file is snapshotted under the same lock the writers log their acknowledged
writes under, so every write is either in the file (acknowledged before the snapshot) or
after it. A write acknowledged after the snapshot but sent before the re-import process exited
raced the re-import: if it committed before the re-import took the index's write lock, the
re-import legitimately replaced it. So, with S the last re-import's snapshot and E the moment
that process exited, each talk touched must end up as the last acknowledged write to it left
it, when that write was acknowledged before S (carried by the file) or sent after E (applied
on the new index); if it was acknowledged after S and sent before E, the talk's state is not
checked (counted as "raced the last re-import"). A talk whose writes were all rejected must be
as it was (absent for new ids, present for corpus ids).

`verify` waits until the server agrees with the index on disk, then checks every talk with a
determined state through GET /api/talks/{id} (200 with the expected title, or 404), every
present talk of the writer's through a search for its unique title word, the export of the
index (no duplicate ids; the same state), and the total count; it then prints the summary with
the load figures (wrk), memory (RSS samples) and the server log's warnings, and exits 1 if
anything failed.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
REIMPORT_AT = (0.25, 0.60)
BUSY = "being written by another process"


def now():
    return time.time()


RUNNING = set()  # talksearch processes started by `write`, killed if it is terminated


def run_talksearch(argv, timeout):
    """(exit code, stderr) of a talksearch command; -1 if it timed out (it is then killed)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    RUNNING.add(proc)
    try:
        _, err = proc.communicate(timeout=timeout)
        return proc.returncode, err.strip()
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -1, f"timed out after {timeout} s"
    finally:
        RUNNING.discard(proc)


def on_terminate(signum, _frame):
    for proc in list(RUNNING):
        proc.kill()
    sys.exit(128 + signum)


# ---------------------------------------------------------------------------------------------
# HTTP


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, port, token=None, timeout=30):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict, body bytes); status 0 with the error text on a transport error."""
        hdrs = dict(headers or {})
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                # A keep-alive connection the server closed while idle: retry once on a new one,
                # but only if the request cannot have been processed (GET), or report it.
                self.conn.close()
                self.conn = None
                if method != "GET" or attempt == 1:
                    return 0, {}, f"{type(e).__name__}: {e}".encode()
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                return 0, {}, f"{type(e).__name__}: {e}".encode()
        return 0, {}, b"unreachable"


def talk_path(talk_id):
    return "/api/talks/" + urllib.parse.quote(talk_id, safe="/")


# ---------------------------------------------------------------------------------------------
# write


class Shared:
    """What the writers know, and the log of every write; changed only under `lock`."""

    def __init__(self, corpus, work):
        self.lock = threading.Lock()
        self.corpus = corpus  # list of (id, line, title)
        self.removed_corpus = set()
        self.own = {}  # id -> record, talks of the writer that its acknowledged writes left in
        self.snapshots = 0  # re-import snapshots taken so far
        self.reimporting = False
        self.reimport_times = []  # each re-import's snapshot and end
        self.log = open(os.path.join(work, "writes.jsonl"), "w", encoding="utf-8")
        self.ops = 0

    def record(self, op, applied=None):
        """Logs a write (with the snapshot epoch) and, when acknowledged, applies it to what the
        writers know, atomically with respect to a re-import's snapshot."""
        with self.lock:
            self.ops += 1
            op["n"] = self.ops
            op["epoch"] = self.snapshots
            if op["outcome"] == "ok" and applied:
                applied(self)
            self.log.write(json.dumps(op, ensure_ascii=False) + "\n")
            self.log.flush()


def load_corpus(path):
    corpus = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                corpus.append((record["id"], line.rstrip("\n"), record["title"]))
    return corpus


def letters(n):
    """0 -> 'a', 25 -> 'z', 26 -> 'ba': a word without digits, unique per n."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


class Writer(threading.Thread):
    """One writing thread: `via` is "api" or "cli"; corpus talks it may remove are its share."""

    def __init__(self, via, shared, args, deadline, corpus_share, rng):
        super().__init__(name=via, daemon=True)
        self.via, self.shared, self.args, self.deadline = via, shared, args, deadline
        self.rng = rng
        self.available = corpus_share  # corpus ids this thread may remove
        # Ids with characters a URL must escape (accents, Hangul, commas, `&`, `;`).
        self.odd = [i for i in corpus_share if not re.fullmatch(r"[A-Za-z0-9._/-]+", i)]
        self.mine = {}  # id -> version, own talks believed present
        self.next_id = 0
        self.client = Client(args.port, token=args.token) if via == "api" else None
        self.reader = Client(args.port)
        self.ryw = {"checked": 0, "failed": 0, "skipped": 0, "failures": []}
        self.topics = [t for t in open(args.topics, encoding="utf-8").read().split("\n") if t.strip()]

    def make_talk(self, talk_id, n, version):
        word = "soak" + letters(n) + ("cli" if self.via == "cli" else "api") + "v" + letters(version)
        donor = json.loads(self.rng.choice(self.shared.corpus)[1])
        return {
            "id": talk_id,
            "title": f"{self.rng.choice(self.topics).title()} ({word})",
            "speakers": ["Soak Writer"],
            "abstract": donor.get("abstract") or "A talk the soak test wrote.",
            "event": "Soak Test",
            "date": "2024-06-01",
            "tags": ["soak"],
            "language": "eng",
        }

    def run(self):
        pause = (0.05, 0.3) if self.via == "api" else (0.1, 0.4)
        while now() < self.deadline:
            choice = self.rng.random()
            own = list(self.mine)
            if len(own) < 3 or choice < 0.45:
                self.add_new()
            elif choice < 0.60:
                self.replace(self.rng.choice(own))
            elif choice < 0.85:
                self.remove(self.rng.choice(own), own_talk=True)
            elif self.available:
                # One in five corpus removals takes an id with characters a URL must escape.
                odd = self.odd and self.rng.random() < 0.2
                pick = self.rng.choice(self.odd if odd else self.available)
                self.available.remove(pick)
                if pick in self.odd:
                    self.odd.remove(pick)
                self.remove(pick, own_talk=False)
            time.sleep(self.rng.uniform(*pause))

    # -- the three kinds of write ----------------------------------------------------------

    def add_new(self):
        count = self.rng.choice((1, 1, 2, 3)) if self.via == "api" else self.rng.choice((1, 2))
        talks = []
        for _ in range(count):
            n = self.next_id
            self.next_id += 1
            talks.append(self.make_talk(f"soak-{self.via}/talk-{n}", n, 1))
        self.upsert(talks, [1] * count, "add")

    def replace(self, talk_id):
        n = int(talk_id.rsplit("-", 1)[1])
        version = self.mine[talk_id] + 1
        self.upsert([self.make_talk(talk_id, n, version)], [version], "replace")

    def upsert(self, talks, versions, kind):
        body = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in talks)
        op = {"via": self.via, "op": "add", "kind": kind, "ids": [t["id"] for t in talks],
              "titles": [t["title"] for t in talks]}
        if self.via == "api":
            op.update(self.send("POST", "/api/talks", body.encode(), {"Content-Type": "application/x-ndjson"}))
        else:
            path = os.path.join(self.args.work, "cli-add.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.write(body)
            op.update(self.run_cli(["add", path]))

        def applied(shared):
            for t in talks:
                shared.own[t["id"]] = t

        self.shared.record(op, applied)
        if op["outcome"] == "ok":
            for t, version in zip(talks, versions):
                self.mine[t["id"]] = version
            if self.via == "api":
                self.read_your_write(op, talks[0]["id"], talks[0]["title"])
        return op["outcome"] == "ok"

    def remove(self, talk_id, own_talk):
        op = {"via": self.via, "op": "remove", "kind": "own" if own_talk else "corpus", "ids": [talk_id]}
        if self.via == "api":
            op.update(self.send("DELETE", talk_path(talk_id)))
        else:
            op.update(self.run_cli(["remove", talk_id]))

        def applied(shared):
            shared.own.pop(talk_id, None)
            if not own_talk:
                shared.removed_corpus.add(talk_id)

        self.shared.record(op, applied)
        if op["outcome"] == "ok" or (op["outcome"] == "rejected" and own_talk):
            # Rejected as unknown: a re-import the writes raced dropped it; either way it is gone.
            self.mine.pop(talk_id, None)
        if op["outcome"] == "ok" and self.via == "api":
            self.read_your_write(op, talk_id, None)
        return op["outcome"] == "ok"

    # -- transports --------------------------------------------------------------------------

    def send(self, method, path, body=None, headers=None):
        sent = now()
        status, hdrs, data = self.client.request(method, path, body, headers)
        acked = now()
        out = {"sent": sent, "acked": acked, "status": status}
        if 200 <= status < 300:
            out["outcome"] = "ok"
        elif status == 409 or (status == 404 and method == "DELETE"):
            out["outcome"] = "rejected"
        else:
            out["outcome"] = "unknown"
            out["retry_after"] = "retry-after" in hdrs
        if out["outcome"] != "ok":
            out["detail"] = data[:300].decode("utf-8", "replace")
        return out

    def run_cli(self, argv):
        sent = now()
        rc, err = run_talksearch([self.args.binary, "--index", self.args.index, *argv], timeout=120)
        out = {"sent": sent, "acked": now(), "status": rc}
        if rc == 0:
            out["outcome"] = "ok"
        elif (rc == 1 and BUSY in err) or rc == 4:
            out["outcome"] = "rejected"
        else:
            out["outcome"] = "unknown"
        if rc != 0:
            out["detail"] = err[-300:]
        return out

    def read_your_write(self, op, talk_id, title):
        """README: a write API change is visible to this server's searches when the answer
        arrives. Checked unless a re-import was running or snapshotted or finished between
        sending the write and the end of this read."""
        status, _, data = self.reader.request("GET", talk_path(talk_id))
        read_end = now()
        with self.shared.lock:
            raced = self.shared.reimporting or any(op["sent"] <= t <= read_end for t in self.shared.reimport_times)
        if raced:
            self.ryw["skipped"] += 1
            return
        self.ryw["checked"] += 1
        ok = (status == 200 and json.loads(data).get("title") == title) if title else status == 404
        if not ok:
            self.ryw["failed"] += 1
            self.ryw["failures"].append({"n": op["n"], "id": talk_id, "status": status,
                                         "body": data[:200].decode("utf-8", "replace")})


class Reimporter(threading.Thread):
    def __init__(self, shared, args, start, rng):
        super().__init__(name="reimport", daemon=True)
        self.shared, self.args, self.start_t = shared, args, start
        self.done = []

    def run(self):
        for k, at in enumerate(REIMPORT_AT, 1):
            delay = self.start_t + at * self.args.seconds - now()
            if delay > 0:
                time.sleep(delay)
            with self.shared.lock:
                self.shared.snapshots += 1
                self.shared.reimporting = True
                snapshot = now()
                self.shared.reimport_times.append(snapshot)
                removed = set(self.shared.removed_corpus)
                own = list(self.shared.own.values())
            path = os.path.join(self.args.work, f"reimport-{k}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for talk_id, line, _ in self.shared.corpus:
                    if talk_id not in removed:
                        f.write(line + "\n")
                for talk in own:
                    f.write(json.dumps(talk, ensure_ascii=False) + "\n")
            start = now()
            rc, err = run_talksearch([self.args.binary, "--index", self.args.index, "index", path], timeout=300)
            end = now()
            with self.shared.lock:
                self.shared.reimporting = False
                self.shared.reimport_times.append(end)
            record = {"k": k, "snapshot": snapshot, "start": start, "end": end, "rc": rc,
                      "talks": len(self.shared.corpus) - len(removed) + len(own), "output": err[-300:]}
            self.done.append(record)
            print(f"soak: re-import {k}: {record['talks']} talks, exit {rc}, {end - start:.1f} s: {err[-200:]}",
                  file=sys.stderr, flush=True)


def cmd_write(args):
    rng = random.Random(args.seed)
    corpus = load_corpus(args.corpus)
    shared = Shared(corpus, args.work)
    start = now()
    deadline = start + args.seconds
    ids = [c[0] for c in corpus]
    rng.shuffle(ids)
    writers = [
        Writer("api", shared, args, deadline, ids[0::2][:2000], random.Random(rng.random())),
        Writer("cli", shared, args, deadline, ids[1::2][:2000], random.Random(rng.random())),
    ]
    reimporter = Reimporter(shared, args, start, rng)
    for t in (*writers, reimporter):
        t.start()
    for t in (*writers, reimporter):
        t.join()
    shared.log.close()
    summary = {"start": start, "end": now(), "reimports": reimporter.done,
               "read_your_writes": writers[0].ryw}
    with open(os.path.join(args.work, "writer.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    return 0


def cmd_ready(args):
    """Waits for /healthz, then one search and one suggest (the caches are built by then)."""
    client = Client(args.port, timeout=120)
    deadline = now() + 120
    while now() < deadline:
        status, _, _ = client.request("GET", "/healthz")
        if status == 200:
            break
        time.sleep(0.2)
    else:
        print("soak: the server never answered /healthz", file=sys.stderr)
        return 1
    for path in ("/api/search?q=warm", "/api/suggest?q=wa"):
        status, _, body = client.request("GET", path)
        if status != 200:
            print(f"soak: {path}: HTTP {status}: {body[:200]!r}", file=sys.stderr)
            return 1
    return 0


# ---------------------------------------------------------------------------------------------
# verify


def expectations(ops, corpus_titles, last):
    """For every talk a write touched: ("present", title) / ("absent", None) / ("raced", reason)
    / ("unknown", reason), and which acknowledged write decided it (its index in `ops`)."""
    by_id = {}
    for i, op in enumerate(ops):
        for j, talk_id in enumerate(op["ids"]):
            by_id.setdefault(talk_id, []).append((i, j))
    result = {}
    for talk_id, refs in by_id.items():
        refs.sort(key=lambda r: ops[r[0]]["sent"])
        if talk_id in corpus_titles:
            state = ("present", corpus_titles[talk_id])
        else:
            state = ("absent", None)
        decider = None
        for i, j in refs:
            op = ops[i]
            if op["outcome"] == "rejected":
                continue
            if op["outcome"] == "unknown":
                state, decider = ("unknown", f"write {op['n']} has an unknown outcome (status {op['status']})"), None
                continue
            in_file = last is None or op["epoch"] < last["k"]
            after = last is None or op["sent"] >= last["end"]
            if op["op"] == "add":
                state = ("present", op["titles"][j])
            else:
                state = ("absent", None)
            decider = i
            if not (in_file or after):
                state = ("raced", f"write {op['n']} was acknowledged after re-import {last['k']}'s snapshot "
                                  f"and sent before it ended")
        result[talk_id] = (state, decider)
    return result


def settle(client, args):
    """Waits until the server serves what is on disk: /healthz talks == `stats` talks, twice."""
    agreed = 0
    deadline = now() + 30
    while now() < deadline:
        proc = subprocess.run([args.binary, "--index", args.index, "stats", "--json"],
                              capture_output=True, text=True, timeout=60)
        disk = json.loads(proc.stdout)["talks"] if proc.returncode == 0 else None
        status, _, body = client.request("GET", "/healthz")
        served = json.loads(body)["talks"] if status == 200 else None
        if disk is not None and disk == served:
            agreed += 1
            if agreed == 2:
                return disk, served
        else:
            agreed = 0
        time.sleep(0.4)
    return disk, served


def percentile_ms(us):
    return f"{int(us) / 1000:.2f} ms"


def read_kv(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = float(parts[1])
    except FileNotFoundError:
        pass
    return out


def cmd_verify(args):
    failures = []
    corpus = load_corpus(args.corpus)
    corpus_titles = {c[0]: c[2] for c in corpus}
    with open(os.path.join(args.work, "writes.jsonl"), encoding="utf-8") as f:
        ops = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(args.work, "writer.json"), encoding="utf-8") as f:
        writer = json.load(f)
    reimports = writer["reimports"]
    good = [r for r in reimports if r["rc"] == 0]
    last = good[-1] if good else None
    for r in reimports:
        if r["rc"] != 0:
            failures.append(f"re-import {r['k']} failed (exit {r['rc']}): {r['output']}")
    if len(good) < len(REIMPORT_AT):
        failures.append(f"{len(good)} re-imports done, {len(REIMPORT_AT)} planned")

    client = Client(args.port)
    disk, served = settle(client, args)
    if disk != served:
        failures.append(f"the server serves {served} talks, the index on disk holds {disk}, 30 s after the load")

    expected = expectations(ops, corpus_titles, last)
    checked = present_ok = absent_ok = 0
    mismatches = []
    for talk_id, ((kind, value), _) in sorted(expected.items()):
        if kind not in ("present", "absent"):
            continue
        checked += 1
        status, _, body = client.request("GET", talk_path(talk_id))
        if kind == "present":
            title = json.loads(body).get("title") if status == 200 else None
            if status == 200 and title == value:
                present_ok += 1
            else:
                mismatches.append((talk_id, f"expected present ({value!r}), got HTTP {status} {title!r}"))
        elif status == 404:
            absent_ok += 1
        else:
            mismatches.append((talk_id, f"expected absent, got HTTP {status}"))

    # The writer's present talks must also be found by searching for their unique title word.
    searched = search_misses = 0
    for talk_id, ((kind, value), _) in sorted(expected.items()):
        if kind == "present" and talk_id.startswith("soak-"):
            word = re.search(r"\((soak\w+)\)$", value).group(1)
            searched += 1
            status, _, body = client.request("GET", "/api/search?q=" + urllib.parse.quote(word))
            hits = json.loads(body).get("hits", []) if status == 200 else []
            if not hits or hits[0]["id"] != talk_id:
                search_misses += 1
                mismatches.append((talk_id, f"a search for {word!r} answered HTTP {status}, "
                                            f"first hit {hits[0]['id'] if hits else None!r}"))

    # The index on disk, through `export`: no duplicate ids, the same states, the expected count.
    proc = subprocess.run([args.binary, "--index", args.index, "export"], capture_output=True, timeout=300)
    exported = {}
    duplicates = 0
    for line in proc.stdout.decode("utf-8").splitlines():
        record = json.loads(line)
        duplicates += record["id"] in exported
        exported[record["id"]] = record["title"]
    if proc.returncode != 0:
        failures.append(f"export failed: {proc.stderr.decode()[-300:]}")
    if duplicates:
        failures.append(f"the export holds {duplicates} duplicate ids")
    for talk_id, ((kind, value), _) in expected.items():
        if kind == "present" and exported.get(talk_id) != value:
            mismatches.append((talk_id, f"export has {exported.get(talk_id)!r}, expected {value!r}"))
        elif kind == "absent" and talk_id in exported:
            mismatches.append((talk_id, "expected absent, but exported"))
    untouched = sum(1 for c in corpus if c[0] not in expected)
    must = untouched + sum(1 for (k, _), _ in expected.values() if k == "present")
    maybe = sum(1 for (k, _), _ in expected.values() if k in ("raced", "unknown"))
    if not must <= len(exported) <= must + maybe:
        failures.append(f"the index holds {len(exported)} talks, expected {must}..{must + maybe}")
    if mismatches:
        failures.append(f"{len({i for i, _ in mismatches})} talks not as the acknowledged writes left them: "
                        + "; ".join(f"{i}: {what}" for i, what in mismatches[:10]))

    # Acknowledged writes: checked (they decide a talk's state), superseded by a later write to
    # the same talk, or raced the last re-import.
    acked = [op for op in ops if op["outcome"] == "ok"]
    deciders = {}
    for (kind, _), decider in expected.values():
        if decider is not None:
            deciders.setdefault(decider, set()).add(kind)
    bad_ids = {talk_id for talk_id, _ in mismatches}
    ack_checked = ack_verified = ack_raced = ack_superseded = 0
    for i, op in enumerate(ops):
        if op["outcome"] != "ok":
            continue
        kinds = deciders.get(i)
        if not kinds:
            ack_superseded += 1
        elif kinds & {"present", "absent"}:
            ack_checked += 1
            ack_verified += not any(t in bad_ids for t in op["ids"])
        else:
            ack_raced += 1
    rejected = [op for op in ops if op["outcome"] == "rejected"]
    # A removal answered "not found" is explained only by a race: the talk's last acknowledged
    # add was acknowledged after a re-import's snapshot and sent before that re-import ended (the
    # re-import replaced it). Corpus talks are removed once each, so for them it is never
    # explained.
    raced_adds = 0
    for op in rejected:
        if op["op"] != "remove" or op["status"] not in (404, 4):
            continue
        talk_id = op["ids"][0]
        earlier = [o for o in acked if talk_id in o["ids"] and o["sent"] < op["sent"]]
        last_add = earlier[-1] if earlier and earlier[-1]["op"] == "add" else None
        if last_add and any(last_add["epoch"] >= r["k"] and last_add["sent"] < r["end"] for r in good):
            raced_adds += 1
        else:
            failures.append(f"write {op['n']} ({op['via']} remove {talk_id}): not found, and no re-import "
                            f"explains it: {op.get('detail', '')[:200]}")
    unknown = [op for op in ops if op["outcome"] == "unknown"]
    overload = [op for op in unknown if op.get("status") == 503 and op.get("retry_after")]
    for op in unknown:
        if op not in overload:
            failures.append(f"write {op['n']} ({op['via']} {op['op']} {op['ids'][0]}): status {op['status']}: "
                            f"{op.get('detail', '')[:200]}")
    ryw = writer["read_your_writes"]
    if ryw["failed"]:
        failures.append(f"{ryw['failed']} write API changes not visible when acknowledged: {ryw['failures'][:3]}")

    # Load.
    wrk = read_kv(args.wrk_out)
    if not wrk:
        failures.append("no wrk results")
    statuses = {int(k[7:]): int(v) for k, v in wrk.items() if k.startswith("status_")}
    s5xx = sum(n for code, n in statuses.items() if code >= 500)
    ra503 = int(wrk.get("retry_after_503", 0))
    other = sum(n for code, n in statuses.items() if not 200 <= code < 300 and code < 500)
    socket_errors = int(sum(wrk.get(f"errors_{k}", 0) for k in ("connect", "read", "write", "timeout")))
    failed_searches = sum(n for code, n in statuses.items() if code != 200) - ra503 \
        + int(wrk.get("bad_body", 0)) + socket_errors
    if s5xx - ra503:
        failures.append(f"{s5xx - ra503} responses 5xx to searches")
    if failed_searches:
        failures.append(f"{failed_searches} failed searches")

    # Memory: samples are (time, VmRSS, VmHWM, RssAnon, RssFile) in kB.
    samples = []
    with open(args.rss) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 5:
                samples.append((float(parts[0]), *map(int, parts[1:])))
    during = [s for s in samples if args.load_start <= s[0] <= args.load_end]
    before = [s for s in samples if s[0] < args.load_start]
    mid = (args.load_start + args.load_end) / 2
    halves = ([s for s in during if s[0] < mid], [s for s in during if s[0] >= mid])

    # The server's log: warnings and errors.
    odd = []
    with open(args.server_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            plain = re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip()
            if re.search(r"\b(WARN|ERROR)\b|panick", plain):
                odd.append(plain)

    load = args.load_end - args.load_start
    requests = int(wrk.get("requests", 0))
    wrk_secs = wrk.get("duration_us", 1) / 1e6
    api_ok = sum(1 for op in acked if op["via"] == "api")
    cli_ok = len(acked) - api_ok
    p = print
    p()
    p("== soak summary ==")
    p(f"duration            {load:.0f} s of load ({wrk_secs:.1f} s of wrk, {args.connections} connections, "
      f"{args.threads} thread), {os.cpu_count()} cores, load average {open('/proc/loadavg').read().split()[0]} "
      f"at the end (other work included)")
    p(f"requests            {requests} ({requests / wrk_secs:.0f} req/s), /api/search and /api/suggest")
    p(f"latency             p50 {percentile_ms(wrk.get('latency_p50_us', 0))}, "
      f"p90 {percentile_ms(wrk.get('latency_p90_us', 0))}, p99 {percentile_ms(wrk.get('latency_p99_us', 0))}, "
      f"max {percentile_ms(wrk.get('latency_max_us', 0))}")
    p(f"statuses            " + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    p(f"5xx                 {s5xx - ra503}")
    p(f"503 + Retry-After   {ra503} to searches, {len(overload)} to writes "
      f"({'the concurrency limit answered' if ra503 + len(overload) else 'none occurred'})")
    p(f"other non-2xx       {other}")
    p(f"socket errors       {socket_errors}")
    p(f"failed searches     {failed_searches} (non-200, bad body, socket errors; 503 + Retry-After excluded)")
    p(f"writes              {len(ops)} sent: {len(acked)} acknowledged ({api_ok} API, {cli_ok} CLI), "
      f"{len(rejected)} rejected as busy or not found ("
      + ", ".join(f"{k}: {v}" for k, v in sorted(count_by(rejected).items())) + f"), {len(unknown)} unknown")
    if raced_adds:
        p(f"                    {raced_adds} removals found no talk because its add raced a re-import")
    for via in ("api", "cli"):
        took = sorted(op["acked"] - op["sent"] for op in ops if op["via"] == via)
        if took:
            p(f"{via} write time      median {statistics.median(took):.2f} s, max {took[-1]:.2f} s "
              f"({len(took)} writes)")
    p(f"acknowledged writes {ack_checked} decide a talk's final state: {ack_verified} verified, "
      f"{ack_checked - ack_verified} missing; {ack_superseded} superseded by a later write to the same talk; "
      f"{ack_raced} raced the last re-import (not checked)")
    p(f"talks checked       {checked} ({present_ok} present as expected, {absent_ok} absent as expected), "
      f"{searched - search_misses} of {searched} found by their title word, export {len(exported)} talks (expected {must}"
      + (f"..{must + maybe}" if maybe else "") + f"), server {served}")
    p(f"read-your-writes    {ryw['checked']} API writes read back at once: {ryw['failed']} not visible "
      f"({ryw['skipped']} skipped: a re-import ran meanwhile)")
    p("re-imports          " + "; ".join(
        f"#{r['k']} at {r['start'] - args.load_start:.0f} s, {r['talks']} talks, {r['end'] - r['start']:.1f} s, "
        f"exit {r['rc']}" for r in reimports) + f" ({len(good)} done)")
    if during:
        start = before[-1] if before else during[0]
        mb = lambda kb: f"{kb / 1024:.0f}"
        for name, col in (("RSS", 1), ("  heap (RssAnon)", 3), ("  mapped (RssFile)", 4)):
            p(f"{name:<20}start {mb(start[col])} MB, max {mb(max(s[col] for s in during))} MB, "
              f"end {mb(samples[-1][col])} MB")
        p(f"{'  peak (VmHWM)':<20}{mb(samples[-1][2])} MB")
        if all(halves):
            verdicts, growths = [], []
            for name, col in (("RSS", 1), ("heap", 3)):
                a, b = [s[col] for s in halves[0]], [s[col] for s in halves[1]]
                growth = (max(b) - max(a)) / max(a) * 100
                verdicts.append(f"{name} first half mean {mb(statistics.mean(a))} max {mb(max(a))} MB, "
                                f"second half mean {mb(statistics.mean(b))} max {mb(max(b))} MB ({growth:+.1f}% max)")
                growths.append(growth)
            p(f"memory flat?        " + "; ".join(verdicts) + (": flat" if growths[0] <= 10 else ": GREW"))
    p(f"server log          {len(odd)} warnings/errors" + ("" if not odd else ":"))
    for line in odd[:10]:
        p(f"  {line[:240]}")
    p("rule                a talk must be as its last acknowledged write left it when that write was "
      "acknowledged before the last re-import's snapshot (the re-import file carries it) or sent after that "
      "re-import ended; writes acknowledged after the snapshot and sent before the end raced it and are not checked")
    if failures:
        p("FAILED:")
        for f in failures:
            p(f"  - {f[:1000]}")
        return 1
    p("PASSED")
    return 0


def count_by(ops):
    out = {}
    for op in ops:
        key = f"{op['via']} {op['status']}"
        out[key] = out.get(key, 0) + 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ready = sub.add_parser("ready")
    ready.add_argument("--port", type=int, required=True)
    for name in ("write", "verify"):
        p = sub.add_parser(name)
        p.add_argument("--binary", required=True)
        p.add_argument("--index", required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--corpus", required=True)
        p.add_argument("--work", required=True)
    write = sub.choices["write"]
    write.add_argument("--seconds", type=float, required=True)
    write.add_argument("--topics", required=True)
    write.add_argument("--seed", type=int, default=None)
    verify = sub.choices["verify"]
    verify.add_argument("--wrk-out", required=True)
    verify.add_argument("--rss", required=True)
    verify.add_argument("--server-log", required=True)
    verify.add_argument("--load-start", type=float, required=True)
    verify.add_argument("--load-end", type=float, required=True)
    verify.add_argument("--connections", type=int, default=8)
    verify.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.cmd == "write":
        signal.signal(signal.SIGTERM, on_terminate)
        args.token = os.environ["TALKSEARCH_WRITE_TOKEN"]
        return cmd_write(args)
    if args.cmd == "ready":
        return cmd_ready(args)
    return cmd_verify(args)


if __name__ == "__main__":
    sys.exit(main())
