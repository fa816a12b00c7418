// Keeps a generation's progress up to date without reloading, then shows the finished segment.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function watch(box) {
    var url = box.getAttribute("data-cut-url") || box.getAttribute("data-job-url");
    var stage = box.querySelector(".job-stage");
    var percent = box.querySelector(".job-percent");
    var bar = box.querySelector(".job-bar");
    var live = box.querySelector(".job-live");
    var lastStage = "";

    function tick() {
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
            window.location.reload();
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
