// Relais admin: progressive enhancement only. Every action works without this file.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  // htmx requests carry the CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });

  // A refused htmx action (4xx): say why in the live region instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var live = document.getElementById("live");
    if (!live) { return; }
    var doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var alert = doc.querySelector('[role="alert"]');
    live.textContent = alert ? alert.textContent.trim() : "Erreur " + event.detail.xhr.status;
    live.className = "flash flash-error";
  });

  // Source form: show the options of the chosen format only (without JavaScript, every format's are shown).
  var kindSelect = document.querySelector(".source-form #kind");
  if (kindSelect) {
    var showOptions = function () {
      document.querySelectorAll(".source-form fieldset.options").forEach(function (set) {
        set.hidden = set.getAttribute("data-kind") !== kindSelect.value;
      });
    };
    kindSelect.addEventListener("change", showOptions);
    showOptions();
  }

  // --- triage shortcuts: j/k move, a/r approve/reject, d decline a suggestion, e edit, x select, ? help ---------
  var help = document.getElementById("help");
  document.querySelectorAll("[data-help]").forEach(function (button) {
    button.addEventListener("click", function () { if (help) { help.showModal(); } });
  });

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.item-row")); }
  var currentId = null;

  function current() {
    var all = rows();
    if (!all.length) { return null; }
    var found = currentId && document.getElementById("item-" + currentId);
    return found || null;
  }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("current"); r.removeAttribute("aria-current"); });
    if (!row) { return; }
    currentId = row.getAttribute("data-id");
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  // After htmx swaps a row, keep it current (the new element replaced the old one).
  document.addEventListener("htmx:afterSwap", function () { select(current()); });
  // An outerHTML swap may announce itself on the detached row only: the new row's htmx:load reaches the document.
  document.addEventListener("htmx:load", function (event) {
    var row = event.target;
    if (row && row.classList && row.classList.contains("item-row") && row.getAttribute("data-id") === currentId) {
      select(row);
    }
  });

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var row = current();
    var i = row ? all.indexOf(row) + step : 0;
    select(all[Math.max(0, Math.min(all.length - 1, i))]);
  }

  function act(name) {
    var row = current();
    if (!row) { return; }
    var button = row.querySelector('[data-action="' + name + '"]');
    if (!button) { return; }
    if (name === "edit") { window.location.href = button.getAttribute("href"); return; }
    var next = rows()[rows().indexOf(row) + 1];
    button.click();
    if (next) { select(next); }
  }

  // Decline the current row's first suggestion; the row stays current (htmx swaps it) so d again declines the next.
  function decline() {
    var row = current();
    var button = row && row.querySelector('[data-action="decline"]');
    if (button) { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) { return; }
    if (help && help.open && event.key !== "?") { return; }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": act("approve"); break;
      case "r": act("reject"); break;
      case "d": decline(); break;
      case "e": act("edit"); break;
      case "x": {
        var row = current();
        var box = row && row.querySelector('input[type="checkbox"]');
        if (box) { box.checked = !box.checked; }
        break;
      }
      case "?":
        if (help) { if (help.open) { help.close(); } else { help.showModal(); } }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
