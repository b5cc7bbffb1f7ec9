/* A lesson's learning package (docs/packages.md): relays the sandboxed content's commits to the server
 * with this page's session and CSRF token, and says what was saved. Only messages from the package's
 * own frame are taken. */
(function () {
  "use strict";
  function attach(player) {
    var frame = player.querySelector("iframe");
    var status = player.querySelector("[data-package-status]");
    var queue = Promise.resolve();
    function say(text, kind) {
      status.textContent = text;
      status.dataset.kind = kind || "";
    }
    function showDone() {
      // The page says what the server now knows: the hint gives way to the done message.
      Array.prototype.forEach.call(document.querySelectorAll("[data-package-hint]"), function (hint) {
        hint.hidden = true;
      });
      Array.prototype.forEach.call(document.querySelectorAll("[data-package-done]"), function (done) {
        done.hidden = false;
      });
    }
    function showProgress(progress) {
      var label = document.querySelector("[data-progress-label]");
      var track = document.querySelector("[data-progress-track]");
      if (label && typeof progress.label === "string") { label.textContent = progress.label; }
      if (track && typeof progress.percent === "number") {
        track.value = progress.percent;
        track.textContent = progress.percent + "%";
      }
    }
    function save(message) {
      return fetch(player.dataset.commitUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": player.dataset.csrf },
        body: JSON.stringify({ attempt: message.attempt, values: message.values, terminate: message.terminate })
      }).then(function (response) {
        return response.json().then(function (body) {
          say(body.message || player.dataset.failed, body.ok ? (body.lesson_completed ? "done" : "saved") : "error");
          if (body.lesson_completed) { player.dataset.lessonCompleted = "true"; showDone(); }
          if (body.progress) { showProgress(body.progress); }
          if (body.course_completed) { player.dataset.courseCompleted = "true"; }
        });
      }).catch(function () { say(player.dataset.failed, "error"); });
    }
    var MAX_HEIGHT = 2000;  // the block's largest height (courses/packages/blocks.py)
    function grow(height) {
      // Never below the frame's own height (the stylesheet's), never above the clamp.
      frame.style.height = "";
      var base = frame.getBoundingClientRect().height;
      var borders = frame.offsetHeight - frame.clientHeight;
      var wanted = Math.min(Math.ceil(height) + borders, MAX_HEIGHT);
      if (wanted > base + 1) { frame.style.height = wanted + "px"; }
    }
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (data && data.kns === "package-height") {
        if (typeof data.height === "number" && isFinite(data.height) && data.height > 0) { grow(data.height); }
        return;
      }
      if (!data || data.kns !== "package" || typeof data.attempt !== "string" || typeof data.values !== "object") {
        return;
      }
      // One at a time, in order: a Terminate never overtakes the Commit before it.
      queue = queue.then(function () { return save(data); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-package-player]"), attach);
})();
