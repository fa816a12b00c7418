// Keeps a generation's progress up to date without reloading. When a segment is published the page
// takes the new header, segment list and playlist from a fresh copy of itself, and the player
// carries on (or plays the new segment) instead of the whole page reloading.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function freshCopy() {
    return fetch(window.location.pathname + window.location.search,
                 { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function showPublished() {
    var player = window.storyforgePlayer;
    if (!player || !document.querySelector(".player[data-playlist]")) { window.location.reload(); return; }
    freshCopy().then(function (fresh) {
      var box = fresh.querySelector(".player[data-playlist]");
      if (!box) { window.location.reload(); return; }
      document.querySelectorAll("[data-live]").forEach(function (region) {
        var update = fresh.querySelector("[data-live='" + region.getAttribute("data-live") + "']");
        if (update) { region.replaceWith(document.adoptNode(update)); } else { region.remove(); }
      });
      player.grow(box.getAttribute("data-playlist"), document.adoptNode(fresh.querySelector(".chapters")));
      document.dispatchEvent(new CustomEvent("storyforge:updated"));
      document.querySelectorAll(".job[data-job-url]:not([data-watched])").forEach(watch);
    }).catch(function () { window.location.reload(); });
  }

  function watch(box) {
    box.setAttribute("data-watched", "");
    var url = box.getAttribute("data-cut-url") || box.getAttribute("data-job-url");
    var isCut = box.hasAttribute("data-cut-url");
    var stage = box.querySelector(".job-stage");
    var percent = box.querySelector(".job-percent");
    var bar = box.querySelector(".job-bar");
    var live = box.querySelector(".job-live");
    var lastStage = "";

    function tick() {
      if (!box.isConnected) { return; }
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          stage.textContent = job.message;
          percent.textContent = job.progress + "%";
          bar.value = job.progress;
          bar.textContent = job.progress + "%";
          if (job.stage !== lastStage) { live.textContent = job.message; lastStage = job.stage; }
          if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") {
            live.textContent = job.status === "succeeded" ? "Segment ready." : "Generation failed.";
            if (job.status === "succeeded" && !isCut) { showPublished(); } else { window.location.reload(); }
            return;
          }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () { window.setTimeout(tick, POLL_MS * 3); });
    }
    tick();
  }

  document.querySelectorAll(".job[data-job-url]").forEach(watch);
  document.querySelectorAll(".job[data-cut-url]").forEach(watch);
})();
