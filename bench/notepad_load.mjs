// Load generator for the notepad (bench/notepad_load.sh): websocket clients that speak the
// y-websocket protocol and type into notepads, against Acunum's server and the reference node server
// (y-websocket's bundled server, from npm) in the same run, on 127.0.0.1.
//
// Each author has its own Yjs document and types marked edits ("\x02<id>\x03") at the end of its own
// text; its updates go to the server as sync "update" messages. Every other client of the notepad
// finds the marks in what it receives: the time from sending to receiving is the latency of that
// edit for that client. Scenarios:
//   typing     N authors on one notepad, each typing 5 edits per second (a brisk typist).
//   one        N authors on one notepad, as fast as the server delivers: each keeps W edits in
//              flight (an edit is done when every other client has it): edits per second.
//   many       M notepads with 3 authors each, the same closed loop.
// Env: CONFIG (JSON: {"token", "rooms"}), OURS (ws://host:port), REF (ws://host:port), SECONDS,
// SCENARIOS (default typing,one,many), AUTHORS (40), PADS (200), WINDOW (4).
import * as Y from "yjs";
import WebSocket from "ws";
import { readFileSync } from "node:fs";

const config = JSON.parse(readFileSync(process.env.CONFIG, "utf8"));
const SECONDS = Number(process.env.SECONDS || 10);
const AUTHORS = Number(process.env.AUTHORS || 40);
const PADS = Number(process.env.PADS || 200);
const WINDOW = Number(process.env.WINDOW || 4);

function varUint(n) {
  const out = [];
  while (n > 127) { out.push(0x80 | (n & 0x7f)); n >>>= 7; }
  out.push(n);
  return out;
}

function updateMessage(update) {
  const head = [0, 2, ...varUint(update.length)];
  const m = new Uint8Array(head.length + update.length);
  m.set(head, 0);
  m.set(update, head.length);
  return m;
}

// The marks "\x02<digits>\x03" in a message's bytes, without decoding it.
function marks(buf, found) {
  let i = buf.indexOf(2, 2);
  while (i !== -1) {
    let j = i + 1;
    let id = 0;
    while (j < buf.length && buf[j] >= 48 && buf[j] <= 57) id = id * 10 + (buf[j++] - 48);
    if (j > i + 1 && buf[j] === 3) {
      found(id);
      i = buf.indexOf(2, j + 1);
    } else {
      i = buf.indexOf(2, i + 1);
    }
  }
}

// Every author's edits, made before the clock starts (so that the generator spends its time on the
// network): author a's k-th edit is mark a * perAuthor + k, typed at the end of its own text.
function prepare(authors, perAuthor) {
  const out = [];
  for (let a = 0; a < authors; a++) {
    const doc = new Y.Doc();
    const text = doc.getText("contenu");
    let last = null;
    doc.on("update", (u) => { last = u; });
    const msgs = new Array(perAuthor);
    for (let k = 0; k < perAuthor; k++) {
      text.insert(text.length, `\x02${a * perAuthor + k}\x03`);
      msgs[k] = updateMessage(last);
    }
    out.push(msgs);
  }
  return out;
}

