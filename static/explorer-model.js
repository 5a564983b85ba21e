// The page's regions in reading order, each with its entry in the list and its polygon on the
// page, kept in step with what the API answers. The server draws them first (a fast first
// paint); this reads them from the DOM, then inserts, updates, moves and removes both together.

const SVG = "http://www.w3.org/2000/svg";

export function parsePoints(text) {
  return text.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split(",").map(Number));
}

const round = (value) => Math.round(value * 10) / 10;
export const formatPoints = (polygon) => polygon.map(([x, y]) => `${round(x)},${round(y)}`).join(" ");

export function bbox(polygon) {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

export function createModel({ svg, list, high, medium }) {
  const overlay = svg.querySelector(".overlays");
  const shapes = new Map(Array.from(overlay.querySelectorAll("polygon[data-region-id]"), (p) => [p.dataset.regionId, p]));
  const records = [];
  const byId = new Map();

  for (const li of list.querySelectorAll("li[data-region-id]")) {
    const shape = shapes.get(li.dataset.regionId);
    const record = {
      id: li.dataset.regionId,
      li,
      shape,
      version: Number(li.dataset.version),
      text: li.querySelector(".text").textContent,
      _polygon: null,
      // Parsed when first needed: most of a large page's polygons are never edited.
      get polygon() { return this._polygon || (this._polygon = parsePoints(this.shape.getAttribute("points"))); },
      set polygon(value) { this._polygon = value; },
    };
    records.push(record);
    byId.set(record.id, record);
  }

  const band = (score) => (score >= high ? "high" : score >= medium ? "medium" : "low");

  function apply(record, region) {
    record.version = region.version;
    record.text = region.text;
    record.polygon = region.polygon.map(([x, y]) => [x, y]);
    record.li.dataset.version = region.version;
    record.li.querySelector(".text").textContent = region.text;
    const level = band(region.score);
    record.li.dataset.band = level;
    record.shape.dataset.band = level;
    record.li.dataset.score = `${Math.round(region.score * 100)}%`;
    record.li.toggleAttribute("data-edited", Boolean(region.edited));
    record.shape.setAttribute("points", formatPoints(record.polygon));
  }

  function build(region) {
    const li = document.createElement("li");
    li.tabIndex = -1;
    li.dataset.regionId = String(region.id);
    const text = document.createElement("span");
    text.className = "text";
    li.append(text);
    const shape = document.createElementNS(SVG, "polygon");
    shape.setAttribute("class", "region");
    shape.dataset.regionId = String(region.id);
    overlay.append(shape);
    const record = { id: String(region.id), li, shape, version: 0, text: "", polygon: [] };
    apply(record, region);
    return record;
  }

  function renumber() {
    // Explicit numbers, so hiding lines (the low-confidence filter) never renumbers the rest.
    records.forEach((record, i) => { if (record.li.value !== i + 1) record.li.value = i + 1; });
    const empty = list.querySelector("li.empty");
    if (records.length && empty) empty.remove();
    if (!records.length && !empty) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "No text regions on this page. Draw one: press r and drag over a line.";
      list.append(li);
    }
  }

  function place(record, at) {
    const before = records[at + 1]?.li ?? null;
    list.insertBefore(record.li, before && before.parentNode === list ? before : null);
  }

  return {
    records,
    get: (id) => byId.get(String(id)),
    index: (id) => records.findIndex((r) => r.id === String(id)),
    band,
    update(region) {
      const record = byId.get(String(region.id));
      if (record) apply(record, region);
      return record;
    },
    insert(region, at) {
      const record = build(region);
      const position = Math.min(Math.max(at, 0), records.length);
      records.splice(position, 0, record);
      byId.set(record.id, record);
      place(record, position);
      renumber();
      return record;
    },
    remove(id) {
      const record = byId.get(String(id));
      if (!record) return -1;
      const at = records.indexOf(record);
      records.splice(at, 1);
      byId.delete(record.id);
      record.li.remove();
      record.shape.remove();
      renumber();
      return at;
    },
    move(id, to) {
      const record = byId.get(String(id));
      if (!record) return;
      const from = records.indexOf(record);
      const position = Math.min(Math.max(to, 0), records.length - 1);
      if (from === position) return;
      records.splice(from, 1);
      records.splice(position, 0, record);
      place(record, position);
      renumber();
    },
  };
}
