// The review queue (templates/ocr/review.html): one line after another from the keyboard. Enter
// saves a changed line and moves on at once, Ctrl+Enter accepts a line as read, Shift+Enter goes
// back, Esc puts back the line's text. Saves of one line go one after another (each with the
// version the one before it left); a save that fails leaves the text in its box with the reason,
// and the conflict panel when someone else changed the line meanwhile.

import { conflictBox, problem, request } from "./corrections.js";

const list = document.getElementById("review-lines");
if (list) review(list);

function review(list) {
  const csrf = list.dataset.csrf;
  const regionUrl = (id) => list.dataset.regionUrl.replace(/0\/$/, `${id}/`);
  const status = document.getElementById("review-status");
  const bar = document.getElementById("review-progress");
  const counter = document.getElementById("review-count");
  const queues = new WeakMap();
  let loading = null;

  const say = (message, isError = false) => {
    status.textContent = message;
    status.classList.toggle("error", isError);
  };
  const lines = () => Array.from(list.querySelectorAll("li.review-line"));
  const fieldOf = (li) => li.querySelector("input.line-text");

  function reviewed() {
    const done = Number(bar.value) + 1;
    const total = Number(counter.querySelector("[data-total]").textContent);
    bar.value = done;
    counter.querySelector("[data-reviewed]").textContent = done;
    counter.querySelector("[data-percent]").textContent = total ? Math.round((100 * done) / total) : 100;
  }

  function state(li, text, kind = "") {
    const span = li.querySelector(".line-state");
    span.textContent = text;
    li.dataset.state = kind;
  }

  // One save at a time per line, so each carries the version the one before it left.
  function save(li, text, confirm) {
    const previous = queues.get(li) || Promise.resolve();
    const next = previous.then(() => send(li, text, confirm));
    queues.set(li, next);
    return next;
  }

  async function send(li, text, confirm) {
    if (!confirm && text === li.dataset.text && li.hasAttribute("data-reviewed")) return;
    state(li, "Saving…", "saving");
    const answer = await request("PATCH", regionUrl(li.dataset.regionId), csrf, { version: Number(li.dataset.version), text });
    li.querySelectorAll(".conflict").forEach((box) => box.remove());
    if (answer.ok) {
      const read = text === li.dataset.text;
      li.dataset.version = answer.body.version;
      li.dataset.text = answer.body.text;
      if (!li.hasAttribute("data-reviewed")) { li.toggleAttribute("data-reviewed", true); reviewed(); }
      state(li, read ? "Accepted as read" : "Corrected", "saved");
      say(read ? "Accepted as read." : "Saved.");
      return;
    }
    if (answer.status === 409 && answer.body.current) {
      const current = answer.body.current;
      li.dataset.version = current.version;
      state(li, "Not saved: changed by someone else", "conflict");
      say("Not saved: someone else changed a line meanwhile. Choose which text to keep.", true);
      li.append(conflictBox({
        mine: text,
        current,
        onKeep: () => save(li, text, true),
        onDiscard: () => {
          li.querySelector(".conflict")?.remove();
          fieldOf(li).value = current.text;
          li.dataset.text = current.text;
          state(li, "Kept the current text", "");
        },
      }));
      return;
    }
    state(li, `Not saved: ${problem(answer)} Press Enter on it to try again.`, "failed");
    say(`A line was not saved: ${problem(answer)} Its text is still in its box.`, true);
  }

  function focus(li) {
    const field = fieldOf(li);
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
    li.scrollIntoView({ block: "center" });
  }

  async function more() {
    const sentinel = list.querySelector("li.review-more");
    if (!sentinel) return false;
    loading = loading || (async () => {
      try {
        const response = await fetch(sentinel.dataset.moreUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } });
        if (!response.ok) throw new Error(String(response.status));
        const template = document.createElement("template");
        template.innerHTML = await response.text();
        sentinel.replaceWith(template.content);
        return true;
      } catch (_) {
        say("Could not load more lines; try again.", true);
        return false;
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  async function go(li, delta) {
    const all = lines();
    const at = all.indexOf(li);
    let next = all[at + delta];
    if (!next && delta > 0 && (await more())) next = lines()[at + 1];
    if (next) { focus(next); return; }
    say(delta > 0 ? "That was the last line to review. Reload the page to see the lines left unchanged." : "This is the first line.");
  }

  list.addEventListener("keydown", (event) => {
    const field = event.target.closest("input.line-text");
    if (!field || event.isComposing) return;
    const li = field.closest("li.review-line");
    if (event.key === "Enter" && !event.altKey) {
      event.preventDefault();
      if (event.shiftKey) { go(li, -1); return; }
      const confirm = event.ctrlKey || event.metaKey;
      if (confirm || field.value !== li.dataset.text || li.dataset.state === "failed") save(li, field.value, confirm);
      go(li, 1);
    } else if (event.key === "Escape") {
      event.preventDefault();
      field.value = li.dataset.text;
      say("Put back the line's text.");
    }
  });

  list.addEventListener("click", (event) => {
    const accept = event.target.closest("[data-accept]");
    if (!accept) return;
    const li = accept.closest("li.review-line");
    save(li, fieldOf(li).value, true);
    go(li, 1);
  });

  // The first line, ready to type at the end of its text. Not `autofocus` in the page: that
  // focuses it with the caret first, and keys typed before this script ran went there.
  const first = lines()[0];
  if (first && [document.body, fieldOf(first)].includes(document.activeElement)) focus(first);
}
