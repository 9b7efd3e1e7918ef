#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (needs npm; not needed to run the portal).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
(cd "$tmp" && npm pack bootstrap@5.3.8 htmx.org@2.0.4 echarts@5.6.0 >/dev/null && for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done)
cp "$tmp"/bootstrap-5.3.8/package/dist/css/bootstrap.min.css "$tmp"/bootstrap-5.3.8/package/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/
cp "$tmp"/htmx.org-2.0.4/package/dist/htmx.min.js static/vendor/htmx/
cp "$tmp"/echarts-5.6.0/package/dist/echarts.min.js static/vendor/echarts/
sed -i 's#/\*\# sourceMappingURL=.*\*/##; s#//\# sourceMappingURL=.*##' static/vendor/bootstrap/*
rm -rf "$tmp"
