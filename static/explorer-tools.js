// Pointer gestures that change regions: drawing a rectangle (drag) or a polygon (click its
// corners), dragging a selected region's corners, and dragging a line to another place in the
// reading order. Each finished gesture is one change through explorer-edit.js.

import { formatPoints } from "./explorer-model.js";

const SVG = "http://www.w3.org/2000/svg";
const HANDLE_PX = 6; // corner handles' radius in screen pixels, whatever the zoom
const CLOSE_PX = 4;
const GRIP_PX = 16; // a list entry's left edge, where it is dragged from // a click this near the last corner adds none (the two clicks of a double-click)

const HINTS = {
  rectangle: "Rectangle: drag over the text. Space+drag pans; Esc goes back to selecting.",
  polygon: "Polygon: click each corner; double-click or Enter closes it; Backspace removes the last corner; Esc cancels.",
};

export function createTools({ root, svg, list, model, editing, toPage, pixel, say, drawn, visible }) {
  const W = Number(root.dataset.width);
  const H = Number(root.dataset.height);
  const handles = svg.querySelector(".handles");
  const layer = svg.querySelector(".drawing");
  const buttons = root.querySelectorAll("[data-tool]");
  let tool = "select";
  let space = false; // Space held: the pointer pans, whatever the tool
  let sketch = null; // a shape being drawn: { kind, points, shape, pointer }
  let grab = null; // a corner being dragged: { record, index, polygon, pointer, moved }
  let shown = null; // the region whose corners are shown
  let dragging = null; // a line being dragged in the list: { li, pointer, target }

  const clamp = (p) => [Math.min(W, Math.max(0, p.x)), Math.min(H, Math.max(0, p.y))];

  function use(name) {
    cancel();
    tool = name;
    root.dataset.tool = name;
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.tool === name));
    say(HINTS[name] || "");
    corners(shown);
  }

  // ---- corner handles of the selected region ----
  function corners(record) {
    shown = record && model.get(record.id) ? record : null;
    handles.replaceChildren();
    if (!shown || tool !== "select") return;
    const r = HANDLE_PX * pixel();
    shown.polygon.forEach(([x, y], index) => {
      const handle = document.createElementNS(SVG, "circle");
      handle.setAttribute("cx", x);
      handle.setAttribute("cy", y);
      handle.setAttribute("r", r);
      handle.dataset.index = index;
      handle.setAttribute("class", "handle");
      handles.append(handle);
    });
  }

  function rescale() {
    const r = HANDLE_PX * pixel();
    for (const handle of handles.children) handle.setAttribute("r", r);
  }

  // ---- drawing ----
  function startSketch(kind, point, pointer) {
    const shape = document.createElementNS(SVG, kind === "polygon" ? "polyline" : "polygon");
    shape.setAttribute("class", "sketch");
    layer.append(shape);
    sketch = { kind, points: [point], shape, pointer, cursor: point };
    drawSketch();
  }

  function drawSketch() {
    if (!sketch) return;
    let points = sketch.points;
    if (sketch.kind === "rectangle") {
      const [[x0, y0], [x1, y1]] = [sketch.points[0], sketch.cursor];
      points = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    } else {
      points = [...sketch.points, sketch.cursor];
    }
    sketch.shape.setAttribute("points", formatPoints(points));
  }

  function cancel() {
    if (sketch) { sketch.shape.remove(); sketch = null; }
  }

  async function finish(points) {
    const shape = sketch.shape;
    sketch = null;
    const outline = document.createElementNS(SVG, "polygon");
    outline.setAttribute("class", "sketch pending");
    outline.setAttribute("points", formatPoints(points));
    shape.replaceWith(outline);
    const region = await editing.create(points);
    outline.remove();
    if (region) drawn(region);
  }

  function closePolygon() {
    if (!sketch || sketch.kind !== "polygon") return;
    if (sketch.points.length < 3) { say("A polygon needs at least three corners.", true); return; }
    finish(sketch.points);
  }

  // ---- the page's pointer events (explorer.js passes them here first) ----
  function pointerdown(event) {
    if (space || event.button !== 0 || root.hasAttribute("data-readonly")) return false;
    const handle = event.target.closest?.("circle.handle");
    if (handle && shown) {
      grab = {
        record: shown,
        index: Number(handle.dataset.index),
        polygon: shown.polygon.map(([x, y]) => [x, y]),
        pointer: event.pointerId,
        moved: false,
        handle,
      };
      svg.setPointerCapture(event.pointerId);
      return true;
    }
    if (tool === "rectangle") {
      startSketch("rectangle", clamp(toPage(event.clientX, event.clientY)), event.pointerId);
      svg.setPointerCapture(event.pointerId);
      return true;
    }
    return tool === "polygon";
  }

  function pointermove(event) {
    if (grab && grab.pointer === event.pointerId) {
      const [x, y] = clamp(toPage(event.clientX, event.clientY));
      grab.polygon[grab.index] = [x, y];
      grab.moved = true;
      grab.handle.setAttribute("cx", x);
      grab.handle.setAttribute("cy", y);
      grab.record.shape.setAttribute("points", formatPoints(grab.polygon));
      return true;
    }
    if (sketch) {
      sketch.cursor = clamp(toPage(event.clientX, event.clientY));
      drawSketch();
      return sketch.kind === "rectangle";
    }
    return false;
  }

  function pointerup(event) {
    if (grab && grab.pointer === event.pointerId) {
      const { record, polygon, moved } = grab;
      grab = null;
      if (moved) {
        editing.reshape(record.id, polygon).then((saved) => {
          const now = model.get(editing.resolve(record.id));
          if (!saved && now) now.shape.setAttribute("points", formatPoints(now.polygon));
          corners(now);
        });
      }
      return true;
    }
    if (sketch?.kind === "rectangle" && sketch.pointer === event.pointerId) {
      sketch.cursor = clamp(toPage(event.clientX, event.clientY));
      const [[x0, y0], [x1, y1]] = [sketch.points[0], sketch.cursor];
      const least = 4 * pixel();
      if (Math.abs(x1 - x0) < least || Math.abs(y1 - y0) < least) { cancel(); return true; }
      const [left, right, top, bottom] = [Math.min(x0, x1), Math.max(x0, x1), Math.min(y0, y1), Math.max(y0, y1)];
      sketch.points = [[left, top], [right, top], [right, bottom], [left, bottom]];
      finish(sketch.points);
      return true;
    }
    if (tool === "polygon" && event.button === 0 && !space && !root.hasAttribute("data-readonly")) {
      const point = clamp(toPage(event.clientX, event.clientY));
      if (!sketch) { startSketch("polygon", point, event.pointerId); return true; }
      const [lx, ly] = sketch.points.at(-1);
      if (Math.hypot(point[0] - lx, point[1] - ly) > CLOSE_PX * pixel()) sketch.points.push(point);
      drawSketch();
      return true;
    }
    return false;
  }

  svg.addEventListener("dblclick", (event) => {
    if (tool !== "polygon") return;
    event.preventDefault();
    closePolygon();
  });

  // ---- keys for the tools (explorer.js asks first, outside text fields) ----
  function key(event) {
    if (sketch?.kind === "polygon") {
      if (event.key === "Enter") { closePolygon(); return true; }
      if (event.key === "Backspace") {
        if (sketch.points.length > 1) { sketch.points.pop(); drawSketch(); } else cancel();
        return true;
      }
    }
    if (event.key === "Escape" && sketch) { cancel(); say("Drawing cancelled."); return true; }
    if (event.key === "Escape" && tool !== "select") { use("select"); return true; }
    if (event.key === " " && tool !== "select" && !event.target.closest("button, a, summary, input")) {
      if (!space) { space = true; root.dataset.space = ""; }
      return true;
    }
    return false;
  }
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && space) { space = false; delete root.dataset.space; }
  });
  window.addEventListener("blur", () => { space = false; delete root.dataset.space; });

  // ---- dragging a line in the list to another place in the reading order ----
  function dropTarget(clientY) {
    const rows = visible().map((r) => r.li).filter((li) => li !== dragging.li);
    for (const li of rows) {
      const box = li.getBoundingClientRect();
      if (clientY < box.top + box.height / 2) return { li, before: true };
    }
    return rows.length ? { li: rows.at(-1), before: false } : null;
  }

  function markDrop(target) {
    list.querySelectorAll("li[data-drop]").forEach((li) => delete li.dataset.drop);
    if (target) target.li.dataset.drop = target.before ? "before" : "after";
  }

  // The grip is the entry's left edge (drawn by CSS: no element per line, for large pages).
  const onGrip = (event, li) => li && event.clientX - li.getBoundingClientRect().left < GRIP_PX;

  list.addEventListener("pointerdown", (event) => {
    const li = event.target.closest("li[data-region-id]");
    if (!onGrip(event, li) || event.button !== 0 || root.hasAttribute("data-readonly")) return;
    if (event.target.closest(".conflict")) return;
    event.preventDefault();
    dragging = { li, pointer: event.pointerId, target: null };
    li.dataset.dragging = "";
    list.setPointerCapture(event.pointerId);
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragging || dragging.pointer !== event.pointerId) return;
    dragging.target = dropTarget(event.clientY);
    markDrop(dragging.target);
    const box = list.getBoundingClientRect();
    if (event.clientY < box.top + 24) list.scrollTop -= 16;
    else if (event.clientY > box.bottom - 24) list.scrollTop += 16;
  });
  const endDrag = (event) => {
    if (!dragging || dragging.pointer !== event.pointerId) return;
    const { li, target } = dragging;
    dragging = null;
    delete li.dataset.dragging;
    markDrop(null);
    if (event.type !== "pointerup" || !target) return;
    const from = model.index(li.dataset.regionId);
    let to = model.index(target.li.dataset.regionId) + (target.before ? 0 : 1);
    if (to > from) to -= 1;
    editing.move(li.dataset.regionId, { to });
  };
  list.addEventListener("pointerup", endDrag);
  list.addEventListener("pointercancel", endDrag);

  return {
    onGrip,
    use,
    tool: () => tool,
    panning: () => space,
    corners,
    rescale,
    pointerdown,
    pointermove,
    pointerup,
    key,
  };
}
