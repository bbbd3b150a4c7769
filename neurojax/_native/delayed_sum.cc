// The delayed weighted sum of a connection with transmission delays, for XLA on CPU.
//
//   out[t, b] = sum_d w[t, d] * ((1 - f[t, d]) * buf[r[t, d], b] + f[t, d] * buf[r[t, d] - n, b])
//
// buf: a ring buffer of past values (rows: step x source unit; b: the members of a
// batch-minor sweep, or 1), r: each edge's newer row, f: the fraction of a step between the
// newer and the older row, w: the edge weights (0 on padding), n: source units per step.
//
// Why by hand: XLA:CPU gathers the 2 x edges rows into a buffer and sums them in a second
// pass; here each row is read once and summed where it is read, a cache line of the batch at
// a time, so the rows of one chunk of the batch stay in L2 from one edge to the next. The
// work is split over the targets between XLA's intra-op threads.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// Members of a batch summed together (4 cache lines of float32; measured on a 2-core AMD
// EPYC: 16 ran 6x slower, 32 13% slower).
constexpr int64_t kChunk = 64;
// Edges ahead whose rows are prefetched.
constexpr int64_t kAhead = 8;

template <typename T, int64_t kWidth>
void SumChunk(const T* __restrict buf, int64_t batch, const int32_t* __restrict rows,
              const T* __restrict frac, const T* __restrict weight, int64_t degree,
              int64_t n_source, int64_t t, int64_t b0, int64_t width, T* __restrict out) {
  const int64_t n = kWidth > 0 ? kWidth : width;
  T acc[kChunk] = {};
  const int64_t stride = n_source * batch;
  for (int64_t d = 0; d < degree; ++d) {
    const int64_t e = t * degree + d;
    if (d + kAhead < degree) {
      const T* next = buf + static_cast<int64_t>(rows[e + kAhead]) * batch + b0;
      for (int64_t q = 0; q < n; q += 64 / sizeof(T)) {
        __builtin_prefetch(next + q);
        __builtin_prefetch(next - stride + q);
      }
    }
    const T w = weight[e];
    const T c_old = w * frac[e];
    const T c_new = w - c_old;
    const T* newer = buf + static_cast<int64_t>(rows[e]) * batch + b0;
    const T* older = newer - stride;
#pragma GCC ivdep
    for (int64_t b = 0; b < n; ++b) acc[b] += c_new * newer[b] + c_old * older[b];
  }
  T* dst = out + t * batch + b0;
  for (int64_t b = 0; b < n; ++b) dst[b] = acc[b];
}

template <typename T>
void SumTargets(const T* __restrict buf, int64_t batch, const int32_t* __restrict rows,
                const T* __restrict frac, const T* __restrict weight, int64_t degree,
                int64_t n_source, int64_t t_begin, int64_t t_end, T* __restrict out) {
  if (batch == 1) {  // a single run: one value a row
    for (int64_t t = t_begin; t < t_end; ++t) {
      T acc = 0;
      for (int64_t d = 0; d < degree; ++d) {
        const int64_t e = t * degree + d;
        const T c_old = weight[e] * frac[e];
        acc += (weight[e] - c_old) * buf[rows[e]] + c_old * buf[rows[e] - n_source];
      }
      out[t] = acc;
    }
    return;
  }
  for (int64_t b0 = 0; b0 < batch; b0 += kChunk) {
    const int64_t width = std::min(kChunk, batch - b0);
    for (int64_t t = t_begin; t < t_end; ++t) {
      if (width == kChunk) {
        SumChunk<T, kChunk>(buf, batch, rows, frac, weight, degree, n_source, t, b0, width,
                            out);
      } else {
        SumChunk<T, 0>(buf, batch, rows, frac, weight, degree, n_source, t, b0, width, out);
      }
    }
  }
}

template <ffi::DataType DT>
ffi::Error DelayedSum(ffi::ThreadPool pool, ffi::Buffer<DT> buf, ffi::Buffer<ffi::S32> rows,
                      ffi::Buffer<DT> frac, ffi::Buffer<DT> weight, ffi::ResultBuffer<DT> out,
                      int64_t n_source) {
  using T = ffi::NativeType<DT>;
  const auto buf_dims = buf.dimensions();
  const auto edge_dims = rows.dimensions();
  if (buf_dims.size() < 1 || edge_dims.size() != 2) {
    return ffi::Error::InvalidArgument("delayed_sum: buf must be (rows, ...), edges (t, d)");
  }
  const int64_t n_rows = buf_dims[0];
  const int64_t batch = buf_dims.size() > 1 ? buf.element_count() / n_rows : 1;
  const int64_t n_target = edge_dims[0], degree = edge_dims[1];
  const int32_t* r = rows.typed_data();
  for (int64_t e = 0; e < n_target * degree; ++e) {
    if (r[e] - n_source < 0 || r[e] >= n_rows) {
      return ffi::Error::InvalidArgument("delayed_sum: a delayed row lies outside the buffer");
    }
  }
  const T* b = buf.typed_data();
  const T* f = frac.typed_data();
  const T* w = weight.typed_data();
  T* o = out->typed_data();
  const int64_t threads = std::min<int64_t>(pool.num_threads(), n_target);
  // Small sums are not worth a hand-over to another thread (a few us).
  if (threads <= 1 || n_target * degree * batch < (1 << 16)) {
    SumTargets(b, batch, r, f, w, degree, n_source, 0, n_target, o);
    return ffi::Error::Success();
  }
  // Parts of the targets are claimed from a shared counter by the calling thread and by
  // tasks handed to the pool; the caller then waits only for parts that another thread is
  // running (never for a task still queued behind busy threads), and a task that starts
  // after every part is claimed returns at once (so the state lives on the heap).
  // One part a thread, the caller included (2 parts on 2 cores; 3 were 10% slower).
  const int64_t parts = threads;
  struct Progress {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> finished{0};
  };
  auto progress = std::make_shared<Progress>();
  auto work = [=] {
    for (int64_t p; (p = progress->next.fetch_add(1)) < parts;) {
      SumTargets(b, batch, r, f, w, degree, n_source, p * n_target / parts,
                 (p + 1) * n_target / parts, o);
      progress->finished.fetch_add(1, std::memory_order_release);
    }
  };
  for (int64_t p = 1; p < parts; ++p) pool.Schedule([work] { work(); });
  work();
  while (progress->finished.load(std::memory_order_acquire) < parts) {
  }
  return ffi::Error::Success();
}

}  // namespace

#define NEUROJAX_DELAYED_SUM(name, DT)                      \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(name, DelayedSum<DT>,       \
                                ffi::Ffi::Bind()            \
                                    .Ctx<ffi::ThreadPool>() \
                                    .Arg<ffi::Buffer<DT>>() \
                                    .Arg<ffi::Buffer<ffi::S32>>() \
                                    .Arg<ffi::Buffer<DT>>() \
                                    .Arg<ffi::Buffer<DT>>() \
                                    .Ret<ffi::Buffer<DT>>() \
                                    .Attr<int64_t>("n_source"));

NEUROJAX_DELAYED_SUM(NeurojaxDelayedSumF32, ffi::F32)
NEUROJAX_DELAYED_SUM(NeurojaxDelayedSumF64, ffi::F64)
