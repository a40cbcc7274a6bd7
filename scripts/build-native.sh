#!/usr/bin/env bash
# Builds the two native addons (node-gyp, against this Node's own headers):
# - libs/imaging/native: the quality pass's pixel sums in C++ (about 4x the TypeScript loops, the
#   same results bit for bit). Needs only a C++ toolchain; without one it says so and the
#   TypeScript loops run (QUALITY_PASS_RUNTIME=auto).
# - libs/local-features/native: the system's OpenCV for ORB, RANSAC and warps (about 5x
#   OpenCV.js), where OpenCV's development files are installed (Debian: libopencv-features2d-dev
#   and libopencv-calib3d-dev). Without them it says so and local features run on OpenCV.js
#   (LOCAL_FEATURES_RUNTIME=auto).
# Where an addon can be built, a failed build fails: it is not quietly skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# node-gyp builds against this Node's own headers (Debian's nodejs ships them under /usr).
nodedir=()
[ -f /usr/include/node/node_api.h ] && nodedir=(--nodedir=/usr)

# build <dir> <addon name> <files whose change means a rebuild...>
build() {
  local dir=$1 name=$2
  shift 2
  local addon=$dir/build/Release/$name.node
  if [ -f "$addon" ] && [ -z "$(find "$dir/binding.gyp" "$@" -newer "$addon")" ]; then
    return 0
  fi
  node_modules/.bin/node-gyp rebuild "${nodedir[@]}" --directory="$dir" --loglevel=warn
  node -e "require('./$addon'); console.log('built: $addon')"
}

if command -v g++ >/dev/null && command -v make >/dev/null && command -v python3 >/dev/null; then
  build libs/imaging/native lookalike_imaging libs/imaging/native/pixel-sums.cc
else
  echo "compiled quality pass: no C++ toolchain (g++, make, python3); the TypeScript loops run"
  rm -rf libs/imaging/native/build
fi

dir=libs/local-features/native
headers=/usr/include/opencv4/opencv2/features2d.hpp
if [ ! -f "$headers" ] || [ ! -f /usr/include/opencv4/opencv2/calib3d.hpp ]; then
  echo "native OpenCV: no headers at $(dirname "$headers"); local features run on OpenCV.js" \
    "(apt-get install libopencv-features2d-dev libopencv-calib3d-dev, then make build)"
  rm -rf "$dir/build"
  exit 0
fi
build "$dir" lookalike_opencv "$dir/opencv-ops.cc" "$headers"
node -e "console.log('native OpenCV', require('./$dir/build/Release/lookalike_opencv.node').version)"
