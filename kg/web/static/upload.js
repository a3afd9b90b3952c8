// The upload page: sends the chosen or dropped report files one at a time
// (POST /upload, the password as a Bearer token), shows a progress bar and
// lists each file's result (township, year, counts) or its one-line error.
(function () {
  "use strict";
  var form = document.querySelector("[data-upload]");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var drop = form.querySelector("[data-drop]");
  var send = form.querySelector("[data-send]");
  var token = form.querySelector("input[name=token]");
  var box = form.querySelector("[data-progress-box]");
  var bar = form.querySelector("progress");
  var label = form.querySelector("[data-progress-label]");
  var status = form.querySelector("[data-status]");
  var results = document.querySelector("[data-results]");
  var maxBytes = parseInt(form.dataset.maxBytes, 10) || 0;
  var maxFiles = parseInt(form.dataset.maxFiles, 10) || 0;
  var chosen = [];
  var busy = false;

  function choose(files) {
    chosen = Array.prototype.slice.call(files || []);
    send.disabled = busy || chosen.length === 0;
    status.textContent = chosen.length + " 个文件待上传";
  }

  input.addEventListener("change", function () { choose(input.files); });
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { choose(e.dataTransfer.files); });

  function line(name, ok, text) {
    var li = document.createElement("li");
    li.className = ok ? "ok" : "failed";
    var b = document.createElement("b");
    b.textContent = name;
    li.appendChild(b);
    li.appendChild(document.createTextNode(ok ? "：" : "：失败 — "));
    if (!ok) { li.appendChild(document.createTextNode(text)); }
    results.appendChild(li);
    return li;
  }

  function report(li, r) {
    var span = document.createElement("span");
    if (r.township && r.township_url) {
      var a = document.createElement("a");
      a.href = r.township_url;
      a.textContent = r.township;
      span.appendChild(a);
    } else {
      span.appendChild(document.createTextNode(r.township || "（未识别乡镇）"));
    }
    span.appendChild(document.createTextNode(" " + (r.year ? r.year + " 年" : "（年份未识别）") + " "));
    var counts = document.createElement("span");
    counts.className = "counts";
    counts.textContent = Object.keys(r.counts).map(function (k) {
      return k + " " + r.counts[k];
    }).join("，");
    span.appendChild(counts);
    li.appendChild(span);
    li.appendChild(document.createTextNode(" "));
  }

  function show(file, xhr) {
    var body = null;
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
    if (xhr.status !== 200 || !body || !body.files) {
      var msg = body && body.error ? body.error : (xhr.responseText || "HTTP " + xhr.status);
      line(file.name, false, msg.trim());
      return xhr.status === 401 || xhr.status === 403;   // stop: the rest would fail alike
    }
    body.files.forEach(function (f) {
      if (!f.ok) { line(f.name, false, f.error); return; }
      var li = line(f.name, true, "");
      if (!f.reports.length) { li.appendChild(document.createTextNode("未找到报告")); }
      f.reports.forEach(function (r) { report(li, r); });
    });
    return false;
  }

  function one(files, i) {
    if (i >= files.length) {
      busy = false;
      label.textContent = "完成：" + files.length + " 个文件";
      status.textContent = label.textContent;
      bar.value = 100;
      send.disabled = false;
      return;
    }
    var file = files[i];
    label.textContent = "处理中 " + (i + 1) + "/" + files.length + "：" + file.name;
    if (maxBytes && file.size > maxBytes) {
      line(file.name, false, "文件超过 upload_max_file_bytes=" + maxBytes + " 字节");
      bar.value = 100 * (i + 1) / files.length;
      one(files, i + 1);
      return;
    }
    var data = new FormData();
    data.append("files", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.action);
    // percent-encoded: a header carries no Chinese (the server decodes it)
    xhr.setRequestHeader("Authorization", "Bearer " + encodeURIComponent(token.value));
    xhr.setRequestHeader("Accept", "application/json");
    // sending is the first half of a file's share of the bar, reading it the second
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = 100 * (i + 0.5 * e.loaded / e.total) / files.length; }
    });
    xhr.addEventListener("load", function () {
      bar.value = 100 * (i + 1) / files.length;
      if (show(file, xhr)) { files = files.slice(0, i + 1); }
      one(files, i + 1);
    });
    xhr.addEventListener("error", function () {
      line(file.name, false, "连接失败（服务器是否在运行？）");
      one(files, i + 1);
    });
    xhr.send(data);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (busy || !chosen.length) { return; }
    var files = chosen;
    if (maxFiles && files.length > maxFiles) {
      line(files.length + " 个文件", false, "一次至多 upload_max_files=" + maxFiles + " 个文件");
      return;
    }
    busy = true;
    send.disabled = true;
    box.hidden = false;
    bar.value = 0;
    one(files, 0);
  });
})();
