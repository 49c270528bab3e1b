// 绩效 Jixiao: the edit form (编辑 / 新建项目). Plain JavaScript, served by the app.
//
// - Rows of the indicator table are added, removed and moved in place; their ids are renumbered
//   (row-N, level1-N, level2-N, name-N, target-N, target-error-N) so that N is always the row's position.
// - Each target value is checked as it is typed (POST /api/v1/targets/check, debounced) and its
//   message shown next to it.
// - 保存 sends the whole form as JSON (PUT /api/v1/declarations/{id}, or POST /api/v1/declarations
//   for a new project). A refusal (409, 422 …) is shown in #alert and nothing on the page changes:
//   every input keeps what was typed, and #expected_version advances only when a save succeeds.
"use strict";

(() => {
  const form = document.getElementById("edit-form");
  if (!form) return;
  const rows = document.getElementById("indicator-rows");
  const template = document.getElementById("row-template");
  const alertBox = document.getElementById("alert");
  const savedBox = document.getElementById("saved");
  const expected = document.getElementById("expected_version");
  const saveButton = document.getElementById("save");
  const reviewButton = document.getElementById("review");
  const reviewBox = document.getElementById("review-results");
  const CHECK_DELAY_MS = 250;
  const ID_PREFIX = { level1: "level1", level2: "level2", name: "name", target_raw: "target" };
  let dirty = false;

  // -- talking to the API --------------------------------------------------------------------------

  /** POST/PUT `body` as JSON; resolves to {status, ok, data}, data being the parsed JSON answer. */
  // The session's CSRF token (base.html's meta): every POST/PUT of a logged-in browser sends it back.
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function send(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, ok: response.ok, data };
  }

  function errorMessage(result) {
    return result.data?.error?.message || `服务器返回了错误（HTTP ${result.status}）`;
  }

  // -- the indicator rows --------------------------------------------------------------------------

  function renumber() {
    [...rows.rows].forEach((tr, i) => {
      const n = i + 1;
      tr.id = `row-${n}`;
      tr.querySelector(".row-index").textContent = String(n);
      for (const input of tr.querySelectorAll("[data-key]")) {
        input.id = `${ID_PREFIX[input.dataset.key]}-${n}`;
      }
      const error = tr.querySelector(".target-error");
      error.id = `target-error-${n}`;
      tr.querySelector(".ind-target").setAttribute("aria-describedby", error.id);
    });
  }

  function newRow() {
    return template.content.firstElementChild.cloneNode(true);
  }

  /** The rows changed shape: renumber them; findings of an earlier review no longer fit. */
  function rowsChanged(focusRow) {
    renumber();
    clearReview();
    markDirty();
    focusRow?.querySelector("input")?.focus();
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const tr = button.closest("tr");
    if (button.classList.contains("row-add")) {
      const added = newRow();
      tr.after(added);
      rowsChanged(added);
    } else if (button.classList.contains("row-remove")) {
      const next = tr.nextElementSibling || tr.previousElementSibling;
      tr.remove();
      rowsChanged(next);
    } else if (button.classList.contains("row-up") && tr.previousElementSibling) {
      tr.previousElementSibling.before(tr);
      rowsChanged(null);
      button.focus();
    } else if (button.classList.contains("row-down") && tr.nextElementSibling) {
      tr.nextElementSibling.after(tr);
      rowsChanged(null);
      button.focus();
    }
  });

  document.getElementById("add-row").addEventListener("click", () => {
    const added = newRow();
    rows.append(added);
    rowsChanged(added);
  });

  // -- checking target values as they are typed ----------------------------------------------------

  const timers = new WeakMap();

  function showTargetError(input, message) {
    input.closest("td").querySelector(".target-error").textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  async function checkTarget(input) {
    const raw = input.value;
    let result;
    try {
      result = await send("POST", "/api/v1/targets/check", { raw });
    } catch {
      return; // offline: the save will say what is wrong
    }
    if (!result.ok || !result.data || input.value !== raw) return; // or typed on since: a newer check follows
    showTargetError(input, result.data.ok ? null : result.data.message);
  }

  function markDirty() {
    dirty = true;
    savedBox.hidden = true;
  }

  form.addEventListener("input", (event) => {
    markDirty();
    const input = event.target;
    input.classList.remove("field-error");
    if (!input.matches(".ind-target")) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => checkTarget(input), CHECK_DELAY_MS));
  });
  form.addEventListener("change", markDirty);

  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault(); // the browser asks before unsaved input is lost
  });

  // -- the JSON body -------------------------------------------------------------------------------

  /** The declaration on the screen in the JSON shape of GET /api/v1/declarations/{id}. */
  function collect() {
    const data = { funds: {}, texts: {} };
    for (const el of form.querySelectorAll("[data-field]")) {
      let value = el.value;
      if (el.dataset.type === "bool") value = value === "" ? null : value === "true";
      const [head, tail] = el.dataset.field.split(".");
      if (tail) data[head][tail] = value;
      else data[head] = value;
    }
    data.indicators = [...rows.rows].map((tr) => {
      const indicator = {};
      for (const input of tr.querySelectorAll("[data-key]")) indicator[input.dataset.key] = input.value;
      return indicator;
    });
    return data; // the server trims the text and reads blanks as absent
  }

  // -- messages ------------------------------------------------------------------------------------

  function show(box, ...parts) {
    box.replaceChildren(...parts);
    box.hidden = false;
    box.focus();
  }

  function link(href, text, newWindow) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (newWindow) a.target = "_blank";
    return a;
  }

  /** Mark the inputs a message names (`indicators[3].target_raw`, `funds.total` …). */
  function markFields(message) {
    for (const [, path, index, key] of message.matchAll(/([a-z_]+(?:\.[a-z_]+)?)(?:\[(\d+)\]\.([a-z_]+))?（/g)) {
      const input = index
        ? rows.rows[Number(index) - 1]?.querySelector(`[data-key="${key}"]`)
        : form.querySelector(`[data-field="${path}"]`);
      input?.classList.add("field-error");
    }
  }

  function showRefusal(result) {
    const message = errorMessage(result);
    const id = form.dataset.id;
    const parts = [message];
    if (result.status === 409 && id) {
      parts.push(" ", link(`/declarations/${id}`, "在新窗口查看最新版本", true));
    }
    parts.push(document.createElement("br"), "您填写的内容仍在本页，尚未保存。");
    show(alertBox, ...parts);
    markFields(message);
  }

  // -- saving --------------------------------------------------------------------------------------

  async function save() {
    const id = form.dataset.id;
    const body = collect();
    if (id) body.expected_version = Number(expected.value);
    alertBox.hidden = true;
    for (const el of form.querySelectorAll(".field-error")) el.classList.remove("field-error");
    saveButton.disabled = true;
    let result;
    try {
      result = id
        ? await send("PUT", `/api/v1/declarations/${id}`, body)
        : await send("POST", "/api/v1/declarations", body);
    } catch (err) {
      show(alertBox, `无法连接服务器，修改尚未保存（${err.message}）。您填写的内容仍在本页。`);
      return;
    } finally {
      saveButton.disabled = false;
    }
    if (!result.ok) {
      showRefusal(result);
      return;
    }
    const { id: savedId, version, outcome } = result.data;
    expected.value = String(version);
    dirty = false;
    if (!id) {  // created: from now on this page edits that project, as its own edit page would
      form.dataset.id = String(savedId);
      history.replaceState(null, "", `/declarations/${savedId}/edit`);
      const name = body.name || "（无名称）";
      document.getElementById("edit-title").textContent = `编辑：${name}`;
      document.title = `编辑：${name} · 绩效 Jixiao`;
      const versionSpan = document.createElement("span");
      versionSpan.id = "editing-version";
      document.getElementById("edit-meta").replaceChildren(
        `项目编号 ${savedId} · 正在编辑第 `, versionSpan, " 版 · ", link(`/declarations/${savedId}`, "返回项目详情"));
      document.getElementById("cancel").href = `/declarations/${savedId}`;
    }
    const shown = document.getElementById("editing-version");
    if (shown) shown.textContent = String(version);
    const text = outcome === "unchanged" ? `没有修改，仍是第 ${version} 版。` : `已保存为第 ${version} 版。`;
    show(savedBox, text, " ", link(`/declarations/${savedId}`, "查看项目详情"));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });

  // -- reviewing the unsaved form ------------------------------------------------------------------

  function clearReview() {
    for (const cell of rows.querySelectorAll(".row-findings")) cell.replaceChildren();
    reviewBox.hidden = true;
  }

  function findingItem(finding, tag) {
    const item = document.createElement(tag);
    item.className = `finding ${finding.severity}`;
    item.title = `${finding.message}\n${finding.hint || ""}`;
    item.textContent = tag === "span" ? finding.code : `${finding.code}：${finding.message}`;
    return item;
  }

  async function review() {
    reviewButton.disabled = true;
    let result;
    try {
      result = await send("POST", "/api/v1/review", collect());
    } catch (err) {
      show(alertBox, `无法连接服务器（${err.message}）。`);
      return;
    } finally {
      reviewButton.disabled = false;
    }
    if (!result.ok) {
      showRefusal(result);
      return;
    }
    alertBox.hidden = true;
    clearReview();
    const report = result.data;
    const general = document.createElement("ul");
    general.className = "findings";
    for (const finding of report.findings) {
      const cell = finding.indicator && rows.rows[finding.indicator.index - 1]?.querySelector(".row-findings");
      if (cell) cell.append(findingItem(finding, "span"), " ");
      else general.append(findingItem(finding, "li"));
    }
    const summary = document.createElement("p");
    summary.textContent = `审核得分 ${report.score} · 等级 ${report.grade} · ${report.outcome} · `
      + `${report.findings.length} 条意见（指标的意见显示在各行，悬停可看详情）`;
    reviewBox.replaceChildren(summary, ...(general.children.length ? [general] : []));
    reviewBox.hidden = false;
  }

  reviewButton.addEventListener("click", review);
})();
