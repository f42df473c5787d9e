// The notepad's editor: Quill bound to the Yjs document that the server keeps (y-websocket), with
// the names and cursors of the others. Bundled by esbuild at build time (see build.rs).
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import Quill from "quill";
import { QuillBinding } from "y-quill";

// The others' cursors, drawn by positioning elements from script (the page's security policy lets
// no style sheet be injected): the interface y-quill expects of a "cursors" module.
class RemoteCursors {
  constructor(quill) {
    this.quill = quill;
    this.cursors = new Map();
    this.layer = document.createElement("div");
    this.layer.className = "rc-layer";
    this.layer.setAttribute("aria-hidden", "true");
    quill.container.appendChild(this.layer);
    quill.on("editor-change", () => this.cursors.forEach((c) => this.place(c)));
  }
  createCursor(id, name, color) {
    let c = this.cursors.get(id);
    if (!c) {
      const caret = document.createElement("span");
      caret.className = "rc-caret";
      const flag = document.createElement("span");
      flag.className = "rc-flag";
      caret.appendChild(flag);
      this.layer.appendChild(caret);
      c = { caret, flag, range: null };
      this.cursors.set(id, c);
    }
    c.flag.textContent = name;
    c.caret.style.backgroundColor = color;
    c.flag.style.backgroundColor = color;
    return c;
  }
  moveCursor(id, range) {
    const c = this.cursors.get(id);
    if (!c) return;
    c.range = range;
    this.place(c);
  }
  place(c) {
    const b = c.range ? this.quill.getBounds(c.range.index + c.range.length) : null;
    if (!b) { c.caret.hidden = true; return; }
    c.caret.hidden = false;
    c.caret.style.left = `${b.left}px`;
    c.caret.style.top = `${b.top}px`;
    c.caret.style.height = `${b.height}px`;
  }
  removeCursor(id) {
    const c = this.cursors.get(id);
    if (c) { c.caret.remove(); this.cursors.delete(id); }
  }
}

Quill.register("modules/cursors", RemoteCursors);

// The toolbar's buttons, in French.
const LABELS = [
  [".ql-bold", "Gras"],
  [".ql-italic", "Italique"],
  [".ql-link", "Lien"],
  ['.ql-list[value="ordered"]', "Liste numérotée"],
  ['.ql-list[value="bullet"]', "Liste à puces"],
  [".ql-clean", "Effacer la mise en forme"],
];

function frenchToolbar(quill) {
  const toolbar = quill.getModule("toolbar");
  if (!toolbar || !toolbar.container) return;
  const bar = toolbar.container;
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Mise en forme");
  for (const [sel, label] of LABELS) {
    bar.querySelectorAll(sel).forEach((b) => { b.setAttribute("aria-label", label); b.setAttribute("title", label); });
  }
  bar.querySelectorAll(".ql-picker-label").forEach((l) => l.setAttribute("aria-label", "Niveau de titre"));
  bar.querySelectorAll(".ql-picker-item").forEach((item) => {
    const v = item.getAttribute("data-value");
    item.setAttribute("aria-label", v ? `Titre ${v}` : "Texte normal");
  });
}

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
  frenchToolbar(quill);
  // The text itself: named, and left with Escape then Tab (Tab alone inserts a tabulation).
  quill.root.setAttribute("role", "textbox");
  quill.root.setAttribute("aria-multiline", "true");
  quill.root.setAttribute("aria-label", "Texte du bloc-notes");
  if (document.getElementById("aide-clavier")) quill.root.setAttribute("aria-describedby", "aide-clavier");
  // Escape puts the focus just after the text (on the keyboard hint), so that Tab goes on.
  const after = document.getElementById("aide-clavier");
  if (after) after.setAttribute("tabindex", "-1");
  quill.root.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && after) {
      e.preventDefault();
      quill.blur();
      after.focus();
    }
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
