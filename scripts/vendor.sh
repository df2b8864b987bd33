#!/usr/bin/env bash
# Re-create static/vendor/ from the npm registry so the front end works fully
# offline (no CDN at runtime).
#
#   scripts/vendor.sh          rebuild static/vendor/ in place (idempotent)
#   scripts/vendor.sh --check  rebuild into a temp dir and diff against the
#                              committed static/vendor/ (exit 1 on drift)
#
# Needs `npm` (only for `npm pack`, which downloads a package tarball without
# installing it), `tar`, `sed`, `openssl` and `base64`. Every tarball is checked
# against the pinned sha512 integrity below before anything is extracted.
# Nothing is written to the repo except static/vendor/ (no node_modules, no
# tarballs); static/vendor/README.md is hand-written and kept as is.
set -euo pipefail

# ---------------------------------------------------------------------------
# Pinned packages: name, exact version, npm `dist.integrity`.
# To upgrade: change the version, put the value of
#   npm view <name>@<version> dist.integrity
# next to it, run this script, update static/vendor/README.md, and check the
# page in a browser.
# ---------------------------------------------------------------------------
PACKAGES=(
  "katex              0.19.1 sha512-jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA=="
  "uplot              1.6.32 sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=="
  "d3-array           3.2.5  sha512-Th8qGXoBalmWsstpkuhmBuTsBQIFqYOJtjlBvNVvBfJ8E3uYusBUwUR8HU20U0qKKQkgCvKyR1YjiozWadk5QA=="
  "d3-color           3.1.1  sha512-lfab8x0Bj0UO7SNsY8dZSbNIA6ipbkE3X0NG9nqjCu6CfCHZseuDnOSJY7hidKrjpP++i1M2qT+FlAdPKYRilA=="
  "d3-interpolate     3.0.2  sha512-IRzGU62DtxhvsnSTWMQIdnoZ6gA+BCWwBon1EJI6SjoN595799b6z/QRBzXfFhE8iupUPp3042yBNo0STPqnzQ=="
  "d3-format          3.1.3  sha512-+F+/49swqmGuQJmSKnVMIDH/QkEFV5li9QRj0xm/KhyAUBv099O5PrvpQFxBp24PYph17Mnvt9mjKQV0ii0nMA=="
  "d3-time            3.1.1  sha512-Ze7rjrhMzdeulh0/hjcfFj7XLAHOfowtEMfsoG6DU866HPynQNW7Wfen6hzXcqKTv8XzxvF6Hzr5XD6bMHr2ug=="
  "d3-time-format     4.1.1  sha512-22XaqjyCjpqgda20erhsOjGmC3vvYwTNYniKAd45W5UWLDF43moeOuV9qYpRqobIlsnK0UhnKZjUUJm3VgORUA=="
  "d3-scale           4.0.3  sha512-66cWobCNzcMvlfoaDHCxuIv9TBUWG1BLOWdv9kHHFuCr1JdqAWPvTmsaEYDD5NRMyWZ5+7u0GqiCDfMXMqh3hg=="
  "d3-scale-chromatic 3.1.1  sha512-lA5gfN2yMvmChubmptnDiBfeGpHD7Yb1EbvCz0TZE0WHXhyR6W2allPuhKtzV5ILQRqeOdefF0qYtERReLUBDg=="
)
# internmap is deliberately absent: d3-array's UMD bundle inlines it
# (exposed as d3.InternMap / d3.InternSet), so no separate file is loaded.

# The d3 modules, in the order their UMD files must be loaded (each one reads
# its dependencies from the global `d3` filled in by the files before it).
D3_MODULES=(d3-array d3-color d3-interpolate d3-format d3-time d3-time-format d3-scale d3-scale-chromatic)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/static/vendor"

