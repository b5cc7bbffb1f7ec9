"""Real SCORM packages, built by the tests: SCORM 1.2 and SCORM 2004 4th edition zips.

The manifests follow ADL's sample manifests (namespaces, schemaLocation, schema/schemaversion,
``adlcp:scormtype`` / ``adlcp:scormType``). The SCO finds its API the standard way, ADL's (and
pipwerks') discovery loop over ``window``, its parents and ``opener``, never knowing our adapter; it
reports progress, a score and a status through pipwerks' wrapper (@gamestdio/scorm from npm, not our
code), and shows what it could reach of the page around it.
"""

import io
import zipfile
from pathlib import Path

SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>{title}</title>
      <item identifier="ITEM-1" identifierref="RES-1" isvisible="true">
        <title>{title}</title>
        {mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="{launch}">
      <file href="{launch}"/>
      <file href="scorm.js"/>
      <file href="sco.js"/>
      <file href="style.css"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1" adlseq:objectivesGlobalToSystem="false">
      <title>{title}</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormType="sco" href="{launch}">
      <file href="{launch}"/>
      <file href="scorm.js"/>
      <file href="sco.js"/>
      <file href="style.css"/>
    </resource>
  </resources>
</manifest>
"""

SCO_HTML = """<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="style.css">
<script src="scorm.js"></script>
<script src="sco.js"></script>
</head>
<body>
<main>
<h1>{title}</h1>
<p>API: <output id="api">…</output></p>
<p>Entry: <output id="entry"></output></p>
<p>Location: <output id="location"></output></p>
<p>Suspend data: <output id="suspend"></output></p>
<p>Site cookie: <output id="cookie"></output></p>
<p>Parent page: <output id="parent"></output></p>
<button type="button" id="progress">Save progress</button>
<button type="button" id="finish">Finish with {score}</button>
<p><output id="done"></output></p>
</main>
</body>
</html>
"""

# The SCO's side is not ours: @gamestdio/scorm (npm), pipwerks' SCORM wrapper, finds the API with ADL's
# discovery loop (window, its parents, then the top window's opener) and makes every call; this script
# only says what to record.
WRAPPER = Path(__file__).resolve().parents[3] / "node_modules" / "@gamestdio" / "scorm" / "lib" / "index.js"

SCO_JS = """(function () {
  "use strict";
  var VERSION = "%(version)s";
  var scorm = window.exports.scorm;
  scorm.configure({ version: VERSION });
  var is12 = VERSION === "1.2";
  function show(id, text) { document.getElementById(id).textContent = text; }
  function probe() {
    var cookie, parentTitle;
    try { cookie = "read: " + document.cookie; } catch (e) { cookie = "blocked"; }
    try { parentTitle = "read: " + window.parent.document.title; } catch (e2) { parentTitle = "blocked"; }
    show("cookie", cookie);
    show("parent", parentTitle);
  }
  document.addEventListener("DOMContentLoaded", function () {
    probe();
    show("api", scorm.initialize() ? "found" : "not found");
    show("entry", scorm.get(is12 ? "cmi.core.entry" : "cmi.entry"));
    show("location", scorm.get(is12 ? "cmi.core.lesson_location" : "cmi.location"));
    show("suspend", scorm.get("cmi.suspend_data"));
    document.getElementById("progress").addEventListener("click", function () {
      scorm.set(is12 ? "cmi.core.lesson_location" : "cmi.location", "page-2");
      scorm.set("cmi.suspend_data", "answers=1,2;page=2");
      scorm.set(is12 ? "cmi.core.lesson_status" : "cmi.completion_status", "incomplete");
      scorm.set(is12 ? "cmi.core.exit" : "cmi.exit", "suspend");
      show("done", "saved " + scorm.commit());
    });
    document.getElementById("finish").addEventListener("click", function () {
      var raw = %(score)s;
      scorm.set(is12 ? "cmi.core.score.min" : "cmi.score.min", "0");
      scorm.set(is12 ? "cmi.core.score.max" : "cmi.score.max", "100");
      scorm.set(is12 ? "cmi.core.score.raw" : "cmi.score.raw", String(raw));
      if (is12) {
        scorm.set("cmi.core.lesson_status", raw >= 80 ? "passed" : "failed");
        scorm.set("cmi.core.session_time", "0000:01:30.00");
        scorm.set("cmi.core.exit", "logout");
      } else {
        scorm.set("cmi.score.scaled", String(raw / 100));
        scorm.set("cmi.completion_status", "completed");
        scorm.set("cmi.success_status", raw >= 80 ? "passed" : "failed");
        scorm.set("cmi.session_time", "PT1M30S");
        scorm.set("cmi.exit", "normal");
      }
      scorm.commit();
      show("done", "finished " + scorm.terminate());
    });
  });
})();
"""


def sco_files(*, version: str, title: str = "Thực hành dịch vụ công", score: int = 90, launch: str = "index.html"):
    return {
        launch: SCO_HTML.format(title=title, score=score),
        "scorm.js": "var exports = window.exports = {};\n" + WRAPPER.read_text(encoding="utf-8"),
        "sco.js": SCO_JS % {"version": version, "score": score},
        # A page with no script of its own: the adapter is put into it too (the tests call it directly).
        "probe.html": '<!DOCTYPE html><html lang="vi"><head><title>probe</title></head><body></body></html>',
        "style.css": "body{font-family:sans-serif;max-width:40rem;margin:auto;padding:1rem}button{margin:.25rem}\n",
    }


def scorm12_files(*, identifier="com.example.scorm12", title="Bài học SCORM 1.2", score=90, mastery=None, **kw):
    files = sco_files(version="1.2", title=title, score=score, **kw)
    mastery_xml = f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery is not None else ""
    files["imsmanifest.xml"] = SCORM12_MANIFEST.format(
        identifier=identifier, title=title, launch=kw.get("launch", "index.html"), mastery=mastery_xml
    )
    return files


def scorm2004_files(*, identifier="com.example.scorm2004", title="Bài học SCORM 2004", score=90, **kw):
    files = sco_files(version="2004", title=title, score=score, **kw)
    files["imsmanifest.xml"] = SCORM2004_MANIFEST.format(
        identifier=identifier, title=title, launch=kw.get("launch", "index.html")
    )
    return files


def zip_bytes(files: dict, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            if isinstance(content, zipfile.ZipInfo):
                archive.writestr(content, b"")
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def scorm12_zip(**kw) -> bytes:
    return zip_bytes(scorm12_files(**kw))


def scorm2004_zip(**kw) -> bytes:
    return zip_bytes(scorm2004_files(**kw))
