// The quality pass's loops over the pixels (libs/imaging/src/pixel-sums.ts, `PixelSums`), compiled:
// the same integer sums and the same luma bytes as the TypeScript loops, bit for bit
// (pixel-sums.spec.ts compares them on real photos and on the edge cases). Every metric is
// computed from the sums in TypeScript, so the two runtimes differ only in how fast they add.
// `pixelSumsAsync` runs them on libuv's thread pool, off the event loop, without copying the pixels.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

// BT.601 luma rounded half up, in doubles and in the TypeScript's order of operations (no fused
// multiply-add: -ffp-contract=off), so every byte equals `lumaByte`'s.
inline uint8_t LumaByte(int r, int g, int b) {
  return static_cast<uint8_t>(static_cast<int32_t>(0.299 * r + 0.587 * g + 0.114 * b + 0.5));
}

// The 4-neighbour Laplacian's sum and sum of squares over the interior (zero below 3x3).
void Laplacian(const uint8_t* luma, int width, int height, int64_t* sum, int64_t* sum_sq) {
  int64_t s = 0, sq = 0;
  if (width >= 3 && height >= 3) {
    for (int y = 1; y < height - 1; ++y) {
      const uint8_t* row = luma + static_cast<size_t>(y) * width;
      const uint8_t* up = row - width;
      const uint8_t* down = row + width;
      int32_t rs = 0;  // |v| <= 1020: a row's sum fits 32 bits up to 2 million px
      int64_t rsq64 = 0;
      for (int x = 1; x < width - 1; ++x) {
        int32_t v = row[x - 1] + row[x + 1] + up[x] + down[x] - 4 * row[x];
        rs += v;
        rsq64 += static_cast<int64_t>(v) * v;
      }
      s += rs;
      sq += rsq64;
    }
  }
  *sum = s;
  *sum_sq = sq;
}

// Crete's blur sums along rows and down columns (see blurEffect in quality-metrics.ts): the
// variation between neighbours and twice the positive part of what a `kernel` box blur keeps.
void Blur(const uint8_t* luma, int width, int height, int kernel, int64_t* variation_h, int64_t* kept_h2,
          int64_t* variation_v, int64_t* kept_v2) {
  const int radius = (kernel - 1) / 2;
  int64_t vh = 0, kh = 0;
  // Columns in [head, tail) need no clamping, so that loop vectorises; the ends clamp.
  const int head = std::min(radius + 1, width);
  const int tail = std::max(head, width - radius);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = luma + static_cast<size_t>(y) * width;
    auto clamped = [&](int x) {
      int d = std::abs(row[x] - row[x - 1]);
      int kept = kernel * d - std::abs(row[std::min(x + radius, width - 1)] - row[std::max(x - 1 - radius, 0)]);
      vh += d;
      kh += kept + std::abs(kept);
    };
    for (int x = 1; x < head; ++x) clamped(x);
    int32_t rv = 0, rk = 0;
    for (int x = head; x < tail; ++x) {
      int d = std::abs(row[x] - row[x - 1]);
      int kept = kernel * d - std::abs(row[x + radius] - row[x - 1 - radius]);
      rv += d;
      rk += kept + std::abs(kept);
    }
    vh += rv;
    kh += rk;
    for (int x = std::max(tail, 1); x < width; ++x) clamped(x);
  }
  int64_t vv = 0, kv = 0;
  for (int y = 1; y < height; ++y) {
    const uint8_t* here = luma + static_cast<size_t>(y) * width;
    const uint8_t* above = here - width;
    const uint8_t* ahead = luma + static_cast<size_t>(std::min(y + radius, height - 1)) * width;
    const uint8_t* behind = luma + static_cast<size_t>(std::max(y - 1 - radius, 0)) * width;
    int32_t rv = 0, rk = 0;  // per row: at most 2,805 * 2 per pixel, 32 bits hold 380,000 px
    for (int x = 0; x < width; ++x) {
      int d = std::abs(here[x] - above[x]);
      int kept = kernel * d - std::abs(ahead[x] - behind[x]);
      rv += d;
      rk += kept + std::abs(kept);
    }
    vv += rv;
    kv += rk;
  }
  *variation_h = vh;
  *kept_h2 = kh;
  *variation_v = vv;
  *kept_v2 = kv;
}

// The arguments of both entry points, checked: pixelSums[Async](rgb, width, height, clipLevel,
// channelDelta, kernel, luma out, histogram out).
struct SumsArgs {
  const uint8_t* rgb;
  int width;
  int height;
  int clip_level;
  int channel_delta;
  int kernel;
  uint8_t* luma;
  uint32_t* histogram;
};