MODE=write
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for tool in npm tar sed openssl base64; do
  command -v "$tool" >/dev/null || { echo "vendor.sh: '$tool' not found" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/backprop-vendor.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"      # the new static/vendor tree is assembled here
mkdir -p "$OUT" "$WORK/tgz" "$WORK/src"

# fetch NAME VERSION INTEGRITY -> extracts the package to $WORK/src/NAME/
fetch() {
  local name="$1" version="$2" integrity="$3" tgz got
  # Run npm from the temp dir so it can never create files in the repo.
  tgz="$(cd "$WORK/tgz" && npm pack "$name@$version" --silent --ignore-scripts \
           --pack-destination "$WORK/tgz" | tail -n 1)"
  tgz="$WORK/tgz/$tgz"
  [[ -f "$tgz" ]] || { echo "vendor.sh: npm pack $name@$version produced no tarball" >&2; exit 1; }
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 | tr -d '\n')"
  if [[ "$got" != "$integrity" ]]; then
    echo "vendor.sh: integrity mismatch for $name@$version" >&2
    echo "  expected $integrity" >&2
    echo "  got      $got" >&2
    exit 1
  fi
  mkdir -p "$WORK/src/$name"
  tar -xzf "$tgz" -C "$WORK/src/$name" --no-same-owner --no-same-permissions
  local pkgver
  pkgver="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$WORK/src/$name/package/package.json" | head -n 1)"
  [[ "$pkgver" == "$version" ]] || { echo "vendor.sh: $name: package.json says $pkgver, wanted $version" >&2; exit 1; }
}

# put NAME SRC_REL [DEST_REL] -> copy one file of a package into $OUT/NAME/
put() {
  local name="$1" src="$WORK/src/$1/package/$2" dst="$OUT/$1/${3:-$(basename "$2")}"
  [[ -f "$src" ]] || { echo "vendor.sh: $1: missing $2 in the tarball" >&2; exit 1; }
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst"
  chmod 644 "$dst"
}

for entry in "${PACKAGES[@]}"; do
  # shellcheck disable=SC2086
  set -- $entry
  echo "vendor.sh: $1@$2" >&2
  fetch "$1" "$2" "$3"
  put "$1" LICENSE
done

# --- KaTeX: UMD build (global `katex`), CSS and woff2 fonts ------------------
put katex dist/katex.min.js
put katex dist/katex.min.css
for f in "$WORK"/src/katex/package/dist/fonts/*.woff2; do
  put katex "dist/fonts/$(basename "$f")" "fonts/$(basename "$f")"
done
# Every browser we target reads woff2, and it is listed first in each
# @font-face, so the woff/ttf fallbacks are never fetched. We do not ship them,
# and drop them from the CSS so that it references no missing file.
sed -E -i \
  -e 's/,url\(fonts\/[^)]+\.woff\) format\("woff"\)//g' \
  -e 's/,url\(fonts\/[^)]+\.ttf\) format\("truetype"\)//g' \
  "$OUT/katex/katex.min.css"
# Check that every url(...) in the CSS resolves to a file we ship.
missing=0
while IFS= read -r url; do
  [[ -f "$OUT/katex/$url" ]] || { echo "vendor.sh: katex.min.css references missing $url" >&2; missing=1; }
done < <(grep -o 'url([^)]*)' "$OUT/katex/katex.min.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//')
[[ "$missing" == 0 ]] || exit 1
if grep -q 'format("woff")\|format("truetype")' "$OUT/katex/katex.min.css"; then
  echo "vendor.sh: could not strip woff/ttf fallbacks from katex.min.css (format changed?)" >&2
  exit 1
fi

# --- uPlot: ESM build (imported by static/js/vendor.js) and its CSS ---------
put uplot dist/uPlot.esm.js
put uplot dist/uPlot.min.css

# --- d3 modules: minified UMD builds (global `d3`) ---------------------------
for m in "${D3_MODULES[@]}"; do
  put "$m" "dist/$m.min.js"
done

# README.md is hand-written (versions table + the tags the template needs).
if [[ -f "$DEST/README.md" ]]; then
  cp "$DEST/README.md" "$OUT/README.md"
fi

if [[ "$MODE" == check ]]; then
  if diff -r "$DEST" "$OUT" >&2; then
    echo "vendor.sh: static/vendor is up to date" >&2
    exit 0
  fi
  echo "vendor.sh: static/vendor differs from what the pinned packages give (see diff above)" >&2
  exit 1
fi

# Replace static/vendor/ with the fresh tree (README.md was carried over).
mkdir -p "$DEST"
find "$DEST" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
cp -R "$OUT"/. "$DEST"/
echo "vendor.sh: wrote $(find "$DEST" -type f | wc -l) files, $(du -sh "$DEST" | cut -f1) to ${DEST#"$REPO_ROOT"/}" >&2
