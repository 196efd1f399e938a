// The one engine thread: requests ("jobs") wait in a bounded FIFO queue and run one at a time
// on one Session, each resuming from the longest cached state of its prompt (StateCache) and
// leaving behind the states at the end of its prompt and at the end of its answer.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coil/generator.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/state_cache.hpp"
#include "coil/tokenizer.hpp"
#include "metrics.hpp"

namespace coil::server {

struct Job {
  std::vector<int32_t> tokens;  // the whole prompt
  GenerateOptions gen;
  // The tokens a follow-up request starts with when the client sends this answer back;
  // empty function: not known (token-id prompts).
  std::function<std::vector<int32_t>(const std::string& answer)> follow_up;
  std::atomic<bool> cancel{false};  // set by the connection (client gone) or by shutdown
  std::chrono::steady_clock::time_point submitted = std::chrono::steady_clock::now();

  // Progress, guarded by mu; cv is notified on every change.
  std::mutex mu;
  std::condition_variable cv;
  std::string text;  // generated text not yet taken by the connection
  bool started = false, done = false;
  // The outcome, once done.
  FinishReason finish = FinishReason::Cancelled;
  bool shut_down = false;  // never ran, or stopped, because the server is stopping
  std::string error;       // an engine error (the request failed)
  int64_t completion_tokens = 0, cached_tokens = 0;
  double queue_ms = 0, prefill_ms = 0, first_token_ms = 0, total_ms = 0;
  // The engine thread's own: the whole answer and the tokens the session covers after it.
  std::string answer;
  std::vector<int32_t> sampled, covered;
};

class Scheduler {
 public:
  Scheduler(const Model& model, const Tokenizer& tokenizer, StateCache& cache, Metrics& metrics,
            size_t max_queue);
  ~Scheduler();  // shutdown()

  enum class Admit { Queued, Full, Closed };
  Admit submit(const std::shared_ptr<Job>& job);
  // The client went away: a waiting job leaves the queue (done at once), a running one stops
  // at the next token or prefill chunk; a job already answered is left alone.
  void cancel(const std::shared_ptr<Job>& job);
  // Refuses new jobs, ends the waiting ones (shut_down) and stops the running one.
  void shutdown();

  size_t queued() const;
  bool running() const { return running_; }

 private:
  void worker();
  void run(Job& job);
  void settle(Job& job);

  const Tokenizer& tok_;
  StateCache& cache_;
  Metrics& metrics_;
  const size_t max_queue_;
  Session session_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::shared_ptr<Job> current_;
  bool closed_ = false;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace coil::server
