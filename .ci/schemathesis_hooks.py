"""Schemathesis hooks for CI (loaded through SCHEMATHESIS_HOOKS).

`application/zip` bodies (SCORM package uploads) have no JSON Schema to draw
from: offer Schemathesis a real SCORM 1.2 package, one with a broken manifest,
and bytes that are no zip at all, so every path of the upload is exercised.
"""
import io
import zipfile

import schemathesis
from hypothesis import strategies as st

MANIFEST = b"""<?xml version="1.0"?>
<manifest identifier="ci.fuzz" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Fuzz</title>
    <item identifier="I" identifierref="R"><title>One</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
</manifest>"""


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


schemathesis.openapi.media_type(
    "application/zip",
    st.sampled_from([
        _zip([("imsmanifest.xml", MANIFEST), ("index.html", b"<p>hi</p>")]),
        _zip([("imsmanifest.xml", b"<manifest"), ("index.html", b"x")]),
        b"not a zip",
    ]),
)
