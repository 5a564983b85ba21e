// Progressive enhancement for the upload page: upload each file through the API with its own
// progress bar, then keep the inputs table's statuses live until every run has finished.
(function () {
  "use strict";

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function uploadOne(url, file, list) {
    const item = document.createElement("li");
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    const label = document.createElement("span");
    label.textContent = " " + file.name;
    item.append(bar, label);
    list.append(item);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
        if (xhr.status === 201) {
          bar.value = 100;
          const made = body.results ? `: ${body.count} inputs from the archive` : ": uploaded";
          label.textContent = " " + file.name + made;
        } else {
          item.classList.add("flash", "error");
          label.textContent = " " + file.name + ": " + (body.detail || "upload failed (" + xhr.status + ")");
        }
        resolve();
      };
      xhr.onerror = () => { label.textContent = " " + file.name + ": network error"; resolve(); };
      const data = new FormData();
      data.append("file", file);
      const textLayer = document.getElementById("id_text_layer");
      if (textLayer && textLayer.checked) data.append("text_layer", "true");
      xhr.send(data);
    });
  }

  function renderInputs(table, inputs) {
    const body = table.tBodies[0];
    for (const input of inputs) {
      let row = body.querySelector(`tr[data-input-id="${input.id}"]`);
      if (!row) {
        const empty = body.querySelector(".empty-row");
        if (empty) empty.remove();
        row = document.createElement("tr");
        row.dataset.inputId = input.id;
        const link = `/inputs/${input.id}/`;
        row.innerHTML = `<td><a></a></td><td></td><td class="status"></td><td><a>Open</a></td>`;
        row.cells[0].firstChild.href = link;
        row.cells[0].firstChild.textContent = input.name;
        row.cells[1].textContent = input.kind;
        row.cells[3].firstChild.href = link;
        body.prepend(row);
      }
      const cell = row.querySelector(".status");
      cell.dataset.status = input.status || "";
      cell.textContent = input.status || "";
    }
  }

  async function refresh(table) {
    const response = await fetch(table.dataset.listUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    const data = await response.json();
    renderInputs(table, data.results);
    return data.results.some((i) => i.status === "queued" || i.status === "running");
  }

  function poll(table) {
    if (table.dataset.polling) return;
    table.dataset.polling = "1";
    const tick = async () => {
      let busy = true;
      try { busy = await refresh(table); } catch (_) { /* try again */ }
      if (busy) setTimeout(tick, 1000); else delete table.dataset.polling;
    };
    tick();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const table = document.getElementById("inputs");
    const form = document.getElementById("upload-form");
    if (table && form) {
      const section = document.getElementById("upload");
      const list = document.getElementById("upload-progress");
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const files = Array.from(form.querySelector("input[type=file]").files);
        if (!files.length) return;
        await Promise.all(files.map((f) => uploadOne(section.dataset.uploadUrl, f, list)));
        form.reset();
        poll(table);
      });
      if (table.querySelector('[data-status="queued"], [data-status="running"]')) poll(table);
    }

    // The page view reloads itself once its run has finished, so results appear without a click.
    const runStatus = document.getElementById("run-status");
    if (runStatus && ["queued", "running"].includes(runStatus.dataset.status)) {
      const check = async () => {
        try {
          const run = await (await fetch(runStatus.dataset.runUrl)).json();
          if (run.status !== runStatus.dataset.status || String(run.progress.done) !== runStatus.dataset.done) { location.reload(); return; }
        } catch (_) { /* try again */ }
        setTimeout(check, 1500);
      };
      setTimeout(check, 1500);
    }

    // Keep the drawing and the list in step: hovering either highlights both.
    document.querySelectorAll("[data-region-id]").forEach((el) => {
      el.addEventListener("mouseenter", () => {
        document.querySelectorAll(`[data-region-id="${el.dataset.regionId}"]`).forEach((m) => m.classList.add("selected"));
      });
      el.addEventListener("mouseleave", () => {
        document.querySelectorAll(`[data-region-id="${el.dataset.regionId}"]`).forEach((m) => m.classList.remove("selected"));
      });
    });
  });
})();
