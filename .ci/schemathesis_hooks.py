"""Schemathesis hooks for CI (loaded through SCHEMATHESIS_HOOKS).

`application/zip` bodies (SCORM package uploads) have no JSON Schema to draw
from: offer Schemathesis a real SCORM 1.2 package, one with a broken manifest,
and bytes that are no zip at all, so every path of the upload is exercised.
"""
import io
import uuid
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



@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """A stored answer is replayed only to the same body; Schemathesis draws
    Idempotency-Keys from a small space ("0", the example) and reuses them
    with other bodies, which the server rightly refuses (422
    idempotency_key_mismatch). In positive cases give each key a unique
    suffix, its length kept within 1..255; negative cases stay as drawn
    (editing them would make Schemathesis revalidate and lose what it
    removed, such as a missing Authorization header)."""
    meta = getattr(case, "meta", None)
    if meta is None or meta.generation.mode.is_negative or not case.headers:
        return
    for name in list(case.headers):
        key = case.headers[name]
        if name.lower() == "idempotency-key" and isinstance(key, str) and 1 <= len(key) <= 255:
            case.headers[name] = f"{key[:222]}-{uuid.uuid4().hex}"
