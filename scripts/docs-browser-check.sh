#!/usr/bin/env bash
# Headless-browser check of the rendered API reference page.
#
# Usage: scripts/docs-browser-check.sh BASE_URL EXPECTED_TEXT...
#   e.g. scripts/docs-browser-check.sh http://127.0.0.1:8080 "List events" "Create a tag"
#
# Loads BASE_URL$DOCS_PATH in headless Chromium, lets the page's JavaScript
# (Redoc) run, dumps the rendered DOM and checks that every EXPECTED_TEXT is
# in its visible text. It also records Chromium's net log and fails if the
# page asked for anything that is not on BASE_URL's host or loopback.
#
# Environment:
#   DOCS_PATH            path of the docs page (default /api/docs)
#   CHROMIUM             browser binary (default /usr/bin/chromium; installed
#                        with apt-get when the default is missing)
#   VIRTUAL_TIME_BUDGET  ms of virtual time the page gets (default 15000)
#   DOCS_CHECK_TIMEOUT   wall-clock limit for the browser, s (default 120)
#   DOCS_CHECK_ARTIFACTS directory to keep dom.html, netlog.json and
#                        chromium.log in (default: kept nowhere)
#
# Exit status: 0 all good; 1 a text is missing or the page made an external
# request; 2 usage or setup error (browser missing, crashed, no net log).
#
# No request can leave the machine while this runs: --host-resolver-rules
# maps every host name except loopback and BASE_URL's host to "not found",
# so not even a DNS query goes out. Chromium still makes a few requests of
# its own (component updater, account check); the net log shows them
# failing at the resolver. They are reported but do not fail the check,
# because they are the browser's, not the page's.
set -euo pipefail

usage() {
    sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 2 ]] || usage
