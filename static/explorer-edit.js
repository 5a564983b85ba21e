// Every change of the page's regions goes through here: one at a time, in the order asked (so
// each request carries the version the one before it left), saved through the API, and kept
// on an undo stack as the inverse API calls. Undo and redo carry the versions current when they
// run; a region drawn again by an undo gets a new id, which later entries follow through `alias`.

import { conflictBox, problem, request } from "./corrections.js";

class Failed extends Error {
  constructor(answer) {
    super(problem(answer));
    this.answer = answer;
  }
}

const gone = () => new Failed({ status: 404, body: { detail: "That region is no longer on this page. Reload the page." } });

export function createEditing({ root, model, say, changed }) {
  const csrf = root.dataset.csrf;
  const regionUrl = (id) => root.dataset.regionUrl.replace(/0\/$/, `${id}/`);
  const undoStack = [];
  const redoStack = [];
  const alias = new Map();
  let queue = Promise.resolve();
  let pending = 0;

  function resolve(id) {
    let at = String(id);
    while (alias.has(at)) at = alias.get(at);
    return at;
  }

  function live(id) {
    const record = model.get(resolve(id));
    if (!record) throw gone();
    return record;
  }

  async function call(method, url, body) {
    const answer = await request(method, url, csrf, body);
    if (!answer.ok) throw new Failed(answer);
    return answer.body;
  }

  // ---- the API calls, each applied to the page as soon as it answers ----
  async function patch(id, changes) {
    const record = live(id);
    const region = await call("PATCH", regionUrl(record.id), { version: record.version, ...changes });
    model.update(region);
    if ("order" in changes) model.move(region.id, region.order);
    return region;
  }

  async function remove(id) {
    const record = live(id);
    await call("DELETE", `${regionUrl(record.id)}?version=${record.version}`);
    return model.remove(record.id);
  }

  // A region drawn (text left out: the server reads it), or put back by an undo at `at`.
  async function draw(polygon, text, at) {
    const body = { polygon };
    if (text !== undefined) body.text = text;
    if (at > 0 && model.records[at - 1]) body.after = Number(model.records[at - 1].id);
    let region = await call("POST", root.dataset.drawUrl, body);
    model.insert(region, region.order);
    if (at !== undefined && region.order !== at) region = await patch(region.id, { order: at });
    return region;
  }

  async function split(id, at) {
    const record = live(id);
    const answer = await call("POST", `${regionUrl(record.id)}split/`, { version: record.version, at });
    const [first, second] = answer.regions;
    model.update(first);
    model.insert(second, model.index(first.id) + 1);
    return [first, second];
  }

  async function merge(id, otherId) {
    const one = live(id);
    const other = live(otherId);
    const merged = await call("POST", `${regionUrl(one.id)}merge/`, {
      version: one.version,
      with: Number(other.id),
      with_version: other.version,
    });
    model.remove(String(merged.id) === one.id ? other.id : one.id);
    model.update(merged);
    return merged;
  }

  const snapshot = (record) => ({
    id: record.id,
    text: record.text,
    polygon: record.polygon.map(([x, y]) => [x, y]),
    index: model.index(record.id),
  });

  // ---- running one change, reporting what happened ----
  function enqueue(job) {
    pending += 1;
    root.dataset.changed = "";
    root.dataset.busy = "";
    const next = queue.then(job).finally(() => {
      pending -= 1;
      if (!pending) delete root.dataset.busy;
      if (!pending && !undoStack.length) delete root.dataset.changed;
      changed();
    });
    queue = next.catch(() => {});
    return next;
  }

  function report(error, onConflict) {
    if (!(error instanceof Failed)) {
      say(`Something went wrong: ${error.message}`, true);
      console.error(error);
      return;
    }
    const { status, body } = error.answer;
    if (status === 409 && body.current) {
      if (onConflict) { onConflict(body.current); return; }
      model.update(body.current);
      say("Not changed: someone else changed this region meanwhile. It shows their version now; try again.", true);
    } else if (status === 0) {
      say("Could not reach the server; nothing was changed. Try again.", true);
    } else {
      say(`Not changed: ${error.message}`, true);
    }
  }

  // Runs `work` (which returns the undo entry) in turn; resolves to its result, or null.
  function perform(working, done, work, { onConflict, onFailure } = {}) {
    return enqueue(async () => {
      say(working);
      try {
        const { entry, result } = await work();
        if (entry) { undoStack.push(entry); redoStack.length = 0; }
        say(done);
        return result ?? true;
      } catch (error) {
        if (onFailure && error instanceof Failed && error.answer.status !== 409) onFailure(error);
        else report(error, onConflict);
        return null;
      }
    });
  }

  // ---- the changes people make; each reads the page as it is when its turn comes ----
  function saveText(id, text) {
    const record = model.get(resolve(id));
    if (!record) return Promise.resolve(null);
    // Shown at once (and to the line editor, should it come back here before the answer).
    record.draft = text;
    record.li.dataset.saving = "";
    record.li.querySelector(".text").textContent = text;
    const promise = perform("Saving…", "Saved.", async () => {
      const before = live(id).text;
      await patch(id, { text });
      delete record.unsaved;
      record.li.querySelectorAll(".conflict").forEach((el) => el.remove());
      return { entry: { label: "text edit", undo: () => patch(id, { text: before }), redo: () => patch(id, { text }) } };
    }, {
      // The text is never lost: it stays beside the current one until the person chooses.
      onConflict: (current) => {
        model.update(current);
        record.unsaved = text;
        show(record, { mine: text, current, onKeep: () => saveText(record.id, text) });
        say("Not saved: the region changed meanwhile. Choose which text to keep.", true);
      },
      onFailure: (error) => {
        record.unsaved = text;
        show(record, { mine: text, current: null, message: `Not saved: ${error.message}`, onKeep: () => saveText(record.id, text) });
        say(`Not saved: ${error.message} Your text is kept beside the line.`, true);
      },
    });
    promise.finally(() => {
      if (record.draft !== text) return; // a later save of this line is under way
      delete record.draft;
      delete record.li.dataset.saving;
      record.li.querySelector(".text").textContent = record.text;
    });
    return promise;
  }

  function show(record, { mine, current, message, onKeep }) {
    record.li.querySelectorAll(".conflict").forEach((el) => el.remove());
    const close = () => { box.remove(); if (record.li.isConnected && !root.hasAttribute("data-editing")) record.li.focus(); };
    const box = conflictBox({
      mine,
      current,
      message,
      onKeep: () => { close(); onKeep(); },
      onDiscard: () => {
        close();
        delete record.unsaved;
        say(current ? "Kept the current text." : "Discarded your text.");
      },
    });
    record.li.append(box);
  }

  function reshape(id, polygon) {
    return perform("Saving the shape…", "Shape saved.", async () => {
      const before = live(id).polygon.map(([x, y]) => [x, y]);
      await patch(id, { polygon });
      return { entry: { label: "shape change", undo: () => patch(id, { polygon: before }), redo: () => patch(id, { polygon }) } };
    });
  }

  // `where`: {to: a place} or {by: places from where it is when its turn comes}.
  function move(id, where) {
    return perform("Moving…", "Moved.", async () => {
      const from = model.index(live(id).id);
      const to = where.to ?? from + where.by;
      if (to < 0 || to >= model.records.length || to === from) return { entry: null };
      await patch(id, { order: to });
      return { entry: { label: "move", undo: () => patch(id, { order: from }), redo: () => patch(id, { order: to }) } };
    });
  }

  function putBack(state) {
    return async () => {
      const region = await draw(state.polygon, state.text, state.index);
      alias.set(resolve(state.id), String(region.id));
    };
  }

  function erase(id) {
    return perform("Deleting…", "Deleted. Ctrl+Z brings it back.", async () => {
      const state = snapshot(live(id));
      await remove(id);
      return { entry: { label: "delete", undo: putBack(state), redo: () => remove(state.id) } };
    });
  }

  function create(polygon) {
    return perform("Reading the new region…", "Drawn.", async () => {
      const region = await draw(polygon);
      const state = { id: String(region.id), text: region.text, polygon, index: region.order };
      return { result: region, entry: { label: "drawing", undo: () => remove(state.id), redo: putBack(state) } };
    });
  }

  function splitAt(id, at) {
    return perform("Splitting…", "Split in two.", async () => {
      const before = snapshot(live(id));
      const [first, second] = await split(id, at);
      const state = { second: String(second.id) };
      const entry = {
        label: "split",
        undo: async () => {
          await merge(before.id, state.second);
          await patch(before.id, { text: before.text, polygon: before.polygon });
        },
        redo: async () => {
          const [, again] = await split(before.id, at);
          alias.set(resolve(state.second), String(again.id));
        },
      };
      return { result: [first, second], entry };
    });
  }

  function mergeWith(id, otherId) {
    return perform("Merging…", "Merged into one line.", async () => {
      const one = live(id);
      const other = live(otherId);
      const [first, second] = model.index(one.id) < model.index(other.id) ? [one, other] : [other, one];
      const kept = snapshot(first);
      const removed = snapshot(second);
      const merged = await merge(first.id, second.id);
      const entry = {
        label: "merge",
        undo: async () => {
          await patch(kept.id, { text: kept.text, polygon: kept.polygon });
          await putBack(removed)();
        },
        redo: () => merge(kept.id, removed.id),
      };
      return { result: merged, entry };
    });
  }

  function replay(from, to, verb) {
    return enqueue(async () => {
      const entry = from.pop();
      if (!entry) { say(`Nothing to ${verb}.`); return; }
      say(verb === "undo" ? `Undoing the ${entry.label}…` : `Redoing the ${entry.label}…`);
      try {
        await entry[verb]();
        to.push(entry);
        say(verb === "undo" ? `Undone: ${entry.label}.` : `Redone: ${entry.label}.`);
      } catch (error) {
        from.push(entry);
        report(error);
      }
    });
  }

  return {
    resolve,
    saveText,
    reshape,
    move,
    erase,
    create,
    splitAt,
    mergeWith,
    undo: () => replay(undoStack, redoStack, "undo"),
    redo: () => replay(redoStack, undoStack, "redo"),
    history: () => ({ undo: undoStack.at(-1)?.label, redo: redoStack.at(-1)?.label }),
    busy: () => pending > 0,
  };
}
