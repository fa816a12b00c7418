// The scene player: hls.js where Media Source Extensions exist, native HLS where they don't
// (iOS Safari), the branch MP4 as the last fallback. The segment list follows playback; the keys
// people know from video sites work; a tap on the picture plays; the end card offers what comes next.
(function () {
  "use strict";
  var VOLUME_KEY = "storyforge.volume";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"));
  }

  function attach(box) {
    var video = box.querySelector("video");
    var status = box.querySelector(".player-status");
    var bigPlay = box.querySelector(".player-big-play");
    var endCard = box.querySelector(".player-endcard");
    var markers = box.querySelector(".player-markers");
    var fullscreenButton = box.querySelector(".player-fullscreen");
    var playNewButton = box.querySelector(".player-play-new");
    var fallback = box.getAttribute("data-fallback");
    var chapters = [];
    var usedFallback = false;
    var hls = null;

    function say(text) { if (status) { status.textContent = text; } }

    function play() {
      var played = video.play();
      if (played && played.catch) { played.catch(function () {}); }
      return played;
    }

    function useMp4(reason) {
      if (usedFallback) { return; }
      usedFallback = true;
      box.setAttribute("data-engine", "mp4");
      if (reason) { say(reason); }
      video.src = fallback;
    }

    function load(playlist) {
      box.setAttribute("data-playlist", playlist);
      if (hls) { hls.loadSource(playlist); return; }
      if (usedFallback) { video.src = fallback + (fallback.indexOf("?") < 0 ? "?" : "&") + "v=" + Date.now(); return; }
      if (window.Hls && window.Hls.isSupported()) {
        hls = new window.Hls({ enableWorker: true });
        box.setAttribute("data-engine", "hls.js");
        hls.on(window.Hls.Events.ERROR, function (event, data) {
          if (!data.fatal) { return; }
          if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
          hls.destroy();
          hls = null;
          useMp4("Streaming failed; playing the downloadable version instead.");
        });
        hls.loadSource(playlist);
        hls.attachMedia(video);
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        box.setAttribute("data-engine", "native");
        video.src = playlist;
        video.addEventListener("error", function () { useMp4("Streaming failed; playing the downloadable version instead."); });
      } else {
        useMp4("");
      }
    }

    function start(chapter) { return parseFloat(chapter.getAttribute("data-start")); }

    function current() {
      var t = video.currentTime;
      for (var i = chapters.length - 1; i >= 0; i--) {
        if (t >= start(chapters[i]) - 0.05) { return i; }
      }
      return 0;
    }

    function seekTo(seconds) {
      var end = isFinite(video.duration) ? video.duration : seconds;
      video.currentTime = Math.max(0, Math.min(seconds, end));
    }

    function playChapter(index) {
      if (!chapters[index]) { return; }
      seekTo(start(chapters[index]) + 0.01);
      play();
    }

    function drawMarkers() {
      if (!markers) { return; }
      markers.textContent = "";
      var total = chapters.length ? parseFloat(chapters[chapters.length - 1].getAttribute("data-end")) : 0;
      chapters.forEach(function (chapter, index) {
        var mark = document.createElement("span");  // the segment list is the keyboard's way in; marks are for pointers
        mark.className = "player-marker";
        mark.title = chapter.getAttribute("data-label");
        var width = total ? (parseFloat(chapter.getAttribute("data-end")) - start(chapter)) / total * 100 : 0;
        mark.style.width = width + "%";
        mark.addEventListener("click", function () { playChapter(index); });
        markers.appendChild(mark);
      });
    }

    function bindChapters() {
      chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
      chapters.forEach(function (chapter, index) {
        chapter.addEventListener("click", function () {
          playChapter(index);
          if (box.getBoundingClientRect().top < 0 || box.getBoundingClientRect().top > window.innerHeight / 2) {
            box.scrollIntoView({ block: "start", behavior: "smooth" });
          }
        });
      });
      drawMarkers();
    }

    function fullscreen() {
      if (document.fullscreenElement) { return document.exitFullscreen(); }
      var target = box.querySelector(".player-frame") || video;
      if (target.requestFullscreen) { return target.requestFullscreen(); }
      if (video.webkitEnterFullscreen) { video.webkitEnterFullscreen(); }  // iOS: only the video goes full screen
    }

    function toggleCaptions() {
      var track = video.textTracks && video.textTracks[0];
      if (!track) { return; }
      track.mode = track.mode === "showing" ? "hidden" : "showing";
      say(track.mode === "showing" ? "Captions on." : "Captions off.");
    }

    function toggle() { if (video.paused || video.ended) { play(); } else { video.pause(); } }

    var KEYS = {
      " ": toggle, "k": toggle,
      "j": function () { seekTo(video.currentTime - 10); },
      "l": function () { seekTo(video.currentTime + 10); },
      "ArrowLeft": function () { seekTo(video.currentTime - 5); },
      "ArrowRight": function () { seekTo(video.currentTime + 5); },
      "ArrowUp": function () { video.muted = false; video.volume = Math.min(1, video.volume + 0.1); },
      "ArrowDown": function () { video.volume = Math.max(0, video.volume - 0.1); },
      "f": fullscreen,
      "m": function () { video.muted = !video.muted; say(video.muted ? "Muted." : "Sound on."); },
      "c": toggleCaptions,
      ",": function () { playChapter(Math.max(0, current() - 1)); },
      ".": function () { playChapter(Math.min(chapters.length - 1, current() + 1)); }
    };

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
      var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      // Space still presses the focused button or link, as everywhere else
      var onControl = event.target.closest && event.target.closest("button, a, summary, [role=button]");
      if (onControl && key === " ") { return; }
      var action = KEYS[key];
      if (!action && /^[0-9]$/.test(key) && isFinite(video.duration)) {
        action = function () { seekTo(video.duration * parseInt(key, 10) / 10); };
      }
      if (!action) { return; }
      event.preventDefault();
      action();
    });

    video.addEventListener("timeupdate", function () {
      var now = current();
      chapters.forEach(function (c, i) {
        if (i === now) { c.setAttribute("aria-current", "true"); } else { c.removeAttribute("aria-current"); }
      });
    });

    function showState() {
      var stopped = video.paused || video.ended;
      box.classList.toggle("is-paused", stopped);
      if (bigPlay) { bigPlay.hidden = !stopped || video.ended; }
      if (endCard) { endCard.hidden = !video.ended; }
    }
    ["play", "pause", "ended", "playing", "emptied"].forEach(function (name) { video.addEventListener(name, showState); });

    if (bigPlay) {
      bigPlay.addEventListener("click", function () { play(); });
    }
    // a tap anywhere on the picture plays a paused video (native controls handle taps while it plays)
    video.addEventListener("click", function (event) {
      if (video.paused && !video.ended) { event.preventDefault(); play(); }
    });
    if (fullscreenButton) { fullscreenButton.addEventListener("click", fullscreen); }
    document.addEventListener("fullscreenchange", function () {
      if (fullscreenButton) { fullscreenButton.setAttribute("aria-pressed", document.fullscreenElement ? "true" : "false"); }
    });
    var replay = endCard && endCard.querySelector(".player-replay");
    if (replay) { replay.addEventListener("click", function () { seekTo(0); play(); }); }

    try {
      var saved = JSON.parse(window.localStorage.getItem(VOLUME_KEY) || "null");
      if (saved && typeof saved.volume === "number") { video.volume = saved.volume; }
    } catch (ignored) { /* storage may be blocked; the default volume is fine */ }
    video.addEventListener("volumechange", function () {
      try { window.localStorage.setItem(VOLUME_KEY, JSON.stringify({ volume: video.volume })); } catch (ignored) { /* as above */ }
    });

    function playNew() {
      var index = parseInt(box.getAttribute("data-new-chapter") || "-1", 10);
      if (index < 0) { index = chapters.length - 1; }
      playChapter(index);
      if (playNewButton) { playNewButton.hidden = true; }
    }
    if (playNewButton) { playNewButton.addEventListener("click", playNew); }

    // The page calls this when a segment has just been published: the new playlist and segment list.
    function grow(playlist, chaptersNav) {
      var nav = document.querySelector(".chapters");
      if (nav && chaptersNav) { nav.replaceWith(chaptersNav); }
      bindChapters();
      var wasPlaying = !video.paused && !video.ended;
      var at = video.currentTime;
      box.setAttribute("data-new-chapter", String(chapters.length - 1));
      var newStart = start(chapters[chapters.length - 1]);
      if (hls) {
        hls.once(window.Hls.Events.MANIFEST_PARSED, function () {
          seekTo(wasPlaying ? at : newStart + 0.01);  // a viewer mid-scene carries on; otherwise the new segment
          play();  // autoplay where the browser allows; "Play your new segment" otherwise
        });
        load(playlist);
      } else {
        load(playlist);
        video.addEventListener("loadedmetadata", function () {
          seekTo(wasPlaying ? at : newStart + 0.01);
          play();
        }, { once: true });
      }
      if (playNewButton) { playNewButton.hidden = false; }
      say("Your new segment is ready.");
    }

    bindChapters();
    load(box.getAttribute("data-playlist"));
    showState();
    var startAt = parseFloat(new URLSearchParams(window.location.search).get("t"));
    if (startAt > 0) {
      video.addEventListener("loadedmetadata", function () { video.currentTime = startAt; play(); }, { once: true });
    }
    window.storyforgePlayer = { video: video, grow: grow, playNew: playNew,
                                get hls() { return hls; } };
  }

  document.querySelectorAll(".player[data-playlist]").forEach(attach);
})();
