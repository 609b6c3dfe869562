// Evidence is drawn on demand from the embedded JSON (a cell may stand for thousands of
// flows); the open cell is kept in location.hash so the --follow reload reopens it.
"use strict";
(function () {
  var errs = document.getElementById("lw-errors");
  function fail(msg) {  // visible in the page and in --dump-dom: a broken page is noticed
    errs.hidden = false;
    errs.dataset.count = String(Number(errs.dataset.count) + 1);
    errs.textContent += "script error: " + msg + "\n";
  }
  window.addEventListener("error", function (e) { fail(e.message); });
  var data = JSON.parse(document.getElementById("lw-data").textContent);
  var PAGE = 50;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(tr, cells, tag) {
    cells.forEach(function (c) { tr.appendChild(el(tag || "td", c === null || c === undefined ? "" : c)); });
    return tr;
  }
  function evidenceTable(f) {
    var t = el("table"), head = row(el("tr"), ["time", "flow", "client → server", "host",
      "where", "form", "encoding", "TLS", "QUIC", "evidence (redacted)", "count"], "th");
    t.appendChild(head);
    var shown = 0;
    function more() {
      f.evidence.slice(shown, shown + PAGE).forEach(function (e) {
        t.appendChild(row(el("tr"), [e.time, e.flow_id, e.src + " → " + e.dest + " " + (e.app_proto || e.proto || ""),
          e.host, (e.where || "") + (e.key ? " " + e.key : ""), e.form, e.encoding,
          e.tls ? "yes" : "", e.quic ? "yes" : "", e.evidence, e.count]));
      });
      shown = Math.min(f.evidence.length, shown + PAGE);
    }
    more();
    return { table: t, more: more, left: function () { return f.evidence.length - shown; } };
  }
  function open(target, byUser) {
    var sec = target.closest(".app"), ai = Number(sec.id.slice(4)), app = data[ai];
    var panel = document.getElementById("ev-" + ai);
    var ids;
    if (target.classList.contains("rname")) {
      ids = [];
      target.parentNode.querySelectorAll("td.cell[data-findings]").forEach(function (c) {
        if (c.dataset.findings) ids = ids.concat(c.dataset.findings.split(",").map(Number));
      });
    } else {
      ids = target.dataset.findings ? target.dataset.findings.split(",").map(Number) : [];
    }
    document.querySelectorAll(".open").forEach(function (e) { e.classList.remove("open"); });
    target.classList.add("open");
    panel.hidden = false;
    panel.textContent = "";
    var title = target.classList.contains("rname") ? target.parentNode.dataset.row
      : target.dataset.row + " · " + target.dataset.type;
    panel.appendChild(el("h3", "Evidence: " + title));
    if (!ids.length) {
      panel.appendChild(el("p", target.dataset.state === "unseen"
        ? "Declared by the policy, not seen in this traffic." : "No finding."));
    }
    ids.forEach(function (n) {
      var f = app.findings[n];
      panel.appendChild(el("h4", f.verdict + ": " + f.type + " (" + f.form + ") in " + f.where +
        (f.key ? " " + f.key : "") + " → " + (f.sdk || f.host || "?") + " · " + f.flows + " flow(s), " +
        f.count + " time(s)" + (f.tls ? " · decrypted TLS" : "") + (f.quic ? " · QUIC" : ""), "fhead")).dataset.verdict = f.verdict;
      if (f.clause) panel.appendChild(el("p", "“" + f.clause + "”", "clause"));
      if (f.reason) panel.appendChild(el("p", f.reason, "note"));
      var t = evidenceTable(f);
      panel.appendChild(t.table);
      var capped = f.flows - f.evidence.length;
      if (t.left() > 0) {
        var b = el("button", "show more", "more");
        b.addEventListener("click", function () { t.more(); if (t.left() <= 0) b.remove(); });
        panel.appendChild(b);
      }
      if (capped > 0) panel.appendChild(el("p", capped + " more flow(s) not kept as evidence (see --evidence-cap)", "note"));
    });
    var id = target.classList.contains("rname") ? "row:" + ai + ":" + title
      : "cell:" + ai + ":" + target.dataset.row + ":" + target.dataset.type;
    if (byUser) panel.scrollIntoView({ block: "nearest" });
    if (decodeURIComponent(location.hash.slice(1)) !== id) history.replaceState(null, "", "#" + encodeURIComponent(id));
  }
  document.addEventListener("click", function (e) {
    var t = e.target.closest("td.cell:not(.s-none), th.rname");
    if (t) open(t, true);
  });
  document.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.matches && e.target.matches("td.cell, th.rname")) {
      e.preventDefault(); open(e.target, true);
    }
  });
  var h = decodeURIComponent(location.hash.slice(1)).split(":");
  if (h.length >= 3) {
    var sec = document.getElementById("app-" + h[1]), t = null;
    if (sec && h[0] === "cell") {
      sec.querySelectorAll("td.cell").forEach(function (c) {
        if (c.dataset.row === h[2] && c.dataset.type === h.slice(3).join(":")) t = c;
      });
    } else if (sec && h[0] === "row") {
      sec.querySelectorAll("tr.mrow").forEach(function (r) {
        if (r.dataset.row === h.slice(2).join(":")) t = r.querySelector("th.rname");
      });
    }
    if (t) open(t);
  }
  document.body.dataset.ready = "1";
})();
