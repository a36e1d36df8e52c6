"""Deliveries verified by a Standard Webhooks library written by others
(PyPI `standardwebhooks`, the spec authors' reference), not by our receiver.

Registers a loopback endpoint (the server runs with --allow-private-webhooks),
sends a test event, and verifies the delivery with the secret the API showed;
then rotates the secret and verifies the next delivery with the new secret AND
with the old one (both sign for 24 h), and checks that a foreign secret and a
tampered body are refused. Usage: standard_webhooks_check.py BASE_URL API_KEY
"""
import json
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

base, key = sys.argv[1].rstrip("/"), sys.argv[2]
received: "queue.Queue[tuple[dict, bytes]]" = queue.Queue()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.put(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()


def api(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=15) as r:
        return json.load(r)["data"] if r.status != 204 else None


def delivery(endpoint_id):
    api("POST", f"/api/v1/webhooks/endpoints/{endpoint_id}/test")
    try:
        return received.get(timeout=30)
    except queue.Empty:
        sys.exit("no delivery arrived within 30 s")


def verified(secret, headers, body):
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "webhook.test", payload
    return payload


def refused(secret, headers, body, what):
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return
    sys.exit(f"{what} was accepted")


created = api("POST", "/api/v1/webhooks/endpoints",
              {"url": f"http://127.0.0.1:{receiver.server_port}/hook", "event_types": ["*"]})
old, endpoint_id = created["secret"], created["endpoint"]["id"]
headers, body = delivery(endpoint_id)
verified(old, headers, body)
refused("whsec_" + "A" * 43 + "=", headers, body, "a delivery checked with a foreign secret")
refused(old, headers, body.replace(b"webhook.test", b"webhook.tset"), "a tampered body")
ids = set()
ids.add(headers["webhook-id"])

new = api("POST", f"/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret")["secret"]
assert new != old
headers, body = delivery(endpoint_id)
verified(new, headers, body)
verified(old, headers, body)
assert headers["webhook-id"] not in ids, "two deliveries shared a webhook-id"
api("POST", f"/api/v1/webhooks/endpoints/{endpoint_id}/delete")
print("standardwebhooks: a delivery, a rotated secret's two signatures, a foreign secret and a tampered body: all as the spec says")
