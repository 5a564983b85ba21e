// The Train page (templates/ocr/train.html): start a training through the API, then follow it
// once a second while it is queued or running: progress bar, loss and validation metric drawn
// as two lines, and at the end the base-vs-trained table with promote and roll back.

import { problem, request } from "./corrections.js";

const form = document.getElementById("train-form");
const card = document.getElementById("training");
if (form && card) train(form, card);

function train(form, card) {
  const csrf = form.dataset.csrf;
  const message = document.getElementById("train-message");
  const kind = document.getElementById("train-kind");
  const base = document.getElementById("train-base");
  const $ = (selector) => card.querySelector(selector);
  let url = card.dataset.trainingUrl || "";
  let timer = null;

  function showBases() {
    for (const option of base.options) option.hidden = option.dataset.kind !== kind.value;
    if (base.selectedOptions[0]?.hidden) {
      base.value = Array.from(base.options).find((o) => !o.hidden).value;
    }
  }
  // Each kind has its own default number of steps; one the person typed is kept. The page comes
  // with the recognizer's, and a kind chosen before this module ran is caught up with below.
  const steps = form.elements.steps;
  let shownKind = "recognizer";
  function showSteps() {
    if (steps.value === steps.dataset[shownKind]) steps.value = steps.dataset[kind.value];
    shownKind = kind.value;
  }
  kind.addEventListener("change", () => {
    showBases();
    showSteps();
  });
  showBases();
  showSteps();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "Starting…";
    const body = { kind: kind.value, base: base.value, steps: Number(form.elements.steps.value) };
    const answer = await request("POST", form.dataset.url, csrf, body);
    if (!answer.ok) {
      message.textContent = problem(answer);
      message.classList.add("error");
      return;
    }
    message.classList.remove("error");
    message.textContent = `Training #${answer.body.id} queued.`;
    url = card.dataset.detailUrl.replace(/0\/$/, `${answer.body.id}/`);
    follow();
  });

  function line(points, key, top) {
    const values = points.filter((p) => p[key] !== null && p[key] !== undefined);
    if (!values.length) return "";
    const last = Math.max(...points.map((p) => p.step), 1);
    const high = top ?? Math.max(...values.map((p) => p[key]), 1e-6);
    return values.map((p) => `${(400 * p.step) / last},${115 - (110 * p[key]) / high}`).join(" ");
  }

  function render(t) {
    $("[data-empty]").hidden = true;
    $("[data-body]").hidden = false;
    $("[data-name]").textContent = `#${t.id} ${t.name}`;
    $("[data-status]").textContent = t.status;
    $("[data-error]").textContent = t.error || "";
    const bar = $("[data-progress]");
    bar.max = t.progress.total;
    bar.value = t.progress.done;
    $("[data-loss]").setAttribute("points", line(t.history, "loss"));
    $("[data-metric]").setAttribute("points", line(t.history, "metric", 1));
    const running = t.status === "queued" || t.status === "running";
    $("[data-cancel]").hidden = !running;
    const done = t.status === "succeeded";
    $("[data-metrics]").hidden = !done;
    $("[data-promote]").hidden = !done || t.promoted || !t.improved;
    $("[data-rollback]").hidden = !t.promoted;
    if (done) {
      const name = t.kind === "detector" ? "hmean" : "cer";
      $("[data-metric-name]").textContent = name === "cer" ? "CER (lower is better)" : "hmean at IoU 0.5";
      for (const which of ["base", "trained"]) {
        const figures = t.metrics[which] || {};
        const cells = $(`[data-row="${which}"]`).querySelectorAll("td");
        cells[0].textContent = figures[name];
        cells[1].textContent = Object.entries(figures)
          .filter(([k]) => k !== name)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
      }
      $("[data-verdict]").textContent = t.promoted
        ? `The app reads with ${t.model} now.`
        : t.improved
          ? `${t.model} reads the validation pages better than its base: promote it to use it.`
          : `${t.model} does not read the validation pages better than its base; it is kept but not offered.`;
    } else {
      $("[data-verdict]").textContent = "";
    }
    return running;
  }

  async function follow() {
    clearTimeout(timer);
    if (!url) return;
    const answer = await request("GET", url, csrf);
    if (answer.ok && render(answer.body)) timer = setTimeout(follow, 1000);
  }

  async function act(name, body) {
    const answer = await request("POST", url.replace(/\/$/, `/${name}/`), csrf, body);
    message.textContent = answer.ok ? "" : problem(answer);
    if (answer.ok) render(answer.body);
  }
  $("[data-promote]").addEventListener("click", () => act("promote", {}));
  $("[data-rollback]").addEventListener("click", () => act("rollback"));
  $("[data-cancel]").addEventListener("click", () => act("cancel"));
  follow();
}
