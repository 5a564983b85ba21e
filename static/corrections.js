// What the explorer and the review queue share: JSON requests to the API with the session's CSRF
// token, one answer shape whatever happened, and the panel that shows an edit conflict.

// {ok, status, body}; status 0 when the server could not be reached. Never throws.
export async function request(method, url, csrf, body) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrf };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body: data };
  } catch (_) {
    return { ok: false, status: 0, body: {} };
  }
}

// A sentence for a failed answer: the fields' messages when the API named them, else its detail.
export function problem(answer) {
  if (answer.status === 0) return "Could not reach the server.";
  const body = answer.body || {};
  const fields = body.errors ? Object.values(body.errors).flat() : [];
  return fields.join(" ") || body.detail || `The server answered ${answer.status}.`;
}

export function button(label, { type = "button", title } = {}) {
  const b = document.createElement("button");
  b.type = type;
  b.textContent = label;
  if (title) b.title = title;
  return b;
}

// Your text beside the text as it is now, and the choice between them. `current` is null when
// the save failed for another reason (the server unreachable): then the choice is to retry.
export function conflictBox({ mine, current, message, onKeep, onDiscard }) {
  const box = document.createElement("div");
  box.className = "conflict";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", current ? "Edit conflict" : "Not saved");
  const note = document.createElement("p");
  note.textContent = message || (current ? "Someone else changed this region while you edited it." : "Your text is not saved yet.");
  const texts = document.createElement("dl");
  const rows = current ? [["Your text", mine], ["Current text", current.text]] : [["Your text", mine]];
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    texts.append(dt, dd);
  }
  const keep = button(current ? "Keep mine" : "Try again");
  const other = button(current ? "Use theirs" : "Discard it");
  keep.addEventListener("click", (event) => { event.stopPropagation(); onKeep(); });
  other.addEventListener("click", (event) => { event.stopPropagation(); onDiscard(); });
  box.append(note, texts, keep, other);
  return box;
}
