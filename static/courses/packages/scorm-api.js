/* SCORM run-time API adapter (docs/packages.md): SCORM 1.2's API and SCORM 2004's API_1484_11.
 * Put by the server first into each page of a package, so the API object lives in the content's own
 * window (the content runs sandboxed in an opaque origin and cannot reach its parent's objects). The
 * data model and its checks come from the server (courses/packages/cmi.py) with the attempt's state;
 * commits go to the lesson page around the frame by postMessage, which saves them for the learner. */
(function () {
  "use strict";
  var element = document.getElementById("kns-package-state");
  if (!element || window.API || window.API_1484_11) { return; }
  var state = JSON.parse(element.textContent);
  var is12 = state.standard === "scorm12";
  var model = state.model.map(function (row) {
    return { re: new RegExp(row[0]), access: row[1], type: row[2], args: row.slice(3) };
  });
  var values = state.values;        // everything readable, read-only values included
  var written = {};                 // every value the content wrote in this attempt (sent with each commit)
  var readOnly = {};
  Object.keys(values).forEach(function (key) {
    var found = find(key);
    if (found && found.access === "r") { readOnly[key] = true; } else { written[key] = values[key]; }
  });
  var phase = 0;                    // 0: not initialised, 1: running, 2: terminated
  var lastError = "0";
  var dirty = false;
  var NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

  var E12 = { "0": "No error", "101": "General exception", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array - cannot have count",
    "301": "Not initialized", "401": "Not implemented error", "402": "Invalid set value, element is a keyword",
    "403": "Element is read only", "404": "Element is write only", "405": "Incorrect data type" };
  var E2004 = { "0": "No Error", "101": "General Exception", "102": "General Initialization Failure",
    "103": "Already Initialized", "104": "Content Instance Terminated", "111": "General Termination Failure",
    "112": "Termination Before Initialization", "113": "Termination After Termination",
    "122": "Retrieve Data Before Initialization", "123": "Retrieve Data After Termination",
    "132": "Store Data Before Initialization", "133": "Store Data After Termination",
    "142": "Commit Before Initialization", "143": "Commit After Termination", "201": "General Argument Error",
    "301": "General Get Failure", "351": "General Set Failure", "391": "General Commit Failure",
    "401": "Undefined Data Model Element", "402": "Unimplemented Data Model Element",
    "403": "Data Model Element Value Not Initialized", "404": "Data Model Element Is Read Only",
    "405": "Data Model Element Is Write Only", "406": "Data Model Element Type Mismatch",
    "407": "Data Model Element Value Out Of Range", "408": "Data Model Dependency Not Established" };
  var C = is12
    ? { ok: "0", notInit: "301", afterEnd: "101", again: "101", unknown: "201", keyword: "402", ro: "403",
      wo: "404", type: "405", range: "405", children: "202", count: "203", index: "201", depends: "201",
      unset: "0", arg: "201" }
    : { ok: "0", notInit: "122", afterEnd: "123", again: "103", unknown: "401", keyword: "404", ro: "404",
      wo: "405", type: "406", range: "407", children: "301", count: "301", index: "351", depends: "408",
      unset: "403", arg: "201" };

  function find(name) {
    for (var i = 0; i < model.length; i += 1) { if (model[i].re.test(name)) { return model[i]; } }
    return null;
  }
  function fail(code, result) { lastError = code; return result; }
  function numberIn(value, low, high) {
    if (!NUMBER.test(value)) { return null; }
    var n = parseFloat(value);
    return n >= low && n <= high;
  }
  function problem(found, value) {
    var a = found.args;
    switch (found.type) {
      case "vocab": return a[0].indexOf(value) >= 0 ? null : C.type;
      case "string": return value.length <= a[0] ? null : C.type;
      case "regex": return new RegExp(a[0]).test(value) ? null : C.type;
      case "result": return a[0].indexOf(value) >= 0 || NUMBER.test(value) ? null : C.type;
      case "decimal":
      case "real":
      case "int": {
        if (found.type === "decimal" && value === "") { return null; }
        if (found.type === "int" && !/^-?\d+$/.test(value)) { return C.type; }
        var fits = numberIn(value, a[0], a[1]);
        return fits === null ? C.type : fits ? null : C.range;
      }
      default: return C.type;
    }
  }
  // An array's size: how many of "prefix.N." exist (N counted from 0, without gaps).
  function count(prefix) {
    var n = 0;
    var keys = Object.keys(values);
    while (keys.some(function (key) { return key.indexOf(prefix + "." + n + ".") === 0; })) { n += 1; }
    return n;
  }
  function arrayCheck(name) {
    // cmi.objectives.3.score.raw: index 3 must exist or be the next one; in 2004 its id must come first.
    var match = /^(.*?)\.(\d+)\.(.+)$/.exec(name);
    if (!match) { return null; }
    var inner = /^(.*\.\d+\..*?)\.(\d+)\.(.+)$/.exec(name);
    if (inner) { match = inner; }
    var index = parseInt(match[2], 10);
    if (index > count(match[1])) { return C.index; }
    var idKey = match[1] + "." + index + ".id";
    var isArrayWithId = /(objectives|interactions)$/.test(match[1]);
    if (!is12 && isArrayWithId && match[3] !== "id" && values[idKey] === undefined) { return C.depends; }
    return null;
  }
  function keyword(name) {
    var children = /^(.*)\._children$/.exec(name);
    if (children) {
      var parent = children[1].replace(/\.\d+\./g, ".n.");
      return state.children[parent] !== undefined ? { value: state.children[parent] } : { error: C.children };
    }
    var counted = /^(.*)\._count$/.exec(name);
    if (counted) {
      return /(objectives|interactions|correct_responses|comments_from_learner|comments_from_lms)$/.test(counted[1])
        ? { value: String(count(counted[1])) } : { error: C.count };
    }
    if (name === "cmi._version" && !is12) { return { value: "1.0" }; }
    return null;
  }

  function initialize(arg) {
    if (arg !== "") { return fail(C.arg, "false"); }
    if (phase === 1) { return fail(C.again, "false"); }
    if (phase === 2) { return fail(is12 ? "101" : "104", "false"); }
    phase = 1;
    return fail("0", "true");
  }
  function getValue(name) {
    if (phase === 0) { return fail(C.notInit, ""); }
    if (phase === 2) { return fail(C.afterEnd, ""); }
    if (typeof name !== "string" || name === "") { return fail(is12 ? "201" : "301", ""); }
    var kw = keyword(name);
    if (kw) { return kw.error ? fail(kw.error, "") : fail("0", kw.value); }
    var found = find(name);
    if (!found) { return fail(C.unknown, ""); }
    if (found.access === "w") { return fail(C.wo, ""); }
    if (values[name] === undefined) {
      if (/\.\d+\./.test(name) && arrayCheck(name)) { return fail(is12 ? "201" : "301", ""); }
      return fail(C.unset, "");
    }
    return fail("0", String(values[name]));
  }
  function setValue(name, value) {
    if (phase === 0) { return fail(is12 ? "301" : "132", "false"); }
    if (phase === 2) { return fail(is12 ? "101" : "133", "false"); }
    if (typeof name !== "string" || name === "") { return fail(is12 ? "201" : "351", "false"); }
    value = value === undefined || value === null ? "" : String(value);
    if (/\._(children|count|version)$/.test(name)) { return fail(C.keyword, "false"); }
    var found = find(name);
    if (!found) { return fail(C.unknown, "false"); }
    if (found.access === "r") { return fail(C.ro, "false"); }
    var error = problem(found, value) || arrayCheck(name);
    if (error) { return fail(error, "false"); }
    values[name] = value;
    written[name] = value;
    dirty = true;
    return fail("0", "true");
  }
  function send(terminate) {
    var message = { kns: "package", attempt: state.attempt, values: written, terminate: terminate };
    try { window.parent.postMessage(message, state.origin); } catch (e) { return false; }
    dirty = false;
    return true;
  }
  function commit(arg) {
    if (arg !== "") { return fail(C.arg, "false"); }
    if (phase === 0) { return fail(is12 ? "301" : "142", "false"); }
    if (phase === 2) { return fail(is12 ? "101" : "143", "false"); }
    return send(false) ? fail("0", "true") : fail(is12 ? "101" : "391", "false");
  }
  function terminate(arg) {
    if (arg !== "") { return fail(C.arg, "false"); }
    if (phase === 0) { return fail(is12 ? "301" : "112", "false"); }
    if (phase === 2) { return fail(is12 ? "101" : "113", "false"); }
    phase = 2;
    return send(true) ? fail("0", "true") : fail(is12 ? "101" : "111", "false");
  }
  function errorString(code) { var table = is12 ? E12 : E2004; return table[String(code)] || ""; }
  function diagnostic(code) { return errorString(code === "" || code === undefined ? lastError : code); }

  if (is12) {
    window.API = {
      LMSInitialize: initialize, LMSFinish: terminate, LMSGetValue: getValue, LMSSetValue: setValue,
      LMSCommit: commit, LMSGetLastError: function () { return lastError; },
      LMSGetErrorString: errorString, LMSGetDiagnostic: diagnostic
    };
  } else {
    window.API_1484_11 = {
      version: "1.0",
      Initialize: initialize, Terminate: terminate, GetValue: getValue, SetValue: setValue, Commit: commit,
      GetLastError: function () { return lastError; }, GetErrorString: errorString, GetDiagnostic: diagnostic
    };
  }
  // The content's height, told to the lesson page so the frame can grow to show it all (it checks and clamps).
  var toldHeight = 0;
  function tellHeight() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (!height || Math.abs(height - toldHeight) < 2) { return; }
    toldHeight = height;
    try { window.parent.postMessage({ kns: "package-height", height: height }, state.origin); } catch (e) { /* no parent */ }
  }
  window.addEventListener("load", function () {
    tellHeight();
    if (window.ResizeObserver && document.body) { new ResizeObserver(tellHeight).observe(document.body); }
  });
  // Leaving the page without a commit: what was written is still sent (the lesson page saves it).
  window.addEventListener("pagehide", function () { if (phase === 1 && dirty) { send(false); } });
})();
