#!/usr/bin/env bash
# Build the desktop bundle and smoke-test it. Takes minutes and a few GB: run by hand, not by the test suite.
#   bash packaging/build_and_smoke.sh            -> dist/keras-inspector/keras-inspector
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet -e . "pyinstaller>=6.10"
start=$(date +%s)
python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/keras-inspector.spec
echo "build time: $(( $(date +%s) - start )) s"
echo "bundle size: $(du -sh dist/keras-inspector | cut -f1)"
bundle=dist/keras-inspector/keras-inspector
demo=resources/demo/collapsed_multihead.keras
out=$(mktemp -d)
# headless: no Python environment involved beyond the bundle itself
env -i PATH=/usr/bin:/bin HOME="$out" QT_QPA_PLATFORM=offscreen "$bundle" --version
env -i PATH=/usr/bin:/bin HOME="$out" "$bundle" diagnose "$demo" --data resources/demo/collapsed_multihead.npz \
    --json "$out/d.json" >/dev/null
python -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['collapsed'] is True; print('diagnose: ok')" "$out/d.json"
t0=$(date +%s.%N)
env -i PATH=/usr/bin:/bin HOME="$out" QT_QPA_PLATFORM=offscreen "$bundle" demo --screenshot "$out/window.png"
echo "window + diagnosis + screenshot: $(python -c "print(round($(date +%s.%N) - $t0, 1))") s"
test -s "$out/window.png" && echo "screenshot: ok ($out/window.png)"
