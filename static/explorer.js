// The explorer: one page image with its regions as SVG polygons, and the regions' text in reading
// order beside it, edited in place through the API. Zoom and pan only change the SVG's viewBox (in
// page pixels), so hundreds of polygons are never laid out again; every listener is delegated.

const root = document.getElementById("explorer");
if (root) explorer(root);

function explorer(root) {
  const W = Number(root.dataset.width);
  const H = Number(root.dataset.height);
  const svg = root.querySelector("svg");
  const figure = root.querySelector(".page-view");
  const list = document.getElementById("regions");
  const tip = document.getElementById("region-tip");
  const status = document.getElementById("edit-status");
  const count = document.getElementById("regions-count");
  const lowOnly = document.getElementById("low-only");
  const items = Array.from(list.querySelectorAll("li[data-region-id]"));
  const polygons = new Map(
    Array.from(svg.querySelectorAll("polygon[data-region-id]"), (p) => [p.dataset.regionId, p]),
  );
  const itemsById = new Map(items.map((li) => [li.dataset.regionId, li]));
  const MAX_ZOOM = 24;

  // legible.js highlights any [data-region-id] while hovered by toggling `selected`, which would
  // drop the explorer's own selection; mouseenter/leave reach their target through this capture.
  for (const type of ["mouseenter", "mouseleave"]) {
    root.addEventListener(type, (event) => { if (event.target !== root) event.stopPropagation(); }, true);
  }

  // ---- view: the viewBox always has the figure's aspect, so one scale applies to both axes ----
  let view = { x: 0, y: 0, w: W, h: H };
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
    view = w >= fit.w ? fit : { x: cx - w / 2, y: cy - h / 2, w, h };
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
        root.dataset.zoom = (fitted().w / view.w).toFixed(2);
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

  function reveal(polygon) {
    const b = polygon.getBBox();
    const inside = b.x >= view.x && b.y >= view.y && b.x + b.width <= view.x + view.w && b.y + b.height <= view.y + view.h;
    if (!inside) setView({ ...view, x: b.x + b.width / 2 - view.w / 2, y: b.y + b.height / 2 - view.h / 2 });
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const p = toPage(event.clientX, event.clientY);
    zoomBy(Math.exp(-event.deltaY * lines * 0.002), p.x, p.y);
  }, { passive: false });

  // A press that moves pans; one that does not is a click on whatever polygon it hit.
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY, view, moved: false };
  });
  svg.addEventListener("pointermove", (event) => {
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
    if (!drag || drag.id !== event.pointerId) return;
    const moved = drag.moved;
    drag = null;
    figure.classList.remove("panning");
    const polygon = event.target.closest && event.target.closest("polygon[data-region-id]");
    if (!moved && polygon) { select(polygon.dataset.regionId); edit(itemsById.get(polygon.dataset.regionId)); }
  });
  svg.addEventListener("pointercancel", () => { drag = null; figure.classList.remove("panning"); });
  new ResizeObserver(() => setView(view)).observe(svg);

  // ---- hover: the text beside the cursor, and the region marked in both places ----
  function placeTip(event) {
    const box = figure.getBoundingClientRect();
    const x = Math.min(event.clientX - box.left + 14, box.width - tip.offsetWidth - 4);
    tip.style.transform = `translate(${Math.max(4, x)}px, ${event.clientY - box.top + 18}px)`;
  }
  function hover(id, on) {
    polygons.get(id)?.toggleAttribute("data-hover", on);
    itemsById.get(id)?.toggleAttribute("data-hover", on);
  }
  svg.addEventListener("pointerover", (event) => {
    const polygon = event.target.closest("polygon[data-region-id]");
    if (!polygon || drag?.moved) return;
    hover(polygon.dataset.regionId, true);
    tip.textContent = textOf(itemsById.get(polygon.dataset.regionId)) || "(no text)";
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
  function select(id, { focus = true } = {}) {
    if (selected && selected !== id) {
      polygons.get(selected)?.classList.remove("selected");
      const old = itemsById.get(selected);
      if (old) { old.classList.remove("selected"); old.tabIndex = -1; }
    }
    selected = id;
    const li = itemsById.get(id);
    const polygon = polygons.get(id);
    if (!li) return;
    li.classList.add("selected");
    li.tabIndex = 0;
    polygon?.classList.add("selected");
    if (polygon) reveal(polygon);
    if (focus && !li.contains(document.activeElement)) li.focus();
    const url = new URL(location.href);
    url.searchParams.set("region", id);
    history.replaceState(null, "", url);
  }

  function visibleItems() {
    return root.classList.contains("low-only") ? items.filter((li) => li.dataset.band !== "high") : items;
  }

  function step(delta) {
    const shown = visibleItems();
    if (!shown.length) return;
    const at = shown.findIndex((li) => li.dataset.regionId === selected);
    const next = at < 0 ? (delta > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + delta));
    select(shown[next].dataset.regionId);
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (!li || li.querySelector("form, .conflict")) return;
    select(li.dataset.regionId);
    edit(li);
  });
  list.addEventListener("focusin", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (li && li.dataset.regionId !== selected) select(li.dataset.regionId, { focus: false });
  });

  // ---- editing in place, saved with the version it started from ----
  const regionUrl = (id) => root.dataset.regionUrl.replace(/0\/$/, `${id}/`);
  const textOf = (li) => li.querySelector(".text")?.textContent ?? "";

  function say(message, isError = false) {
    status.textContent = message;
    status.classList.toggle("error", isError);
  }

  function edit(li) {
    if (!li || li.querySelector("form, .conflict")) return;
    const form = document.createElement("form");
    form.className = "edit";
    const input = document.createElement("input");
    input.type = "text";
    input.value = textOf(li);
    input.setAttribute("aria-label", `Text of region ${items.indexOf(li) + 1}`);
    const save = button("Save", "submit");
    const cancel = button("Cancel");
    form.append(input, save, cancel);
    li.querySelector(".text").hidden = true;
    li.append(form);
    input.focus();
    input.select();
    form.addEventListener("submit", (event) => { event.preventDefault(); send(li, input.value, Number(li.dataset.version)); });
    cancel.addEventListener("click", () => close(li));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); close(li); }
    });
  }

  function button(label, type = "button") {
    const b = document.createElement("button");
    b.type = type;
    b.textContent = label;
    return b;
  }

  function close(li, text) {
    li.querySelectorAll("form, .conflict").forEach((el) => el.remove());
    const span = li.querySelector(".text");
    if (text !== undefined) span.textContent = text;
    span.hidden = false;
    li.focus();
  }

  async function send(li, text, version) {
    const id = li.dataset.regionId;
    say("Saving…");
    let response;
    let body = {};
    try {
      response = await fetch(regionUrl(id), {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify({ text, version }),
      });
      body = await response.json().catch(() => ({}));
    } catch (_) {
      say("Could not reach the server; your text is still in the box.", true);
      return;
    }
    if (response.ok) {
      li.dataset.version = body.version;
      li.dataset.edited = "";
      close(li, body.text);
      say("Saved.");
    } else if (response.status === 409 && body.current) {
      conflict(li, text, body.current);
    } else {
      say(body.detail || Object.values(body).flat().join(" ") || `Not saved (${response.status}).`, true);
    }
  }

  function conflict(li, mine, current) {
    li.querySelectorAll("form, .conflict").forEach((el) => el.remove());
    li.dataset.version = current.version;
    const box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Edit conflict");
    const note = document.createElement("p");
    note.textContent = "Someone else changed this region while you edited it.";
    const texts = document.createElement("dl");
    for (const [term, value] of [["Your text", mine], ["Current text", current.text]]) {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      texts.append(dt, dd);
    }
    const keep = button("Keep mine");
    const theirs = button("Use theirs");
    keep.addEventListener("click", () => send(li, mine, Number(current.version)));
    theirs.addEventListener("click", () => { close(li, current.text); say("Kept the current text."); });
    box.append(note, texts, keep, theirs);
    li.append(box);
    say("Not saved: the region changed meanwhile. Choose which text to keep.", true);
    keep.focus();
  }

  // ---- toolbar and keys ----
  function toggleOverlays() {
    const off = root.classList.toggle("no-overlays");
    root.querySelector('[data-action="overlays"]').setAttribute("aria-pressed", String(!off));
  }

  function filterLow() {
    root.classList.toggle("low-only", lowOnly.checked);
    const shown = visibleItems().length;
    count.textContent = lowOnly.checked ? `${shown} of ${items.length} regions` : `${items.length} region${items.length === 1 ? "" : "s"}`;
  }
  lowOnly.addEventListener("change", filterLow);

  const actions = {
    "zoom-in": () => zoomBy(1.5),
    "zoom-out": () => zoomBy(1 / 1.5),
    fit: () => setView(fitted()),
    overlays: toggleOverlays,
  };
  root.querySelector(".explorer-tools").addEventListener("click", (event) => {
    const action = event.target.closest("button[data-action]")?.dataset.action;
    if (action) actions[action]();
  });

  // Letters typed into a text field are text; on a checkbox or button they are still shortcuts.
  const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"]);
  const isTyping = (el) =>
    Boolean(el.closest("textarea, select, [contenteditable]")) || (el.tagName === "INPUT" && !NOT_TEXT.has(el.type));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (isTyping(event.target)) return;
    const control = event.target.closest("button, a, summary");
    const keys = {
      j: () => step(1),
      k: () => step(-1),
      "+": actions["zoom-in"],
      "=": actions["zoom-in"],
      "-": actions["zoom-out"],
      "0": actions.fit,
      o: toggleOverlays,
      Escape: () => {
        const open = list.querySelector("li:has(> form, > .conflict)");
        if (open) close(open);
      },
      Enter: control ? null : () => edit(itemsById.get(selected) || (step(1), itemsById.get(selected))),
    };
    const run = keys[event.key];
    if (run) { event.preventDefault(); run(); }
  });

  // ---- start: the server may have marked a region (a search hit); first draw is measured ----
  const initial = items.find((li) => li.classList.contains("selected"));
  if (initial) select(initial.dataset.regionId, { focus: false });
  else if (items.length) items[0].tabIndex = 0;
  setView(fitted());

  const image = svg.querySelector("image");
  const probe = new Image();
  probe.src = image.href.baseVal;
  probe.decode().catch(() => {}).then(() => requestAnimationFrame(() => requestAnimationFrame(() => {
    // Time to first draw: polygons in the DOM and the page image decoded, since navigation start.
    window.legibleFirstDraw = performance.now();
    performance.mark("legible-first-draw");
    root.dataset.drawn = "";
  })));
}
