// Small progressive enhancements shared by every page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var close = event.target.closest(".flash-close");
    if (close) { close.closest(".flash").remove(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    var button = form.querySelector("[type=submit]");
    if (button && !form.hasAttribute("data-no-busy")) {
      window.setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
    }
  });
  // A field marked wrong by the server stops saying so once it holds a valid value again.
  document.addEventListener("input", function (event) {
    var control = event.target;
    var field = control.closest && control.closest(".field-error");
    if (!field || control.getAttribute("aria-invalid") !== "true" || !control.value.trim() || !control.checkValidity()) { return; }
    field.classList.remove("field-error");
    control.removeAttribute("aria-invalid");
    var error = field.querySelector(".error-text");
    if (error) { error.hidden = true; }
  });
  // A refused form comes back at its anchor: bring its reason into view and give it focus.
  var refusal = document.querySelector(".refusal[tabindex='-1']");
  var anchor = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
  if (refusal && anchor && anchor.contains(refusal)) {
    var bringIntoView = function () {
      refusal.scrollIntoView({ block: "center" });
      refusal.focus({ preventScroll: true });
    };
    // after the browser's own jump to the anchor, which would otherwise take the focus back
    window.addEventListener("load", function () { window.setTimeout(bringIntoView, 0); });
  }
  // A link to a fork sheet (#fork-<segment>) opens it, ready to type a title.
  function openSheet() {
    var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    if (!target || !target.matches("details.fork-sheet")) { return; }
    target.open = true;
    target.scrollIntoView({ block: "center" });
    var title = target.querySelector("input[name=title]");
    if (title) { title.focus({ preventScroll: true }); }
  }
  window.addEventListener("hashchange", openSheet);
  window.addEventListener("load", function () { window.setTimeout(openSheet, 0); });
  // A story tree opens scrolled to the branch the reader came from.
  // The drawing is as wide as its measured labels, and a phone starts at the reader's branch.
  var drawing = document.querySelector(".tree-scroll svg.story-tree");
  if (drawing && drawing.getBBox) {
    var right = 0;
    drawing.querySelectorAll(".tree-label, .tree-node").forEach(function (item) {
      var box = item.getBBox();
      right = Math.max(right, box.x + box.width);
    });
    var width = Math.ceil(right) + 24;
    drawing.setAttribute("width", width);
    drawing.setAttribute("viewBox", "0 0 " + width + " " + drawing.getAttribute("height"));
    var current = drawing.querySelector(".tree-branch-current");
    var nodes = current ? current.querySelectorAll(".tree-node circle") : [];
    var node = nodes.length ? nodes[nodes.length - 1] : null;
    if (node) {
      var scroller = drawing.parentNode;
      var x = parseFloat(node.getAttribute("cx"));
      var y = parseFloat(node.getAttribute("cy"));
      scroller.scrollLeft = Math.max(0, x - 48);
      scroller.scrollTop = Math.max(0, y - scroller.clientHeight / 2);
    }
  }
  // JSON requests from pages carry the CSRF token in a header.
  window.storyforge = {
    csrfToken: function () {
      var meta = document.querySelector("meta[name=csrf-token]");
      return meta ? meta.content : "";
    },
    api: function (method, url, body) {
      var headers = { "Accept": "application/json", "X-CSRFToken": window.storyforge.csrfToken() };
      if (body !== undefined) { headers["Content-Type"] = "application/json"; }
      return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                          body: body === undefined ? undefined : JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); });
    }
  };
})();
