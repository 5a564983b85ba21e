// The line editor: the line's image, cut from the page image already loaded (an SVG viewBox, so
// it costs no request and follows a reshaped polygon), as wide as the editor allows, above a
// text field as wide as the line. Enter saves and moves to the next line, Shift+Enter to the
// previous one, Esc cancels. Saving never waits: the next line opens at once, and a save that
// fails keeps its text beside its line (explorer-edit.js), so no keystroke is lost.

import { bbox } from "./explorer-model.js";

const MAX_ZOOM = 4; // a short line is enlarged at most this much
const MIN_FIELD_PX = 320;

export function createLineEditor({ root, model, editing, select, reveal, neighbour, say }) {
  const panel = document.getElementById("line-editor");
  if (!panel) return null;
  const form = panel.querySelector("form");
  const field = panel.querySelector("#line-text");
  const image = panel.querySelector("#line-image");
  const outline = image.querySelector(".line-outline");
  const label = panel.querySelector("#line-label");
  const meta = panel.querySelector("#line-meta");
  let current = null;
  let original = "";

  function fit() {
    if (!current) return;
    const box = bbox(current.polygon);
    const pad = Math.max(3, box.h * 0.12);
    const [x, y, w, h] = [box.x - pad, box.y - pad, box.w + 2 * pad, box.h + 2 * pad];
    image.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
    outline.setAttribute("points", current.shape.getAttribute("points"));
    const style = getComputedStyle(panel);
    const room = panel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const tallest = Math.max(48, Math.min(120, window.innerHeight * 0.13));
    const scale = Math.min(room / w, tallest / h, MAX_ZOOM);
    const width = Math.max(1, Math.round(w * scale));
    image.style.width = `${width}px`;
    image.style.height = `${Math.max(1, Math.round(h * scale))}px`;
    field.style.width = `${Math.min(room, Math.max(width, MIN_FIELD_PX))}px`;
  }

  function describe(record) {
    const place = `Line ${model.index(record.id) + 1} of ${model.records.length}`;
    label.textContent = place;
    const notes = [`confidence ${record.li.dataset.score}`];
    if (record.li.hasAttribute("data-edited")) notes.push("corrected");
    meta.textContent = notes.join(" · ");
    field.setAttribute("aria-label", `Text of region ${model.index(record.id) + 1}`);
  }

  function open(id, { caret } = {}) {
    const record = model.get(editing.resolve(id));
    if (!record) return;
    if (current && current !== record) commit();
    if (current) delete current.li.dataset.editing;
    current = record;
    original = record.draft ?? record.text;
    record.li.dataset.editing = "";
    panel.hidden = false;
    root.dataset.editing = "";
    // A text whose save failed comes back into the box, ready to be saved again with Enter.
    field.value = record.unsaved ?? original;
    describe(record);
    select(record.id, { focus: false });
    fit();
    field.focus();
    const at = caret ?? field.value.length;
    field.setSelectionRange(at, at);
    // The page view is shorter now the editor shows: bring the line back into it.
    requestAnimationFrame(() => reveal(record.id));
  }

  // Saves what the field holds, when it changed (or always, to confirm a line as read).
  function commit({ confirm = false } = {}) {
    if (!current) return;
    if (field.value !== original || confirm) {
      editing.saveText(current.id, field.value);
      original = field.value;
    }
  }

  function close({ focus = true } = {}) {
    if (!current) return;
    const { li } = current;
    delete li.dataset.editing;
    current = null;
    panel.hidden = true;
    delete root.dataset.editing;
    if (focus && li.isConnected) li.focus();
  }

  function go(delta, options) {
    if (!current) return;
    commit(options);
    const next = neighbour(current.id, delta);
    if (next) open(next.id);
    else {
      close();
      say(delta > 0 ? "That was the last line; saved." : "That was the first line; saved.");
    }
  }

  async function splitHere() {
    const record = current;
    const at = field.selectionStart;
    const text = field.value;
    if (!(at > 0 && at < text.length)) {
      say("Put the text cursor inside the line, where the second line starts.", true);
      field.focus();
      return;
    }
    commit();
    // Typing waits for the split (a few milliseconds), so nothing lands in the wrong line.
    field.readOnly = true;
    const parts = await editing.splitAt(record.id, at);
    field.readOnly = false;
    if (!parts) { field.focus(); return; }
    current = null;
    delete record.li.dataset.editing;
    open(String(parts[1].id), { caret: 0 });
  }

  async function move(delta) {
    const record = current;
    commit();
    await editing.move(record.id, { by: delta });
    if (current === record) { describe(record); field.focus(); }
  }

  field.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    const key = event.key;
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey;
    let run = null;
    if (key === "Enter" && plain) run = () => go(event.shiftKey ? -1 : 1);
    else if (key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) run = () => go(1, { confirm: true });
    else if (key === "Enter" && event.altKey) run = splitHere;
    else if (key === "Escape") run = cancel;
    else if (event.altKey && !event.ctrlKey && (key === "ArrowUp" || key === "ArrowDown")) run = () => move(key === "ArrowUp" ? -1 : 1);
    if (run) { event.preventDefault(); event.stopPropagation(); run(); }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); go(1); });
  panel.querySelector('[data-line="split"]').addEventListener("click", splitHere);
  panel.querySelector('[data-line="cancel"]').addEventListener("click", cancel);
  new ResizeObserver(() => fit()).observe(panel);

  function cancel() {
    field.value = original;
    close();
    say("Closed without saving.");
  }

  return {
    open,
    commit,
    close,
    current: () => current,
    unsaved: () => Boolean(current) && field.value !== original,
    // After any change: follow the line's new shape or place, or close if it went.
    sync() {
      if (!current) return;
      if (!current.li.isConnected) { close({ focus: false }); return; }
      describe(current);
      fit();
    },
  };
}
