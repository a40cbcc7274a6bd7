{
  "targets": [
    {
      "target_name": "lookalike_opencv",
      "sources": ["opencv-ops.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/opencv4"],
      "libraries": ["-lopencv_calib3d", "-lopencv_features2d", "-lopencv_imgproc", "-lopencv_core"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2"]
    }
  ]
}
