// The notepad's editor: Quill bound to the Yjs document that the server keeps (y-websocket), with
// the names and cursors of the others. Bundled by esbuild at build time (see build.rs).
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import Quill from "quill";
import QuillCursors from "quill-cursors";
import { QuillBinding } from "y-quill";

Quill.register("modules/cursors", QuillCursors);

const COLORS = ["#0b5cad", "#b4451f", "#1d7a3a", "#7a3fb0", "#a1005c", "#8a6d00", "#00758f", "#5c5c5c"];

const el = document.getElementById("editeur");
if (el) {
  const readOnly = el.dataset.readonly === "true";
  const name = el.dataset.name || "Invité";
  const color = COLORS[Math.floor(Math.random() * COLORS.length)];
  el.innerHTML = "";
  const quill = new Quill(el, {
    theme: "snow",
    readOnly,
    modules: {
      cursors: true,
      toolbar: readOnly ? false : [[{ header: [1, 2, 3, false] }], ["bold", "italic", "link"], [{ list: "ordered" }, { list: "bullet" }], ["clean"]],
      history: { userOnly: true },
    },
    placeholder: "Écrivez ici…",
  });
  const ydoc = new Y.Doc();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const provider = new WebsocketProvider(`${scheme}//${location.host}${el.dataset.ws}`, el.dataset.room, ydoc);
  new QuillBinding(ydoc.getText("contenu"), quill, readOnly ? null : provider.awareness);
  if (!readOnly) {
    provider.awareness.setLocalStateField("user", { name, color });
  }
  const state = document.getElementById("etat");
  provider.on("status", (e) => {
    if (state) state.textContent = e.status === "connected" ? "Connecté : vos modifications sont enregistrées" : "Hors ligne, reconnexion…";
  });
  const present = document.getElementById("presents");
  const showPresent = () => {
    if (!present) return;
    const names = [];
    provider.awareness.getStates().forEach((s) => { if (s.user && s.user.name) names.push(s.user.name); });
    present.textContent = names.length ? names.join(", ") : "—";
  };
  provider.awareness.on("change", showPresent);
  showPresent();
  // Exposed for the browser tests.
  window.acunumNotepad = { quill, ydoc, provider };
}