// One run of a scenario against one server. `rooms`: for each notepad, its URL.
async function run(server, urls, authorsPerRoom, mode, edits, perAuthor) {
  let nextId = 0;
  let exhausted = 0;
  const sent = new Map(); // id -> [time, author, receipts]
  const latencies = [];
  let done = 0;
  let sending = true;
  const clients = [];
  const rooms = urls.map(() => []);
  const pending = urls.map(() => 0);
  await Promise.all(urls.flatMap((url, r) => Array.from({ length: authorsPerRoom }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "nodebuffer";
    const a = r * authorsPerRoom + pending[r]++;
    const c = { ws, room: r, inFlight: 0, closed: false, msgs: edits[a], base: a * perAuthor, k: 0 };
    ws.on("open", () => { clients.push(c); rooms[r].push(c); resolve(); });
    ws.on("error", reject);
    ws.on("close", () => { c.closed = true; });
    ws.on("message", (data) => {
      if (data[0] !== 0 || (data[1] !== 2 && data[1] !== 1)) return;
      const now = performance.now();
      marks(data, (id) => {
        const e = sent.get(id);
        if (!e || e[1] === c) return;
        latencies.push(now - e[0]);
        e[2] += 1;
        if (e[2] === rooms[c.room].length - 1) {
          done += 1;
          sent.delete(id);
          e[1].inFlight -= 1;
          if (mode === "closed" && sending) type(e[1]);
        }
      });
    });
  }))));
  // Let the servers' first messages (sync step 1, presence) pass.
  await new Promise((r) => setTimeout(r, 500));
  function type(c) {
    if (c.closed) return;
    if (c.k >= c.msgs.length) { exhausted += 1; return; }
    const id = c.base + c.k;
    nextId += 1;
    sent.set(id, [performance.now(), c, 0]);
    c.inFlight += 1;
    c.ws.send(c.msgs[c.k++]);
  }
  const started = performance.now();
  const timers = [];
  if (mode === "closed") {
    for (const c of clients) for (let i = 0; i < WINDOW; i++) type(c);
  } else {
    for (const c of clients) {
      const phase = Math.random() * 200;
      timers.push(setTimeout(() => timers.push(setInterval(() => sending && type(c), 200)), phase));
    }
  }
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  sending = false;
  const elapsed = (performance.now() - started) / 1000;
  const doneInTime = done;
  timers.forEach((t) => { clearTimeout(t); clearInterval(t); });
  // What is still in flight gets two seconds to arrive (counted in the latencies, not the rate).
  const drain = performance.now();
  while (sent.size > 0 && performance.now() - drain < 2000) await new Promise((r) => setTimeout(r, 20));
  const lost = sent.size;
  const closedEarly = clients.filter((c) => c.closed).length;
  for (const c of clients) c.ws.close();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
  return {
    server, mode, rooms: urls.length, authors: authorsPerRoom,
    edits_per_s: Math.round(doneInTime / elapsed), edits: nextId, delivered: latencies.length,
    p50_ms: +q(0.5).toFixed(2), p99_ms: +q(0.99).toFixed(2), undelivered: lost, closed_early: closedEarly,
    authors_out_of_edits: exhausted,
  };
}

const servers = [
  ["acunum", (i) => `${process.env.OURS}/carnets/ws/${config.rooms[i]}?token=${config.token}`],
  ["référence y-websocket", (i) => `${process.env.REF}/banc-${i}`],
];
// name, notepads, authors per notepad, loop, edits prepared per author.
const scenarios = [
  ["typing", [0], AUTHORS, "open", 6 * SECONDS],
  ["one", [1], AUTHORS, "closed", 1_000_000 / AUTHORS * SECONDS / 10],
  ["many", Array.from({ length: PADS }, (_, i) => 2 + i), 3, "closed", 2000 * SECONDS / 10],
];
const only = (process.env.SCENARIOS || "typing,one,many").split(",");
const results = [];
for (const [name, rooms, authors, mode, perAuthor] of scenarios.filter(([n]) => only.includes(n))) {
  const edits = prepare(rooms.length * authors, Math.ceil(perAuthor));
  for (const [server, url] of servers) {
    const r = await run(server, rooms.map(url), authors, mode, edits, Math.ceil(perAuthor));
    r.scenario = name;
    results.push(r);
    console.log(JSON.stringify(r));
    await new Promise((res) => setTimeout(res, 1000));
  }
}
console.log("\nscénario | serveur | blocs-notes × auteurs | modifications/s | p50 ms | p99 ms | non reçues");
for (const r of results) {
  console.log(`${r.scenario} | ${r.server} | ${r.rooms} × ${r.authors} | ${r.edits_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.undelivered}`);
}
for (const name of ["one", "many"]) {
  const [a, b] = results.filter((r) => r.scenario === name);
  if (!b) continue;
  console.log(`${name} : débit acunum / référence = ${(a.edits_per_s / b.edits_per_s).toFixed(2)} ; p99 acunum / référence = ${(a.p99_ms / b.p99_ms).toFixed(2)}`);
}
process.exit(0);
