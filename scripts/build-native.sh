#!/usr/bin/env bash
# Builds libs/local-features/native (the system's OpenCV for ORB, RANSAC and warps; about 5x
# OpenCV.js) where OpenCV's development files are installed (Debian: libopencv-features2d-dev and
# libopencv-calib3d-dev). Without them it says so and local features run on OpenCV.js
# (LOCAL_FEATURES_RUNTIME=auto). With them, a failed build fails: it is not quietly skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=libs/local-features/native
headers=/usr/include/opencv4/opencv2/features2d.hpp
if [ ! -f "$headers" ] || [ ! -f /usr/include/opencv4/opencv2/calib3d.hpp ]; then
  echo "native OpenCV: no headers at $(dirname "$headers"); local features run on OpenCV.js" \
    "(apt-get install libopencv-features2d-dev libopencv-calib3d-dev, then make build)"
  rm -rf "$dir/build"
  exit 0
fi
addon=$dir/build/Release/lookalike_opencv.node
# Rebuilt when its source, its build file or OpenCV's headers are newer than the addon.
if [ -f "$addon" ] && [ -z "$(find "$dir/opencv-ops.cc" "$dir/binding.gyp" "$headers" -newer "$addon")" ]; then
  exit 0
fi
# node-gyp builds against this Node's own headers (Debian's nodejs ships them under /usr).
nodedir=()
[ -f /usr/include/node/node_api.h ] && nodedir=(--nodedir=/usr)
node_modules/.bin/node-gyp rebuild "${nodedir[@]}" --directory="$dir" --loglevel=warn
node -e "const a = require('./$addon'); console.log('native OpenCV', a.version, 'built: $addon')"
