// The official JavaScript client (yjs + y-websocket from npm, in node) against Acunum's notepad
// server. MODE=edit: two clients sync, one edits, the other sees it, then the other edits.
// MODE=write: writes N lines, waits until a second client has seen them all, prints "acked".
// MODE=read: prints the text the server gives. MODE=watch: waits for a restore to arrive live. MODE=bad: malformed and oversized messages.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";

const { WS_URL, ROOM, TOKEN, MODE } = process.env;
const N = Number(process.env.N || 50);
const params = { token: TOKEN };

function client(url = WS_URL) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, ROOM, doc, { WebSocketPolyfill: WebSocket, params, disableBc: true });
  return { doc, provider, text: doc.getText("contenu") };
}

function until(check, what, ms = 15000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timeout: ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

const synced = (c) => new Promise((resolve) => { if (c.provider.synced) resolve(); else c.provider.once("sync", () => resolve()); });

if (MODE === "edit") {
  const a = client();
  const b = client();
  await Promise.all([synced(a), synced(b)]);
  const before = a.text.toString();
  if (!before.includes("bloc-notes")) throw new Error(`the template is missing: ${before}`);
  a.text.insert(0, "Bonjour depuis node A. ");
  await until(() => b.text.toString().startsWith("Bonjour depuis node A. "), "B sees A's edit");
  b.text.insert(b.text.length, "Réponse de B https://exemple.fr/b\n");
  await until(() => a.text.toString().includes("Réponse de B"), "A sees B's edit");
  // Presence: A's name reaches B.
  a.provider.awareness.setLocalStateField("user", { name: "Node A", color: "#0b5cad" });
  await until(() => [...b.provider.awareness.getStates().values()].some((s) => s.user && s.user.name === "Node A"), "B sees A's presence");
  a.provider.destroy(); b.provider.destroy();
  console.log("ok: synced, edited both ways, presence seen");
  process.exit(0);
} else if (MODE === "write") {
  const a = client();
  const b = client();
  await Promise.all([synced(a), synced(b)]);
  for (let i = 0; i < N; i++) {
    a.text.insert(a.text.length, `ligne ${i}\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  await until(() => b.text.toString().includes(`ligne ${N - 1}\n`), "B has seen every line");
  console.log("acked");
  // Stay connected: the test kills the server now.
  setInterval(() => {}, 1000);
} else if (MODE === "read") {
  const a = client();
  await synced(a);
  console.log(JSON.stringify(a.text.toString()));
  a.provider.destroy();
  process.exit(0);
} else if (MODE === "watch") {
  // Connected while the server restores a revision: prints "ready", then waits until the text
  // no longer holds GONE and holds BACK, and prints it.
  const a = client();
  await synced(a);
  console.log("ready");
  await until(() => !a.text.toString().includes(process.env.GONE) && a.text.toString().includes(process.env.BACK), "the restore reaches a connected client", 20000);
  console.log(JSON.stringify(a.text.toString()));
  a.provider.destroy();
  process.exit(0);
} else if (MODE === "two") {
  // A client on each of two server processes sharing one PostgreSQL database.
  const a = client(WS_URL);
  const b = client(process.env.WS_URL2);
  await Promise.all([synced(a), synced(b)]);
  a.text.insert(0, "Instance A écrit. ");
  await until(() => b.text.toString().startsWith("Instance A écrit. "), "B (other instance) sees A's edit");
  b.text.insert(b.text.length, "Instance B répond.\n");
  await until(() => a.text.toString().includes("Instance B répond."), "A (other instance) sees B's edit");
  a.provider.destroy(); b.provider.destroy();
  console.log("ok: two instances relayed each other's edits");
  process.exit(0);
} else if (MODE === "bad") {
  const url = `${WS_URL}/${ROOM}?token=${TOKEN}`;
  const closeOf = (payload) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => ws.send(payload));
    ws.on("close", (code, reason) => resolve([code, reason.toString()]));
    ws.on("error", reject);
  });
  const results = {
    garbage: await closeOf(Buffer.from([0, 2, 200, 1, 2, 3])),
    text: await closeOf("bonjour"),
    big: await closeOf(Buffer.alloc(2 * 1024 * 1024, 7)),
  };
  console.log(JSON.stringify(results));
  process.exit(0);
}
