#!/usr/bin/env bash
# CI: openapi.yaml linted by Spectral (spectral:oas, .spectral.yaml) and Redocly CLI
# (recommended, redocly.yaml + .redocly.lint-ignore.yaml), both pinned in package-lock.json.
# Fails on any error or warning that the rulesets do not switch off with a written reason.
set -euo pipefail
cd "$(dirname "$0")"
# Nothing phones home: no Redocly telemetry or update check, no Scarf install analytics.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false
export NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1
npm ci --no-audit --no-fund --silent
echo "== Spectral (spectral:oas)"
./node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn ../../openapi.yaml
echo "== Redocly CLI (recommended, warnings as errors)"
./node_modules/.bin/redocly lint --config redocly.yaml --lint-config=error --format=codeframe ../../openapi.yaml
