/* The H5P player in the lesson's sandboxed frame (docs/h5p.md): h5p-standalone plays the package, and
 * the activity's own xAPI results ("answered", "completed") go to the lesson page by postMessage, to
 * the site's origin only; the lesson page checks they come from this frame and saves them with its
 * session (package-player.js). Sub-contents' statements are not relayed: the activity's are. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kns-h5p-config").textContent);
  var RELAYED = {
    "http://adlnet.gov/expapi/verbs/answered": true,
    "http://adlnet.gov/expapi/verbs/completed": true
  };
  var SUB_CONTENT = "http://h5p.org/x-api/h5p-subContentId";

  function relay(event) {
    var statement = event && event.data && event.data.statement;
    if (!statement || !statement.verb || !RELAYED[statement.verb.id]) { return; }
    var extensions = (statement.object && statement.object.definition && statement.object.definition.extensions) || {};
    if (extensions[SUB_CONTENT]) { return; }
    var result = statement.result || {};
    window.parent.postMessage({
      kns: "package",
      attempt: config.attempt,
      terminate: false,
      values: {
        verb: statement.verb.id,
        result: {
          score: result.score,
          completion: result.completion,
          success: result.success,
          duration: result.duration
        }
      }
    }, config.origin);
  }

  // The sandbox's opaque origin has no Web Storage: reading window.localStorage throws, and H5P's core
  // reads it (its copy-and-paste clipboard). A storage in memory, for this page only, stands in.
  function memoryStorage() {
    var items = {};
    return {
      get length() { return Object.keys(items).length; },
      key: function (index) { return Object.keys(items)[index] || null; },
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].getItem("x");
    } catch (blocked) {
      try {
        Object.defineProperty(window, name, { configurable: true, value: memoryStorage() });
      } catch (ignored) { /* left as it is */ }
    }
  });

  function listen() {
    if (window.H5P && window.H5P.externalDispatcher && !listen.done) {
      window.H5P.externalDispatcher.on("xAPI", relay);
      listen.done = true;
    }
  }

  function start() {
    var container = document.getElementById("h5p-container");
    new H5PStandalone.H5P(container, config.options).then(function () {
      listen();
      document.documentElement.setAttribute("data-h5p-ready", "true");
    }).catch(function (error) {
      listen();
      document.documentElement.setAttribute("data-h5p-error", String(error && error.message || error));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
