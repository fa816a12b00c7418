// The scene player: hls.js where Media Source Extensions exist, native HLS where they don't
// (iOS Safari), the branch MP4 as the last fallback. The segment list follows playback.
(function () {
  "use strict";

  function attach(box) {
    var video = box.querySelector("video");
    var status = box.querySelector(".player-status");
    var playlist = box.getAttribute("data-playlist");
    var fallback = box.getAttribute("data-fallback");
    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
    var usedFallback = false;

    function useMp4(reason) {
      if (usedFallback) { return; }
      usedFallback = true;
      box.setAttribute("data-engine", "mp4");
      if (reason) { status.textContent = reason; }
      video.src = fallback;
    }

    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ enableWorker: true });
      box.setAttribute("data-engine", "hls.js");
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) { return; }
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        hls.destroy();
        useMp4("Streaming failed; playing the downloadable version instead.");
      });
      hls.loadSource(playlist);
      hls.attachMedia(video);
      window.storyforgePlayer = { hls: hls, video: video };
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      box.setAttribute("data-engine", "native");
      video.src = playlist;
      video.addEventListener("error", function () { useMp4("Streaming failed; playing the downloadable version instead."); });
    } else {
      useMp4("");
    }

    var startAt = parseFloat(new URLSearchParams(window.location.search).get("t"));
    if (startAt > 0) {
      video.addEventListener("loadedmetadata", function () { video.currentTime = startAt; }, { once: true });
    }

    function current() {
      var t = video.currentTime;
      for (var i = chapters.length - 1; i >= 0; i--) {
        if (t >= parseFloat(chapters[i].getAttribute("data-start")) - 0.05) { return chapters[i]; }
      }
      return chapters[0];
    }

    video.addEventListener("timeupdate", function () {
      var now = current();
      chapters.forEach(function (c) {
        if (c === now) { c.setAttribute("aria-current", "true"); } else { c.removeAttribute("aria-current"); }
      });
    });

    chapters.forEach(function (chapter) {
      chapter.addEventListener("click", function () {
        video.currentTime = parseFloat(chapter.getAttribute("data-start")) + 0.01;
        var played = video.play();
        if (played && played.catch) { played.catch(function () {}); }
      });
    });
  }

  document.querySelectorAll(".player[data-playlist]").forEach(attach);
})();
