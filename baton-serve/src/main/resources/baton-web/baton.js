// baton.js — the browser client of a program served by `baton serve` (an ES module, no dependencies).
//
//   import { Baton, Interpolated, Predicted } from "/baton.js";
//   const baton = new Baton();                       // same origin; new Baton("http://host:8080", {token})
//   await baton.emit("Player.AttackBoss", {...});     // 202 once durable: {accepted, seqs, at_ms}
//   await baton.execute("Payments", 3, "Charge", {hold: "h"}); // an /execute command's reply
//   await baton.query("GlobalAuthority", "_", "GetState");      // a /return query
//   const {id} = await baton.start("BuyBattlePass", {player_id: "p1", price: 999, tier: "standard"}, {id: "pass-p1"});
//   const result = await baton.result(id, "30s");     // long-polls until the workflow ends
//   const stop = baton.stream({ onEmit, onState, onStats, onReport, onError, onHello }); // SSE, resumes by itself
//
// Every mutation carries an Idempotency-Key (made here unless given), and is resent with the same key
// when the network fails, so a retry never applies twice. Errors throw a BatonError with the problem
// details (status, type, detail, errors[]).
//
// Interpolated and Predicted are the optimistic UI of the design notes: render the authority's value
// about one update interval in the past, blended between the two samples around that time; subtract the
// player's own actions at once, and drop each once the authority has had time to include it.

export class BatonError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "request failed");
    this.problem = problem;
    this.status = problem.status;
  }
}

export class Baton {
  constructor(base = "", { token } = {}) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
  }

  static key() {
    return (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  async request(method, path, body, { key, mutation = false, attempts = 5 } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers.Authorization = "Bearer " + this.token;
    if (mutation) headers["Idempotency-Key"] = key || Baton.key();
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (down) {
        if (attempt >= attempts) throw down;
        await new Promise((r) => setTimeout(r, 100 * attempt));
        continue; // same Idempotency-Key: applied once whatever happened to the first
      }
      if ((res.status === 409 || res.status === 503 || res.status === 429) && attempt < attempts) {
        await new Promise((r) => setTimeout(r, 100 * attempt));
        continue;
      }
      const text = await res.text();
      const json = text ? JSON.parse(text) : null;
      if (!res.ok) throw new BatonError(json || { status: res.status, title: res.statusText });
      return json;
    }
  }

  emit(event, payload, opts = {}) {
    return this.request("POST", "/events/" + encodeURIComponent(event), payload, { ...opts, mutation: true });
  }

  execute(module, key, endpoint, args = {}, opts = {}) {
    return this.request("POST", `/modules/${module}/${encodeURIComponent(key)}/${endpoint}`, args, { ...opts, mutation: true })
      .then((r) => r.value);
  }

  query(module, key, endpoint, args = {}) {
    return this.request("POST", `/modules/${module}/${encodeURIComponent(key)}/${endpoint}`, args).then((r) => r.value);
  }

  start(workflow, args = {}, { id, key } = {}) {
    const body = { args };
    if (id) body.id = id;
    return this.request("POST", "/workflows/" + workflow, body, { key, mutation: true });
  }

  result(id, wait = "30s") {
    return this.request("GET", `/workflows/${encodeURIComponent(id)}/result?wait=${wait}`);
  }

  workflow(id) {
    return this.request("GET", "/workflows/" + encodeURIComponent(id));
  }

  cancel(id, opts = {}) {
    return this.request("POST", `/workflows/${encodeURIComponent(id)}/cancel`, undefined, { ...opts, mutation: true });
  }

  get(path) {
    return this.request("GET", path);
  }

  /** Subscribes to GET /stream; the browser resumes after the last id by itself (Last-Event-ID). Returns a function that closes it. */
  stream({ onHello, onEmit, onState, onStats, onReport, onError, after } = {}) {
    const src = new EventSource(this.base + "/stream" + (after ? "?after=" + after : ""));
    const parse = (fn) => (m) => fn && fn(JSON.parse(m.data), m.lastEventId);
    src.addEventListener("hello", parse(onHello));
    src.addEventListener("emit", parse(onEmit));
    src.addEventListener("state", parse(onState));
    src.addEventListener("stats", parse(onStats));
    src.addEventListener("report", parse(onReport));
    src.addEventListener("error", (m) => m.data && onError && onError(JSON.parse(m.data), m.lastEventId));
    src.addEventListener("failure", (m) => onError && onError(JSON.parse(m.data), m.lastEventId));
    return () => src.close();
  }
}

/** An authoritative value over time, rendered `delayMs` in the past and blended between the two samples around that time. */
export class Interpolated {
  constructor({ delayMs = 100, now = () => performance.now() } = {}) {
    this.delayMs = delayMs;
    this.now = now;
    this.samples = []; // [localTime, value]
    this.offset = null; // local time minus server time, the smallest seen (the least delayed sample)
  }

  /** A value the authority had at server time `serverMs`. */
  push(serverMs, value) {
    const local = this.now();
    const off = local - serverMs;
    if (this.offset === null || off < this.offset) this.offset = off;
    const at = serverMs + this.offset;
    if (this.samples.length && at <= this.samples[this.samples.length - 1][0]) return;
    this.samples.push([at, value]);
    // keep what the render time may still need: the two around it, and what is newer
    const render = local - this.delayMs;
    while (this.samples.length > 2 && this.samples[1][0] <= render) this.samples.shift();
  }

  /** The value to show now (undefined before the first sample). */
  value() {
    if (!this.samples.length) return undefined;
    const render = this.now() - this.delayMs;
    const s = this.samples;
    if (render <= s[0][0] || s.length === 1) return s[0][1];
    for (let i = 1; i < s.length; i++) {
      if (render <= s[i][0]) {
        const [t0, v0] = s[i - 1];
        const [t1, v1] = s[i];
        return v0 + (v1 - v0) * ((render - t0) / (t1 - t0));
      }
    }
    return s[s.length - 1][1];
  }

  /** Server time of the newest sample, in the server's clock. */
  newest() {
    return this.samples.length ? this.samples[this.samples.length - 1][0] - this.offset : -Infinity;
  }
}

/**
 * The player's own actions applied at once on top of an Interpolated authority: each is numbered and
 * kept until the authority's newest sample is `settleMs` past the engine time it was accepted at (by
 * then the authority's value includes it); then it is dropped and the authority's value stands alone.
 */
export class Predicted {
  constructor(authority, { settleMs = 250 } = {}) {
    this.authority = authority;
    this.settleMs = settleMs;
    this.pending = []; // {n, delta, atMs}
    this.next = 1;
  }

  /** Applies `delta` at once; returns its number. */
  apply(delta) {
    const n = this.next++;
    this.pending.push({ n, delta, atMs: null });
    return n;
  }

  /** The authority accepted input `n` at engine time `atMs`. */
  accepted(n, atMs) {
    const p = this.pending.find((x) => x.n === n);
    if (p) p.atMs = atMs;
  }

  /** Input `n` was refused: its effect is taken back. */
  refused(n) {
    this.pending = this.pending.filter((x) => x.n !== n);
  }

  value() {
    const newest = this.authority.newest();
    this.pending = this.pending.filter((p) => p.atMs === null || newest < p.atMs + this.settleMs);
    const base = this.authority.value();
    if (base === undefined) return undefined;
    return this.pending.reduce((v, p) => v + p.delta, base);
  }
}
