// Native OpenCV for local features: the handful of OpenCV calls that libs/local-features makes
// (src/cv-ops.ts, `CvOps`), on the system's OpenCV instead of OpenCV.js. Glue only: every decision
// (fitting, the FAST fallback, mirroring, matching, judging a pair) stays in TypeScript, and both
// runtimes run the same code around these calls. Synchronous: callers run it in worker threads.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

namespace {

// A KeyPoint travels as 7 numbers: x, y, size, angle, response, octave, class_id.
constexpr size_t kKeypointFields = 7;

// A Mat over the caller's 8-bit grey pixels (no copy; valid for the call).
cv::Mat GreyOf(const Napi::Value& value, int width, int height) {
  auto pixels = value.As<Napi::Uint8Array>();
  if (width <= 0 || height <= 0 || pixels.ElementLength() < static_cast<size_t>(width) * height) {
    throw Napi::RangeError::New(value.Env(), "grey pixels do not cover width x height");
  }
  return cv::Mat(height, width, CV_8UC1, pixels.Data());
}

Napi::Uint8Array BytesOf(Napi::Env env, const cv::Mat& mat) {
  cv::Mat dense = mat.isContinuous() ? mat : mat.clone();
  size_t size = dense.total() * dense.elemSize();
  auto out = Napi::Uint8Array::New(env, size);
  if (size > 0) std::memcpy(out.Data(), dense.data, size);
  return out;
}

int IntAt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
double NumberAt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

// ORB from [keypoints, scaleFactor, levels, edgeThreshold, firstLevel, wtaK, harris (1/0), patchSize, fastThreshold].
cv::Ptr<cv::ORB> OrbOf(const Napi::Value& value) {
  auto p = value.As<Napi::Float64Array>();
  if (p.ElementLength() != 9) throw Napi::TypeError::New(value.Env(), "ORB takes 9 parameters");
  return cv::ORB::create(static_cast<int>(p[0]), static_cast<float>(p[1]), static_cast<int>(p[2]),
                         static_cast<int>(p[3]), static_cast<int>(p[4]), static_cast<int>(p[5]),
                         p[6] != 0 ? cv::ORB::HARRIS_SCORE : cv::ORB::FAST_SCORE, static_cast<int>(p[7]),
                         static_cast<int>(p[8]));
}

Napi::Object KeypointsOf(Napi::Env env, const std::vector<cv::KeyPoint>& keypoints, const cv::Mat& descriptors) {
  auto fields = Napi::Float64Array::New(env, keypoints.size() * kKeypointFields);
  for (size_t i = 0; i < keypoints.size(); ++i) {
    const cv::KeyPoint& k = keypoints[i];
    double* f = fields.Data() + i * kKeypointFields;
    f[0] = k.pt.x;
    f[1] = k.pt.y;
    f[2] = k.size;
    f[3] = k.angle;
    f[4] = k.response;
    f[5] = k.octave;
    f[6] = k.class_id;
  }
  auto result = Napi::Object::New(env);
  result.Set("fields", fields);
  result.Set("descriptors", BytesOf(env, descriptors));
  return result;
}

// resize(pixels, width, height, toWidth, toHeight, interpolation) -> pixels
Napi::Value Resize(const Napi::CallbackInfo& info) {
  cv::Mat src = GreyOf(info[0], IntAt(info, 1), IntAt(info, 2));
  cv::Mat dst;
  cv::resize(src, dst, cv::Size(IntAt(info, 3), IntAt(info, 4)), 0, 0, IntAt(info, 5));
  return BytesOf(info.Env(), dst);
}

// flip(pixels, width, height) -> pixels mirrored left to right
Napi::Value Flip(const Napi::CallbackInfo& info) {
  cv::Mat src = GreyOf(info[0], IntAt(info, 1), IntAt(info, 2));
  cv::Mat dst;
  cv::flip(src, dst, 1);
  return BytesOf(info.Env(), dst);
}

// orbDetectAndCompute(pixels, width, height, params) -> { fields, descriptors }
Napi::Value OrbDetectAndCompute(const Napi::CallbackInfo& info) {
  cv::Mat image = GreyOf(info[0], IntAt(info, 1), IntAt(info, 2));
  std::vector<cv::KeyPoint> keypoints;
  cv::Mat descriptors;
  OrbOf(info[3])->detectAndCompute(image, cv::noArray(), keypoints, descriptors);
  return KeypointsOf(info.Env(), keypoints, descriptors);
}

// orbCompute(pixels, width, height, params, fields) -> { fields, descriptors } of the keypoints ORB kept
Napi::Value OrbCompute(const Napi::CallbackInfo& info) {
  cv::Mat image = GreyOf(info[0], IntAt(info, 1), IntAt(info, 2));
  auto given = info[4].As<Napi::Float64Array>();
  if (given.ElementLength() % kKeypointFields != 0) {
    throw Napi::RangeError::New(info.Env(), "keypoint fields come in sevens");
  }
  std::vector<cv::KeyPoint> keypoints(given.ElementLength() / kKeypointFields);
  for (size_t i = 0; i < keypoints.size(); ++i) {
    const double* f = given.Data() + i * kKeypointFields;
    keypoints[i] = cv::KeyPoint(static_cast<float>(f[0]), static_cast<float>(f[1]), static_cast<float>(f[2]),
                                static_cast<float>(f[3]), static_cast<float>(f[4]), static_cast<int>(f[5]),
                                static_cast<int>(f[6]));
  }
  cv::Mat descriptors;
  OrbOf(info[3])->compute(image, keypoints, descriptors);
  return KeypointsOf(info.Env(), keypoints, descriptors);
}

// findHomography(src xy, dst xy, reprojectionPx, iterations, confidence) -> { homography (9, or null), inliers (mask) }
Napi::Value FindHomography(const Napi::CallbackInfo& info) {
  auto src = info[0].As<Napi::Float32Array>();
  auto dst = info[1].As<Napi::Float32Array>();
  if (src.ElementLength() != dst.ElementLength() || src.ElementLength() % 2 != 0) {
    throw Napi::RangeError::New(info.Env(), "point lists differ in length");
  }
  int n = static_cast<int>(src.ElementLength() / 2);
  cv::Mat from(n, 1, CV_32FC2, src.Data());
  cv::Mat to(n, 1, CV_32FC2, dst.Data());
  cv::Mat mask;
  cv::Mat h = cv::findHomography(from, to, cv::RANSAC, NumberAt(info, 2), mask, IntAt(info, 3), NumberAt(info, 4));
  auto result = Napi::Object::New(info.Env());
  if (h.rows == 3 && h.cols == 3) {
    auto values = Napi::Float64Array::New(info.Env(), 9);
    for (int i = 0; i < 9; ++i) values[i] = h.at<double>(i / 3, i % 3);
    result.Set("homography", values);
  } else {
    result.Set("homography", info.Env().Null());
  }
  result.Set("inliers", BytesOf(info.Env(), mask));
  return result;
}

// warpPerspective(pixels, width, height, matrix (9), toWidth, toHeight, flags) -> pixels (border 0)
Napi::Value WarpPerspective(const Napi::CallbackInfo& info) {
  cv::Mat src = GreyOf(info[0], IntAt(info, 1), IntAt(info, 2));
  auto m = info[3].As<Napi::Float64Array>();
  if (m.ElementLength() != 9) throw Napi::RangeError::New(info.Env(), "a homography has 9 values");
  cv::Mat matrix(3, 3, CV_64F, m.Data());
  cv::Mat dst;
  cv::warpPerspective(src, dst, matrix, cv::Size(IntAt(info, 4), IntAt(info, 5)), IntAt(info, 6),
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  return BytesOf(info.Env(), dst);
}

// `count` ORB descriptors (32 bytes each) of a Uint8Array, checked to be there.
const uint8_t* DescriptorsOf(const Napi::Value& value, int count) {
  auto bytes = value.As<Napi::Uint8Array>();
  if (count < 0 || bytes.ElementLength() < static_cast<size_t>(count) * 32) {
    throw Napi::RangeError::New(value.Env(), "descriptors do not cover count x 32 bytes");
  }
  return bytes.Data();
}

__attribute__((target_clones("popcnt", "default"))) void Knn2(const uint8_t* a, int a_count,
                                                                 const uint8_t* b, int b_count,
                                                                 int32_t* out) {
  for (int i = 0; i < a_count; ++i) {
    uint64_t q[4];
    std::memcpy(q, a + static_cast<size_t>(i) * 32, 32);
    int best = INT32_MAX, second = INT32_MAX, best_index = -1;
    for (int j = 0; j < b_count; ++j) {
      uint64_t t[4];
      std::memcpy(t, b + static_cast<size_t>(j) * 32, 32);
      const int d = __builtin_popcountll(q[0] ^ t[0]) + __builtin_popcountll(q[1] ^ t[1]) +
                    __builtin_popcountll(q[2] ^ t[2]) + __builtin_popcountll(q[3] ^ t[3]);
      if (d < best) {
        second = best;
        best = d;
        best_index = j;
      } else if (d < second) {
        second = d;
      }
    }
    out[3 * i] = best_index;
    out[3 * i + 1] = best;
    out[3 * i + 2] = second;
  }
}

// hammingKnn2(a, aCount, b, bCount) -> Int32Array [bestIndex, bestDistance, secondDistance] per row
// of A: what BFMatcher's knnMatch(a, b, 2) under the Hamming norm finds (the earlier of equal
// distances first; cv-ops.spec.ts compares them), empty when B has fewer than two rows. A plain
// loop rather than BFMatcher: Debian's OpenCV counts bits without the POPCNT instruction and is
// no faster than the JavaScript matcher; this loop is compiled for POPCNT where the CPU has it
// (target_clones picks at load) and is about 4x faster (0.21 against 0.92 ms for 300 x 300).
Napi::Value HammingKnn2(const Napi::CallbackInfo& info) {
  const int a_count = IntAt(info, 1);
  const int b_count = IntAt(info, 3);
  const uint8_t* a = DescriptorsOf(info[0], a_count);
  const uint8_t* b = DescriptorsOf(info[2], b_count);
  if (b_count < 2 || a_count == 0) return Napi::Int32Array::New(info.Env(), 0);
  auto out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(a_count) * 3);
  Knn2(a, a_count, b, b_count, out.Data());
  return out;
}

// Wraps a call so OpenCV's exceptions reach JavaScript as errors, not aborts.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const cv::Exception& e) {
    throw Napi::Error::New(info.Env(), std::string("OpenCV: ") + e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Callers run one call per worker thread; OpenCV's own threads would only contend with them
  // (and escape the worker's CPU accounting).
  cv::setNumThreads(0);
  exports.Set("version", Napi::String::New(env, CV_VERSION));
  exports.Set("resize", Napi::Function::New<Guarded<Resize>>(env, "resize"));
  exports.Set("flip", Napi::Function::New<Guarded<Flip>>(env, "flip"));
  exports.Set("orbDetectAndCompute", Napi::Function::New<Guarded<OrbDetectAndCompute>>(env, "orbDetectAndCompute"));
  exports.Set("orbCompute", Napi::Function::New<Guarded<OrbCompute>>(env, "orbCompute"));
  exports.Set("hammingKnn2", Napi::Function::New<Guarded<HammingKnn2>>(env, "hammingKnn2"));
  exports.Set("findHomography", Napi::Function::New<Guarded<FindHomography>>(env, "findHomography"));
  exports.Set("warpPerspective", Napi::Function::New<Guarded<WarpPerspective>>(env, "warpPerspective"));
  return exports;
}

}  // namespace

NODE_API_MODULE(lookalike_opencv, Init)
