// Push-then-drain throughput of the endpoint queues: the memory queue against the disk queue
// with each fsync mode, 200-byte lines in batches of 256 (what an ingest session flushes).
// Run: build/release/bench/queue_bench --benchmark_min_time=2
#include <stdlib.h>

#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "queue/disk/disk_queue.h"
#include "queue/endpoint_queue.h"

namespace sluice {
namespace {

constexpr size_t kBatch = 256;

void run(benchmark::State& state, EndpointQueue& q) {
  std::string line(200, 'x');
  LineBatch batch;
  Lease lease;
  for (auto _ : state) {
    for (size_t i = 0; i < kBatch; ++i) batch.add(line);
    if (q.push(batch).accepted != kBatch) state.SkipWithError("push refused");
    batch.clear();
    while (q.take(500, 1 << 20, lease)) q.ack(lease);
  }
  state.SetItemsProcessed(int64_t(state.iterations() * kBatch));
  state.SetBytesProcessed(int64_t(state.iterations() * kBatch * line.size()));
}

void BM_MemoryQueue(benchmark::State& state) {
  auto q = make_memory_queue(1ull << 30, WhenFull::kBlock);
  run(state, *q);
}
BENCHMARK(BM_MemoryQueue);

void BM_DiskQueue(benchmark::State& state) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sluice_qbench_XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  {
    DiskQueueOptions o;
    o.dir = dir;
    o.fsync = FsyncMode(state.range(0));
    o.segment_bytes = 16 << 20;
    auto q = open_disk_queue(o);
    if (!q.ok()) {
      state.SkipWithError(q.error().message().c_str());
      return;
    }
    run(state, **q);
  }
  std::filesystem::remove_all(dir);
}
// fsync = interval (1) and never (2); always needs a waiter per push to matter.
BENCHMARK(BM_DiskQueue)->Arg(int(FsyncMode::kInterval))->Arg(int(FsyncMode::kNever));

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
