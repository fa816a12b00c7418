// Checks a prompt against the Scene Bible as the author types, and shows errors and warnings before submit.
(function () {
  "use strict";
  var WAIT_MS = 400;

  function render(box, data) {
    box.textContent = "";
    function list(items, cls, title) {
      if (!items.length) { return; }
      var wrap = document.createElement("div");
      wrap.className = "alert " + cls;
      var head = document.createElement("p");
      head.innerHTML = "<strong></strong>";
      head.firstChild.textContent = title;
      wrap.appendChild(head);
      var ul = document.createElement("ul");
      items.forEach(function (text) { var li = document.createElement("li"); li.textContent = text; ul.appendChild(li); });
      wrap.appendChild(ul);
      box.appendChild(wrap);
    }
    if (data.error && !data.check) { list([data.error.message], "alert-error", "Check the prompt"); return; }
    var check = data.check || data;
    list(check.errors.map(function (e) { return e.message; }), "alert-error", "This contradicts the Scene Bible");
    list(check.warnings.map(function (w) { return w.message; }), "alert-warning", "Worth a look");
    list(check.notes || [], "continuity-notes", "Continuity used");
  }

  function bind(box) {
    box.setAttribute("data-bound", "");
    var field = document.getElementById(box.getAttribute("data-for"));
    if (!field) { return; }
    var timer = null;
    var seq = 0;
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var prompt = field.value.trim();
        if (!prompt) { box.textContent = ""; return; }
        var mine = ++seq;
        var body = { prompt: prompt };
        if (box.getAttribute("data-after")) { body.after_segment_id = box.getAttribute("data-after"); }
        window.storyforge.api("POST", box.getAttribute("data-check-url"), body).then(function (res) {
          if (mine === seq) { render(box, res.data); field.setAttribute("aria-invalid", res.data.ok === false ? "true" : "false"); }
        }).catch(function () {});
      }, WAIT_MS);
    });
  }

  function bindAll() { document.querySelectorAll(".continuity-preview[data-check-url]:not([data-bound])").forEach(bind); }
  bindAll();
  document.addEventListener("storyforge:updated", bindAll);  // the continue form came back after a new segment
})();
