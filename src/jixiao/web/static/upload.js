// 上传: send the chosen files one per request to the import API, with a progress bar and a summary.
// Without this script the form posts to /upload and the server renders the same summary.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Promise) {
    return;
  }
  var input = document.getElementById("files");
  var button = document.getElementById("upload-button");
  var status = document.getElementById("upload-status");
  var progress = document.getElementById("upload-progress");
  var progressText = document.getElementById("upload-progress-text");
  var summary = document.getElementById("upload-summary");
  var rows = summary.querySelector("#upload-files tbody");
  var maxBytes = Number(form.getAttribute("data-max-bytes")) || Infinity;
  var LABELS = { "new": "新增", updated: "更新", unchanged: "未变", failed: "失败" };
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";  // the session's (base.html)

  function sizeText(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB"; }
    if (bytes >= 1024) { return (bytes / 1024).toFixed(1).replace(/\.0$/, "") + " KB"; }
    return bytes + " 字节";
  }

  function showProgress(done, count, bytes, totalBytes) {
    progress.max = totalBytes || 1;
    progress.value = Math.min(bytes, progress.max);
    progressText.textContent = done + " / " + count + " 个文件 · " + sizeText(bytes) + " / " + sizeText(totalBytes);
  }

  function failure(name, message) {
    return { file: name, status: "failed", "new": 0, updated: 0, unchanged: 0, message: message,
             declarations: [] };
  }

  function errorMessage(name, xhr) {
    var body = xhr.response;
    if (body && body.error && body.error.message) { return body.error.message; }
    return name + ": 上传失败（HTTP " + xhr.status + "）";
  }

  // One file, one request; resolves to the file's entry of the API answer (never rejects).
  function uploadOne(file, onBytes) {
    if (file.size > maxBytes) {
      return Promise.resolve(failure(file.name, file.name + ": 文件超过大小上限 " +
        form.getAttribute("data-max-size") + "，未上传"));
    }
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("data-api"));
      xhr.responseType = "json";
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrfToken);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable && event.total) { onBytes(file.size * event.loaded / event.total); }
      };
      xhr.onload = function () {
        var body = xhr.response;
        if (xhr.status === 200 && body && body.files && body.files.length) {
          resolve(body.files[0]);
        } else {
          resolve(failure(file.name, errorMessage(file.name, xhr)));
        }
      };
      xhr.onerror = function () { resolve(failure(file.name, file.name + ": 网络错误，文件未能上传")); };
      var data = new FormData();
      data.append("files", file, file.name);
      xhr.send(data);
    });
  }

  function detailText(result) {
    if (result.message) { return result.message; }
    var parts = ["new", "updated", "unchanged"].filter(function (key) { return result[key]; })
      .map(function (key) { return LABELS[key] + " " + result[key]; });
    return parts.join("，") || "文件中没有项目";
  }

  function cell(row, className, text) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text || "";
    row.appendChild(td);
    return td;
  }

  function declarationLinks(td, declarations) {
    declarations.forEach(function (d, i) {
      if (i > 0) { td.appendChild(document.createTextNode("、")); }
      var link = document.createElement("a");
      link.href = "/declarations/" + d.id;
      link.textContent = d.name || "（无名称）";
      td.appendChild(link);
      if (d.version > 1) {
        var version = document.createElement("span");
        version.className = "version";
        version.textContent = " 第 " + d.version + " 版";
        td.appendChild(version);
      }
    });
  }

  function addRow(result) {
    var row = document.createElement("tr");
    row.className = "status-" + result.status;
    row.setAttribute("data-status", result.status);
    cell(row, "file", result.file);
    cell(row, "status", LABELS[result.status] || result.status);
    var detail = cell(row, "detail", detailText(result));
    if (result.warnings && result.warnings.length) {
      var list = document.createElement("ul");
      list.className = "warnings";
      result.warnings.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      detail.appendChild(list);
    }
    declarationLinks(cell(row, "declarations", ""), result.declarations || []);
    rows.appendChild(row);
  }

  function showTotals(totals) {
    ["new", "updated", "unchanged", "failed"].forEach(function (key) {
      document.getElementById("summary-" + key).textContent = String(totals[key]);
    });
  }

  function start() {
    var error = document.getElementById("upload-error");
    if (error) { error.remove(); }
    rows.textContent = "";
    summary.hidden = false;
    summary.setAttribute("data-state", "running");
    status.hidden = false;
    button.disabled = true;
    input.disabled = true;
  }

  function finish() {
    summary.setAttribute("data-state", "done");
    button.disabled = false;
    input.disabled = false;
  }

  function uploadAll(files) {
    var totals = { "new": 0, updated: 0, unchanged: 0, failed: 0 };
    var totalBytes = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var doneBytes = 0;
    start();
    showTotals(totals);
    showProgress(0, files.length, 0, totalBytes);
    return files.reduce(function (previous, file, i) {
      return previous.then(function () {
        return uploadOne(file, function (bytes) {
          showProgress(i, files.length, doneBytes + Math.min(bytes, file.size), totalBytes);
        });
      }).then(function (result) {
        doneBytes += file.size;
        totals["new"] += result["new"] || 0;
        totals.updated += result.updated || 0;
        totals.unchanged += result.unchanged || 0;
        totals.failed += result.status === "failed" ? 1 : 0;
        addRow(result);
        showTotals(totals);
        showProgress(i + 1, files.length, doneBytes, totalBytes);
      });
    }, Promise.resolve()).then(finish, finish);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > 0) {
      uploadAll(files);
    }
  });
})();