base_url=${1%/}
shift
[[ $base_url == http://* || $base_url == https://* ]] || {
    echo "docs-browser-check: BASE_URL must start with http:// or https://, got '$base_url'" >&2
    exit 2
}
docs_path=${DOCS_PATH:-/api/docs}
[[ $docs_path == /* ]] || docs_path=/$docs_path
url=$base_url$docs_path

default_chromium=/usr/bin/chromium
chromium=${CHROMIUM:-$default_chromium}
virtual_time_budget=${VIRTUAL_TIME_BUDGET:-15000}
timeout_s=${DOCS_CHECK_TIMEOUT:-120}

apt_install() {
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || {
            echo "docs-browser-check: need root (or sudo) to install $*" >&2
            exit 2
        }
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null || {
        echo "docs-browser-check: $* missing and no apt-get to install it with" >&2
        exit 2
    }
    echo "docs-browser-check: installing $* with apt-get" >&2
    ${sudo[@]+"${sudo[@]}"} apt-get update -qq
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "$@" >/dev/null
}

missing=()
if [[ ! -x $chromium ]]; then
    if [[ $chromium == "$default_chromium" ]]; then
        missing+=(chromium)
    else
        echo "docs-browser-check: CHROMIUM=$chromium is not executable" >&2
        exit 2
    fi
fi
command -v python3 >/dev/null || missing+=(python3)
[[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/docs-browser-check.XXXXXX")
cleanup() {
    if [[ -n ${DOCS_CHECK_ARTIFACTS:-} ]]; then
        mkdir -p "$DOCS_CHECK_ARTIFACTS"
        cp -f "$work"/dom.html "$work"/netlog.json "$work"/chromium.log \
            "$DOCS_CHECK_ARTIFACTS"/ 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

base_host=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname or "")' "$base_url")
resolver_rules="MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
case $base_host in
    localhost | 127.0.0.1 | '') ;;
    *) resolver_rules+=", EXCLUDE $base_host" ;; # an IPv6 literal goes in bare: ::1
esac

chromium_args=(
    --headless
    --no-sandbox
    --disable-gpu
    --disable-dev-shm-usage
    --disable-quic
    --no-first-run
    --no-default-browser-check
    --disable-background-networking
    --disable-component-update
    --disable-sync
    --disable-extensions
    --disable-default-apps
    --disable-features=AutofillServerCommunication,NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate
    "--host-resolver-rules=$resolver_rules"
    "--user-data-dir=$work/profile"
    "--log-net-log=$work/netlog.json"
    --enable-logging=stderr
    --v=0
    "--virtual-time-budget=$virtual_time_budget"
    --dump-dom
    "$url"
)

echo "docs-browser-check: loading $url in $("$chromium" --version 2>/dev/null || echo "$chromium")"
start=$SECONDS
status=0
timeout --kill-after=10 "$timeout_s" "$chromium" "${chromium_args[@]}" \
    >"$work/dom.html" 2>"$work/chromium.log" || status=$?
echo "docs-browser-check: browser finished in $((SECONDS - start))s (exit $status)"
if [[ $status -ne 0 || ! -s $work/dom.html ]]; then
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "docs-browser-check: FAIL: the browser did not finish within ${timeout_s}s" >&2
    elif [[ $status -ne 0 ]]; then
        echo "docs-browser-check: FAIL: the browser exited with status $status" >&2
    else
        echo "docs-browser-check: FAIL: the browser dumped no DOM for $url" >&2
    fi
    if grep -q 'Page load failed' "$work/chromium.log"; then
        # e.g. "Page load failed: net::ERR_CONNECTION_REFUSED": server not up?
        grep -o 'Page load failed.*' "$work/chromium.log" | sed 's/^/  /' >&2
    else
        echo "--- last lines of the browser log (D-Bus noise left out):" >&2
        grep -v -e 'dbus' -e 'D-Bus' "$work/chromium.log" | tail -n 15 >&2 || true
    fi
    exit 2
fi

python3 - "$work/dom.html" "$work/netlog.json" "$work/chromium.log" "$url" "$base_host" "$@" <<'PY'
import html.parser
import ipaddress
import json
import re
import sys
import urllib.parse

dom_file, netlog_file, log_file, page_url, base_host, *expected = sys.argv[1:]
failed = False


# ---- rendered text -------------------------------------------------------
class TextOf(html.parser.HTMLParser):
    """Visible text of the dumped DOM (script and style contents left out)."""

    SKIP = {"script", "style", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def squash(s):
    return " ".join(s.split())


with open(dom_file, encoding="utf-8", errors="replace") as f:
    dom = f.read()
parser = TextOf()
parser.feed(dom)
text = squash(" ".join(parser.parts))
title = re.search(r"<title>(.*?)</title>", dom, re.S)
print(f"docs-browser-check: page title {squash(title.group(1)) if title else '(none)'!r}, "
      f"{len(dom)} bytes of DOM, {len(text)} characters of text")

missing = []
for want in expected:
    n = text.count(squash(want))
    if n:
        print(f"  found    {want!r} ({n}x)")
    else:
        print(f"  MISSING  {want!r}")
        missing.append(want)
if missing:
    failed = True
    print(f"docs-browser-check: FAIL: {len(missing)} of {len(expected)} expected text(s) "
          f"not in the rendered page: {', '.join(map(repr, missing))}", file=sys.stderr)
    print(f"  start of the page text: {text[:300]!r}", file=sys.stderr)

# Console messages (JS errors, CSP reports) help explain a failure.
with open(log_file, encoding="utf-8", errors="replace") as f:
    console = [l.strip() for l in f if ":CONSOLE" in l]
for line in console[:20]:
    print(f"  console: {re.sub(r'^.*?:CONSOLE[^]]*] ', '', line)[:400]}")


# ---- network ------------------------------------------------------------
def is_local(host):
    host = (host or "").strip("[]").lower().rstrip(".")
    if host in ("localhost", base_host.strip("[]").lower()) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url):
    try:
        return urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        return ""


try:
    with open(netlog_file, encoding="utf-8", errors="replace") as f:
        raw = f.read()
except FileNotFoundError:
    print("docs-browser-check: FAIL: Chromium wrote no net log; cannot verify the page's requests",
          file=sys.stderr)
    sys.exit(2)
try:
    netlog = json.loads(raw)
except ValueError:
    # A browser killed before it closed the log leaves the events array open.
    netlog = json.loads(raw.rstrip().rstrip(",") + "]}")

names = {v: k for k, v in netlog["constants"]["logEventTypes"].items()}
requests = {}  # source id -> (url, initiator, request_type); last start wins after redirects
urls_by_source = {}
mentioned = set()  # every host named anywhere in the log
url_re = re.compile(r"\b[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[^\s/:<>\"']+)", re.I)
for ev in netlog.get("events", []):
    params = ev.get("params") or {}
    kind = names.get(ev.get("type"))
    if kind == "URL_REQUEST_START_JOB" and "url" in params:
        src = ev["source"]["id"]
        requests[src] = (params["url"], params.get("initiator", ""), params.get("request_type", ""))
        urls_by_source.setdefault(src, []).append(params["url"])
    for key in ("url", "host", "hostname", "destination", "group_id", "origin", "location"):
        value = params.get(key)
        if not isinstance(value, str):
            continue
        if kind == "DNS_TRANSACTION" and key == "hostname":
            mentioned.add(value)
        # Only the first URL: group_id goes on to name the partition key
        # ("https://a.example <https://top-site same_site>").
        m = url_re.search(value)
        if m:
            mentioned.add(m.group(1).strip("[]"))
mentioned.discard("~notfound")  # the name --host-resolver-rules maps everything to

if not any(u == page_url or u.rstrip("/") == page_url.rstrip("/")
           for urls in urls_by_source.values() for u in urls):
    print("docs-browser-check: FAIL: the net log does not show the page being loaded; "
          "cannot verify the page's requests", file=sys.stderr)
    sys.exit(2)


def browser_internal(initiator, request_type):
    # Chromium's own services (updater, account check, ...) start requests
    # with no initiating origin and no frame; everything a page asks for
    # carries the page's origin as initiator, or is a frame navigation.
    return initiator == "not an origin" and request_type == "other"


page_external, internal_hosts = [], set()
page_total = 0
for src, (u, initiator, rtype) in requests.items():
    for each in urls_by_source[src]:
        h = host_of(each)
        if browser_internal(initiator, rtype):
            if not is_local(h):
                internal_hosts.add(h)
            continue
        page_total += 1
        if not is_local(h):
            page_external.append(f"{each}  (initiator {initiator}, {rtype})")
flagged = {host_of(line.split()[0]) for line in page_external}
unexplained = sorted(h for h in mentioned
                     if h and not is_local(h) and h not in internal_hosts and h not in flagged)

print(f"docs-browser-check: {page_total} request(s) from the page, "
      f"{len(page_external)} of them off {base_host or 'the server'}/loopback")
if internal_hosts:
    print(f"  note: ignored Chromium's own requests to {', '.join(sorted(internal_hosts))} "
          f"(not the page's; they failed at the resolver, nothing was sent)")
if page_external or unexplained:
    failed = True
    print("docs-browser-check: FAIL: the page tried to reach hosts other than the server:",
          file=sys.stderr)
    for line in page_external:
        print(f"  {line}", file=sys.stderr)
    for h in unexplained:
        print(f"  host named in the net log: {h}", file=sys.stderr)

if failed:
    sys.exit(1)
print(f"docs-browser-check: OK: all {len(expected)} expected text(s) rendered; "
      f"no request left {base_host or 'the server'}/loopback")
PY