SumsArgs ReadArgs(const Napi::CallbackInfo& info, const char* name) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, std::string(name) + " takes 8 arguments");
  auto rgb = info[0].As<Napi::Uint8Array>();
  SumsArgs args{};
  args.width = info[1].As<Napi::Number>().Int32Value();
  args.height = info[2].As<Napi::Number>().Int32Value();
  args.clip_level = info[3].As<Napi::Number>().Int32Value();
  args.channel_delta = info[4].As<Napi::Number>().Int32Value();
  args.kernel = info[5].As<Napi::Number>().Int32Value();
  auto luma_out = info[6].As<Napi::Uint8Array>();
  auto histogram_out = info[7].As<Napi::Uint32Array>();
  if (args.width <= 0 || args.height <= 0) throw Napi::RangeError::New(env, "width and height must be positive");
  const size_t count = static_cast<size_t>(args.width) * args.height;
  if (rgb.ElementLength() < count * 3) throw Napi::RangeError::New(env, "rgb pixels do not cover width x height");
  if (luma_out.ElementLength() < count) throw Napi::RangeError::New(env, "the luma buffer is too small");
  if (histogram_out.ElementLength() != 256) throw Napi::RangeError::New(env, "the histogram has 256 bins");
  if (args.kernel < 1 || args.kernel % 2 == 0) throw Napi::RangeError::New(env, "the blur kernel must be odd");
  args.rgb = rgb.Data();
  args.luma = luma_out.Data();
  args.histogram = histogram_out.Data();
  return args;
}

constexpr int kSums = 8;

// [clipped, coloured, laplacianSum, laplacianSumSq, variationH, keptH2, variationV, keptV2]; fills
// the luma and the histogram. Touches no JavaScript value, so it may run off the main thread.
void ComputeSums(const SumsArgs& args, int64_t sums[kSums]) {
  const size_t count = static_cast<size_t>(args.width) * args.height;
  const uint8_t* p = args.rgb;
  uint8_t* luma = args.luma;
  uint32_t* histogram = args.histogram;
  std::fill(histogram, histogram + 256, 0u);
  int64_t clipped = 0, coloured = 0;
  for (size_t i = 0; i < count; ++i, p += 3) {
    const int r = p[0], g = p[1], b = p[2];
    const uint8_t y = LumaByte(r, g, b);
    luma[i] = y;
    histogram[y] += 1;
    const int brightest = std::max(r, std::max(g, b));
    const int darkest = std::min(r, std::min(g, b));
    clipped += brightest >= args.clip_level;
    coloured += brightest - darkest > args.channel_delta;
  }
  sums[0] = clipped;
  sums[1] = coloured;
  Laplacian(luma, args.width, args.height, &sums[2], &sums[3]);
  Blur(luma, args.width, args.height, args.kernel, &sums[4], &sums[5], &sums[6], &sums[7]);
}

Napi::Float64Array SumsArray(Napi::Env env, const int64_t sums[kSums]) {
  auto out = Napi::Float64Array::New(env, kSums);
  for (int i = 0; i < kSums; ++i) out[i] = static_cast<double>(sums[i]);
  return out;
}

// pixelSums(...) -> Float64Array of the sums, on the calling thread.
Napi::Value PixelSums(const Napi::CallbackInfo& info) {
  const SumsArgs args = ReadArgs(info, "pixelSums");
  int64_t sums[kSums];
  ComputeSums(args, sums);
  return SumsArray(info.Env(), sums);
}

// The same sums on libuv's thread pool: the pixels are read where they lie (no copy to a worker
// thread), and the three arrays are held by references until the promise settles.
class SumsWorker : public Napi::AsyncWorker {
 public:
  SumsWorker(const Napi::CallbackInfo& info, const SumsArgs& args)
      : Napi::AsyncWorker(info.Env(), "lookalike.pixelSums"),
        deferred_(Napi::Promise::Deferred::New(info.Env())),
        args_(args) {
    held_[0] = Napi::Persistent(info[0].As<Napi::Object>());  // the pixels
    held_[1] = Napi::Persistent(info[6].As<Napi::Object>());  // the luma out
    held_[2] = Napi::Persistent(info[7].As<Napi::Object>());  // the histogram out
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { ComputeSums(args_, sums_); }
  void OnOK() override { deferred_.Resolve(SumsArray(Env(), sums_)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  SumsArgs args_;
  Napi::ObjectReference held_[3];
  int64_t sums_[kSums] = {};
};

// pixelSumsAsync(...) -> Promise<Float64Array>: the caller must not write to the arrays meanwhile.
Napi::Value PixelSumsAsync(const Napi::CallbackInfo& info) {
  const SumsArgs args = ReadArgs(info, "pixelSumsAsync");
  auto* worker = new SumsWorker(info, args);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pixelSums", Napi::Function::New(env, PixelSums, "pixelSums"));
  exports.Set("pixelSumsAsync", Napi::Function::New(env, PixelSumsAsync, "pixelSumsAsync"));
  return exports;
}

}  // namespace

NODE_API_MODULE(lookalike_imaging, Init)
