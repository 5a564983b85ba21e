// Progressive enhancement for the app page: drop or choose files, upload each through the API
// with its own progress bar, then let htmx refresh the inputs grid (which polls busy rows).
(function () {
  "use strict";

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // Tell the inputs grid (templates/ocr/_inputs.html) to fetch itself again through htmx.
  function inputsChanged() {
    document.body.dispatchEvent(new CustomEvent("inputs-changed", { bubbles: true }));
  }

  // Read once, when the files are chosen or dropped, and handed to every upload of the batch.
  function readingOptions() {
    const textLayer = document.getElementById("id_text_layer");
    return { textLayer: Boolean(textLayer && textLayer.checked) };
  }

  function uploadOne(url, file, list, options) {
    const item = document.createElement("li");
    item.className = "upload";
    item.dataset.file = file.name;
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    const state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = "waiting";
    item.append(name, bar, state);
    list.append(item);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        bar.value = (100 * e.loaded) / e.total;
        state.textContent = Math.floor(bar.value) + "%";
      };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
        if (xhr.status === 201) {
          bar.value = 100;
          item.dataset.state = "done";
          state.textContent = body.results ? `uploaded: ${body.count} inputs from the archive` : "uploaded";
          inputsChanged();
        } else {
          item.dataset.state = "failed";
          item.classList.add("error");
          bar.remove();  // a full bar beside a refusal reads as success
          const detail = body.detail || (body.file && body.file.join(" ")) || (body.workflow && body.workflow.join(" "));
          state.textContent = detail || "upload failed (" + xhr.status + ")";
        }
        resolve();
      };
      xhr.onerror = () => { item.dataset.state = "failed"; item.classList.add("error"); bar.remove(); state.textContent = "network error"; resolve(); };
      const data = new FormData();
      data.append("file", file);
      if (options.textLayer) data.append("text_layer", "true");
      xhr.send(data);
    });
  }

  // A few at a time: many parallel uploads would each crawl, and the server throttles bursts.
  async function uploadAll(url, files, list, options) {
    const queue = Array.from(files);
    const lanes = Array.from({ length: Math.min(3, queue.length) }, async () => {
      while (queue.length) await uploadOne(url, queue.shift(), list, options);
    });
    await Promise.all(lanes);
  }

  // The grid's checkboxes: "Delete selected…" says how many and waits for at least one.
  function picked() {
    const panel = document.getElementById("inputs-panel");
    const button = document.getElementById("delete-picked");
    if (!panel || !button) return;
    const boxes = Array.from(panel.querySelectorAll('input[name="input"][form="inputs-bulk"]'));
    const count = boxes.filter((box) => box.checked).length;
    button.disabled = count === 0;
    document.getElementById("picked-count").textContent = count ? `${count} selected` : "";
    const all = document.getElementById("pick-all");
    if (all) { all.checked = count > 0 && count === boxes.length; all.indeterminate = count > 0 && count < boxes.length; }
  }
  document.addEventListener("change", (event) => {
    if (event.target.id === "pick-all") {
      document.querySelectorAll('#inputs-panel input[name="input"][form="inputs-bulk"]').forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.closest("#inputs-panel")) picked();
  });
  document.addEventListener("htmx:afterSwap", picked);

  // The menu on narrow screens: closed until the button opens it, Escape closes it.
  function menu() {
    const toggle = document.querySelector(".nav-toggle");
    const nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    const show = (open) => {
      nav.classList.toggle("open", open);
      nav.classList.toggle("closed", !open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    show(false);
    toggle.addEventListener("click", () => show(!nav.classList.contains("open")));
    document.querySelector("header.bar").addEventListener("keydown", (event) => {
      if (event.key === "Escape") show(false);
    });
  }

  // The workflow editor: only the chosen model's parameters are shown and sent.
  function stageChoosers() {
    document.querySelectorAll("select[data-stage-model]").forEach((select) => {
      const stage = select.closest("fieldset.stage");
      const choose = () => stage.querySelectorAll("fieldset.params").forEach((params) => {
        const chosen = params.dataset.model === select.value;
        params.hidden = !chosen;
        params.disabled = !chosen;
      });
      select.addEventListener("change", choose);
      choose();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    menu();
    stageChoosers();
    picked();
    const form = document.getElementById("upload-form");
    const section = document.getElementById("upload");
    if (form && section) {
      const list = document.getElementById("upload-progress");
      const picker = form.querySelector("input[type=file]");
      const empty = document.getElementById("upload-empty");
      picker.addEventListener("change", () => { if (empty) empty.hidden = true; });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!picker.files.length) {
          if (empty) empty.hidden = false;
          picker.focus();
          return;
        }
        if (empty) empty.hidden = true;
        const files = Array.from(picker.files);
        const options = readingOptions();
        // Only the picker is cleared: the text-layer choice stays as the person left it.
        picker.value = "";
        await uploadAll(section.dataset.uploadUrl, files, list, options);
      });
      const zone = document.getElementById("dropzone");
      if (zone) {
        ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
          event.preventDefault();
          zone.classList.add("dragging");
        }));
        ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
        zone.addEventListener("drop", (event) => {
          event.preventDefault();
          const files = event.dataTransfer ? event.dataTransfer.files : [];
          const empty = document.getElementById("upload-empty");
          if (files.length && empty) empty.hidden = true;
          if (files.length) uploadAll(section.dataset.uploadUrl, files, list, readingOptions());
        });
      }
    }

    // The page view reloads itself once its run has finished, so results appear without a click.
    const runStatus = document.getElementById("run-status");
    if (runStatus && ["queued", "running"].includes(runStatus.dataset.status)) {
      const check = async () => {
        try {
          const run = await (await fetch(runStatus.dataset.runUrl)).json();
          if (run.status !== runStatus.dataset.status || String(run.progress.done) !== runStatus.dataset.done) {
            // A person correcting the page keeps their open line and undo history: no reload.
            if (!document.querySelector("#explorer[data-changed], #explorer[data-editing]")) { location.reload(); return; }
            runStatus.textContent = `${run.status} (reload to see what it read)`;
          }
        } catch (_) { /* try again */ }
        setTimeout(check, 1500);
      };
      setTimeout(check, 1500);
    }
  });
})();
