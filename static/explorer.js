// The explorer: one page image with its regions as SVG polygons, and the regions' text in reading
// order beside it, corrected in place through the API. Zoom and pan only change the SVG's viewBox
// (in page pixels), so hundreds of polygons are never laid out again; every listener is delegated.
// explorer-model.js keeps the regions, explorer-edit.js saves changes (with undo), explorer-line.js
// is the line editor, explorer-tools.js the drawing and dragging. Those are imported once the page
// is drawn, so the first draw waits for this module and the model alone.

import { createModel } from "./explorer-model.js";

const root = document.getElementById("explorer");
if (root) explorer(root);

function explorer(root) {
  const W = Number(root.dataset.width);
  const H = Number(root.dataset.height);
  const readonly = root.hasAttribute("data-readonly");
  const svg = root.querySelector("svg");
  const figure = root.querySelector(".page-view");
  const list = document.getElementById("regions");
  const tip = document.getElementById("region-tip");
  const status = document.getElementById("edit-status");
  const count = document.getElementById("regions-count");
  const lowOnly = document.getElementById("low-only");
  const verified = document.getElementById("page-verified");
  const model = createModel({ svg, list, high: Number(root.dataset.high), medium: Number(root.dataset.medium) });
  const MAX_ZOOM = 24;

  // legible.js highlights any [data-region-id] while hovered by toggling `selected`, which would
  // drop the explorer's own selection; mouseenter/leave reach their target through this capture.
  for (const type of ["mouseenter", "mouseleave"]) {
    root.addEventListener(type, (event) => { if (event.target !== root) event.stopPropagation(); }, true);
  }

  function say(message, isError = false) {
    status.textContent = message;
    status.classList.toggle("error", isError);
  }

  // ---- view: the viewBox always has the figure's aspect, so one scale applies to both axes ----
  let view = { x: 0, y: 0, w: W, h: H };
  let atFit = true;
  let frame = 0;

  function fitted() {
    const box = svg.getBoundingClientRect();
    const aspect = box.width > 0 && box.height > 0 ? box.width / box.height : W / H;
    if (W / H > aspect) {
      const h = W / aspect;
      return { x: 0, y: (H - h) / 2, w: W, h };
    }
    const w = H * aspect;
    return { x: (W - w) / 2, y: 0, w, h: H };
  }

  function setView(next) {
    const fit = fitted();
    const w = Math.min(fit.w, Math.max(fit.w / MAX_ZOOM, next.w));
    const h = (w * fit.h) / fit.w;
    // Keep the view's centre on the page, so the page can never be lost off screen.
    const cx = Math.min(W, Math.max(0, next.x + next.w / 2));
    const cy = Math.min(H, Math.max(0, next.y + next.h / 2));
    atFit = w >= fit.w;
    view = atFit ? fit : { x: cx - w / 2, y: cy - h / 2, w, h };
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
        root.dataset.zoom = (fitted().w / view.w).toFixed(2);
        tools?.rescale();
      });
    }
  }

  function zoomBy(factor, px, py) {
    const x = px ?? view.x + view.w / 2;
    const y = py ?? view.y + view.h / 2;
    const w = view.w / factor;
    const h = view.h / factor;
    setView({ x: x - ((x - view.x) * w) / view.w, y: y - ((y - view.y) * h) / view.h, w, h });
  }

  function toPage(clientX, clientY) {
    const box = svg.getBoundingClientRect();
    return {
      x: view.x + ((clientX - box.left) * view.w) / box.width,
      y: view.y + ((clientY - box.top) * view.h) / box.height,
    };
  }

  // Page pixels per screen pixel at the current zoom.
  const pixel = () => view.w / (svg.getBoundingClientRect().width || 1);

  function reveal(id) {
    const shape = model.get(id)?.shape;
    if (!shape) return;
    const b = shape.getBBox();
    const inside = b.x >= view.x && b.y >= view.y && b.x + b.width <= view.x + view.w && b.y + b.height <= view.y + view.h;
    if (!inside) setView({ ...view, x: b.x + b.width / 2 - view.w / 2, y: b.y + b.height / 2 - view.h / 2 });
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const p = toPage(event.clientX, event.clientY);
    zoomBy(Math.exp(-event.deltaY * lines * 0.002), p.x, p.y);
  }, { passive: false });

  // A press that moves pans; one that does not is a click on whatever polygon it hit. Drawing
  // tools and corner handles take the left button first (Space or the middle button still pan).
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (tools?.pointerdown(event)) return;
    if (event.button !== 0 && event.button !== 1) return;
    if (event.button === 1) event.preventDefault();
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY, view, moved: false };
  });
  svg.addEventListener("pointermove", (event) => {
    if (tools?.pointermove(event)) return;
    if (drag && drag.id === event.pointerId) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) { drag.moved = true; svg.setPointerCapture(event.pointerId); figure.classList.add("panning"); }
      const scale = view.w / svg.getBoundingClientRect().width;
      setView({ ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale });
      return;
    }
    if (!tip.hidden) placeTip(event);
  });
  svg.addEventListener("pointerup", (event) => {
    if (tools?.pointerup(event)) { drag = null; return; }
    if (!drag || drag.id !== event.pointerId) return;
    const moved = drag.moved;
    drag = null;
    figure.classList.remove("panning");
    const polygon = event.target.closest && event.target.closest("polygon[data-region-id]");
    if (!moved && polygon && event.button === 0) { select(polygon.dataset.regionId); edit(polygon.dataset.regionId); }
  });
  svg.addEventListener("pointercancel", () => { drag = null; figure.classList.remove("panning"); });
  // A page shown whole stays whole when the view changes size (the line editor opening).
  new ResizeObserver(() => setView(atFit ? fitted() : view)).observe(svg);

  // ---- hover: the text beside the cursor, and the region marked in both places ----
  function placeTip(event) {
    const box = figure.getBoundingClientRect();
    const x = Math.min(event.clientX - box.left + 14, box.width - tip.offsetWidth - 4);
    tip.style.transform = `translate(${Math.max(4, x)}px, ${event.clientY - box.top + 18}px)`;
  }
  function hover(id, on) {
    const record = model.get(id);
    record?.shape.toggleAttribute("data-hover", on);
    record?.li.toggleAttribute("data-hover", on);
  }
  svg.addEventListener("pointerover", (event) => {
    const polygon = event.target.closest("polygon[data-region-id]");
    if (!polygon || drag?.moved) return;
    hover(polygon.dataset.regionId, true);
    tip.textContent = model.get(polygon.dataset.regionId)?.text || "(no text)";
    tip.hidden = false;
    placeTip(event);
  });
  svg.addEventListener("pointerout", (event) => {
    const polygon = event.target.closest("polygon[data-region-id]");
    if (!polygon) return;
    hover(polygon.dataset.regionId, false);
    tip.hidden = true;
  });
  list.addEventListener("pointerover", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (li) hover(li.dataset.regionId, true);
  });
  list.addEventListener("pointerout", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (li) hover(li.dataset.regionId, false);
  });

  // ---- selection, kept in step between the drawing and the list ----
  let selected = null;
  function select(id, { focus = true, center = false } = {}) {
    const old = model.get(selected);
    if (old && selected !== id) {
      old.shape.classList.remove("selected");
      old.li.classList.remove("selected");
      old.li.tabIndex = -1;
    }
    const record = model.get(id);
    selected = record ? record.id : null;
    tools?.corners(record);
    refresh();
    if (!record) return;
    record.li.classList.add("selected");
    record.li.tabIndex = 0;
    record.shape.classList.add("selected");
    reveal(record.id);
    if (focus && !record.li.contains(document.activeElement)) record.li.focus();
    // Scrolled inside the list only: the page itself stays where it is.
    const top = record.li.offsetTop;
    if (center) list.scrollTop = top - (list.clientHeight - record.li.offsetHeight) / 2;
    else if (top < list.scrollTop || top + record.li.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = top - list.clientHeight / 3;
    }
    const url = new URL(location.href);
    url.searchParams.set("region", record.id);
    history.replaceState(null, "", url);
  }

  function visibleItems() {
    return root.classList.contains("low-only") ? model.records.filter((r) => r.li.dataset.band !== "high") : model.records;
  }

  function neighbour(id, delta) {
    const shown = visibleItems();
    const at = shown.findIndex((r) => r.id === String(id));
    return at < 0 ? null : shown[at + delta] ?? null;
  }

  function step(delta) {
    const shown = visibleItems();
    if (!shown.length) return;
    const at = shown.findIndex((r) => r.id === selected);
    const next = at < 0 ? (delta > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + delta));
    select(shown[next].id);
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (!li || event.target.closest(".conflict") || tools?.onGrip(event, li)) return;
    select(li.dataset.regionId);
    edit(li.dataset.regionId);
  });
  list.addEventListener("focusin", (event) => {
    // The entry itself, not a button of its conflict panel (selecting would move the panel).
    const li = event.target.closest("li[data-region-id]");
    if (li && li === event.target && li.dataset.regionId !== selected) select(li.dataset.regionId, { focus: false });
  });

  // ---- editing: saved through explorer-edit.js; the toolbar follows what can be done ----
  let editing = null;
  let line = null;
  let tools = null;

  async function enableEditing() {
    const [{ createEditing }, { createLineEditor }, { createTools }, { request, problem }] = await Promise.all([
      import("./explorer-edit.js"),
      import("./explorer-line.js"),
      import("./explorer-tools.js"),
      import("./corrections.js"),
    ]);
    editing = createEditing({ root, model, say, changed });
    line = createLineEditor({ root, model, editing, select, reveal, neighbour, say });
    tools = createTools({ root, svg, list, model, editing, toPage, pixel, say, visible: visibleItems, drawn: (region) => edit(String(region.id)) });
    tools.corners(model.get(selected));
    refresh();
    verified?.addEventListener("change", async () => {
      const wanted = verified.checked;
      const answer = await request("PUT", root.dataset.verifiedUrl, root.dataset.csrf, { verified: wanted });
      if (answer.ok) {
        say(wanted ? "Page marked verified: its regions and text are ground truth." : "Page no longer marked verified.");
        document.querySelector('.pages a[aria-current="page"]')?.toggleAttribute("data-verified", wanted);
      } else {
        verified.checked = !wanted;
        say(`Not changed: ${problem(answer)}`, true);
      }
    });
    // Leaving while a change is on its way, or with a line's text typed and not saved, asks first.
    window.addEventListener("beforeunload", (event) => {
      if (editing.busy() || line?.unsaved()) event.preventDefault();
    });
    root.dataset.editable = "";
  }

  function edit(id) {
    if (line && model.get(id)) line.open(id);
  }

  function changed() {
    if (selected && !model.get(selected)) selected = null;
    line?.sync();
    if (selected) tools?.corners(model.get(selected));
    count.textContent = countText();
    refresh();
  }

  function refresh() {
    if (!editing) return;
    const at = model.index(selected);
    const last = model.records.length - 1;
    const blocked = {
      "merge-previous": at <= 0,
      earlier: at <= 0,
      "merge-next": at < 0 || at >= last,
      later: at < 0 || at >= last,
    };
    for (const b of root.querySelectorAll("[data-needs=region]")) b.disabled = at < 0 || Boolean(blocked[b.dataset.action]);
    const { undo, redo } = editing.history();
    const undoButton = root.querySelector('[data-action="undo"]');
    const redoButton = root.querySelector('[data-action="redo"]');
    undoButton.disabled = !undo;
    undoButton.title = undo ? `Undo the ${undo} (Ctrl+Z)` : "Nothing to undo (Ctrl+Z)";
    redoButton.disabled = !redo;
    redoButton.title = redo ? `Redo the ${redo} (Ctrl+Shift+Z)` : "Nothing to redo (Ctrl+Shift+Z)";
  }

  // Actions on the selected region commit the line editor first, so its text is saved before.
  function onSelected(run) {
    return () => {
      if (!editing) return;
      if (!selected) { say("Select a region first (click it, or j / k).", true); return; }
      line?.commit();
      run(selected);
    };
  }

  async function mergeWith(delta) {
    const other = model.records[model.index(selected) + delta];
    if (!other) { say(delta < 0 ? "The first line has no line before it." : "The last line has no line after it.", true); return; }
    const keep = delta < 0 ? other.id : selected;
    line?.close({ focus: false });
    const merged = await editing.mergeWith(selected, other.id);
    select(merged ? String(merged.id) : keep);
  }

  async function erase(id) {
    const next = model.records[model.index(id) + 1] || model.records[model.index(id) - 1];
    line?.close({ focus: false });
    if (await editing.erase(id)) { if (next) select(next.id); else list.focus(); }
  }

  // ---- toolbar and keys ----
  function toggleOverlays() {
    const off = root.classList.toggle("no-overlays");
    root.querySelector('[data-action="overlays"]').setAttribute("aria-pressed", String(!off));
  }

  function countText() {
    const all = model.records.length;
    if (lowOnly.checked) return `${visibleItems().length} of ${all} regions`;
    return `${all} region${all === 1 ? "" : "s"}`;
  }

  function filterLow() {
    root.classList.toggle("low-only", lowOnly.checked);
    count.textContent = countText();
  }
  lowOnly.addEventListener("change", filterLow);

  const actions = {
    "zoom-in": () => zoomBy(1.5),
    "zoom-out": () => zoomBy(1 / 1.5),
    fit: () => setView(fitted()),
    overlays: toggleOverlays,
    delete: onSelected(erase),
    "merge-previous": onSelected(() => mergeWith(-1)),
    "merge-next": onSelected(() => mergeWith(1)),
    earlier: onSelected((id) => editing.move(id, { by: -1 })),
    later: onSelected((id) => editing.move(id, { by: 1 })),
    undo: () => { line?.close({ focus: false }); editing?.undo(); },
    redo: () => { line?.close({ focus: false }); editing?.redo(); },
  };
  root.querySelector(".explorer-tools").addEventListener("click", (event) => {
    const tool = event.target.closest("button[data-tool]")?.dataset.tool;
    if (tool) { tools?.use(tool); return; }
    const action = event.target.closest("button[data-action]")?.dataset.action;
    if (action) actions[action]();
  });

  // Letters typed into a text field are text; on a checkbox or button they are still shortcuts.
  const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"]);
  const isTyping = (el) =>
    Boolean(el.closest("textarea, select, [contenteditable]")) || (el.tagName === "INPUT" && !NOT_TEXT.has(el.type));

  document.addEventListener("keydown", (event) => {
    if (event.isComposing || isTyping(event.target)) return;
    const key = event.key;
    if (!readonly && (event.ctrlKey || event.metaKey) && !event.altKey) {
      const letter = key.toLowerCase();
      if (letter === "z" || letter === "y") {
        event.preventDefault();
        if (letter === "y" || event.shiftKey) actions.redo(); else actions.undo();
      }
      return;
    }
    if (!readonly && event.altKey && !event.ctrlKey && !event.metaKey && (key === "ArrowUp" || key === "ArrowDown")) {
      event.preventDefault();
      actions[key === "ArrowUp" ? "earlier" : "later"]();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (tools?.key(event)) { event.preventDefault(); return; }
    const control = event.target.closest("button, a, summary");
    const keys = {
      j: () => step(1),
      k: () => step(-1),
      "+": actions["zoom-in"],
      "=": actions["zoom-in"],
      "-": actions["zoom-out"],
      "0": actions.fit,
      o: toggleOverlays,
      Escape: () => line?.close(),
      Enter: control ? null : () => { if (!selected) step(1); edit(selected); },
    };
    if (!readonly) {
      Object.assign(keys, {
        v: () => tools?.use("select"),
        r: () => tools?.use("rectangle"),
        p: () => tools?.use("polygon"),
        Delete: actions.delete,
        m: actions["merge-next"],
        M: actions["merge-previous"],
      });
    }
    const run = keys[key];
    if (run) { event.preventDefault(); run(); }
  });

  // ---- start: the server may have marked a region (a search hit); first draw is measured ----
  const initial = model.records.find((r) => r.li.classList.contains("selected"));
  if (initial) select(initial.id, { focus: false, center: true });
  else if (model.records.length) model.records[0].li.tabIndex = 0;
  refresh();
  setView(fitted());

  const image = svg.querySelector("image");
  const probe = new Image();
  probe.src = image.href.baseVal;
  probe.decode().catch(() => {}).then(() => requestAnimationFrame(() => requestAnimationFrame(() => {
    // Time to first draw: polygons in the DOM and the page image decoded, since navigation start.
    window.legibleFirstDraw = performance.now();
    performance.mark("legible-first-draw");
    root.dataset.drawn = "";
    // Editing loads once the page is drawn: its modules never delay the first draw.
    if (!readonly) enableEditing();
  })));
}
