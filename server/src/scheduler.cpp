#include "scheduler.hpp"

#include <algorithm>
#include <chrono>

#include "coil/error.hpp"

namespace coil::server {
namespace {

using Clock = std::chrono::steady_clock;
double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void finish(Job& job) {
  {
    std::lock_guard lock(job.mu);
    job.done = true;
  }
  job.cv.notify_all();
}

}  // namespace

Scheduler::Scheduler(const Model& model, const Tokenizer& tok, StateCache& cache, Metrics& metrics,
                     size_t max_queue)
    : tok_(tok), cache_(cache), metrics_(metrics), max_queue_(max_queue), session_(model) {
  thread_ = std::thread([this] { worker(); });
}

Scheduler::~Scheduler() {
  shutdown();
  if (thread_.joinable()) thread_.join();
}

Scheduler::Admit Scheduler::submit(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Admit::Closed;
    if (queue_.size() >= max_queue_) return Admit::Full;
    queue_.push_back(job);
  }
  cv_.notify_all();
  return Admit::Queued;
}

void Scheduler::cancel(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(job->mu);
    if (job->done) return;  // answered: what follows it (settle) is the server's own work
  }
  job->cancel = true;
  bool was_waiting = false;
  {
    std::lock_guard lock(mu_);
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) {
      queue_.erase(it);
      was_waiting = true;
    }
  }
  if (was_waiting) finish(*job);
}

void Scheduler::shutdown() {
  std::deque<std::shared_ptr<Job>> waiting;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    waiting.swap(queue_);
    if (current_) {
      current_->shut_down = true;
      current_->cancel = true;
    }
  }
  cv_.notify_all();
  for (auto& job : waiting) {
    job->shut_down = true;
    finish(*job);
  }
}

size_t Scheduler::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Scheduler::worker() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
      if (closed_) return;  // shutdown() has ended the waiting jobs
      job = std::move(queue_.front());
      queue_.pop_front();
      current_ = job;
      running_ = true;
    }
    bool ok = true;
    try {
      run(*job);
    } catch (const std::exception& e) {
      // an engine failure: the session may hold a partial state; start the next job clean
      job->error = e.what();
      session_.reset();
      ok = false;
    }
    const bool settles = ok && cache_.enabled() && job->follow_up && !job->cancel &&
                         job->finish != FinishReason::Cancelled;
    if (settles) {
      finish(*job);  // the client has its answer; the model stays busy a moment longer
      try {
        settle(*job);
      } catch (const std::exception&) {
        session_.reset();  // only the cache's gain is lost
      }
    }
    {
      std::lock_guard lock(mu_);
      current_.reset();
      running_ = false;
    }
    if (!settles) finish(*job);
  }
}

// When the answer's text tokenizes differently from the tokens sampled (a model may sample a
// non-canonical split), or a stop string cut it, the state at the end of the answer is keyed
// by tokens the next request will not have. Job::follow_up says what that request starts
// with: prefill it from the longest cached prefix (normally the end of the prompt) and keep
// that state too. Bounded by the answer's length, so a template that renders history
// differently (dropping earlier parts) costs nothing.
void Scheduler::settle(Job& job) {
  // The usual case costs one tokenization of the answer: it reads back as the tokens sampled.
  if (job.finish != FinishReason::StopString &&
      tok_.encode(job.answer, /*parse_special=*/true) == job.sampled)
    return;
  const std::vector<int32_t> next = job.follow_up(job.answer);
  const std::vector<int32_t>& covered = job.covered;
  if (next.size() >= covered.size() && std::equal(covered.begin(), covered.end(), next.begin()))
    return;  // the end-of-answer state already starts the next turn
  const int64_t n = static_cast<int64_t>(next.size());
  const int64_t start = cache_.restore_longest(session_, next, n);
  const int64_t rest = n - start;
  if (rest <= 0 || rest > job.completion_tokens + 64) return;
  if (!session_.eval(std::span<const int32_t>(next.data() + start, static_cast<size_t>(rest)),
                     nullptr, false, &job.cancel))
    return;
  metrics_.follow_up_prefill_tokens += static_cast<uint64_t>(rest);
  cache_.insert(std::make_shared<const RecurrentState>(session_.save_state()), next);
}

// Restores the longest cached prefix of the prompt (at most all but its last token: the
// last one must run to give the logits of the first answer token), prefills the rest, keeps
// the state at the end of the prompt, generates, and keeps the state at the end of the answer.
void Scheduler::run(Job& job) {
  const auto start = Clock::now();
  {
    std::lock_guard lock(job.mu);
    job.started = true;
    job.queue_ms = ms_between(job.submitted, start);
  }
  job.cv.notify_all();
  const std::vector<int32_t>& tokens = job.tokens;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t cached = cache_.restore_longest(session_, tokens, n - 1);
  job.cached_tokens = cached;
  (cached > 0 ? metrics_.cache_hits : metrics_.cache_misses)++;
  metrics_.cached_tokens += static_cast<uint64_t>(cached);
  metrics_.prompt_tokens += static_cast<uint64_t>(n);

  auto keep = [&](std::vector<int32_t> covered) {
    if (!cache_.enabled() || covered.empty()) return;
    cache_.insert(std::make_shared<const RecurrentState>(session_.save_state()),
                  std::move(covered));
  };

  if (cached < n - 1) {
    const std::span<const int32_t> rest(tokens.data() + cached,
                                        static_cast<size_t>(n - 1 - cached));
    const bool complete = session_.eval(rest, nullptr, false, &job.cancel);
    metrics_.prefill_tokens += static_cast<uint64_t>(session_.n_tokens() - cached);
    if (!complete) {
      // the state covers whole chunks of the prompt: still a valid prefix to resume from
      if (session_.n_tokens() > cached)
        keep(std::vector<int32_t>(tokens.begin(), tokens.begin() + session_.n_tokens()));
      job.finish = FinishReason::Cancelled;
      job.total_ms = ms_between(start, Clock::now());
      return;
    }
    keep(std::vector<int32_t>(tokens.begin(), tokens.end() - 1));
  }
  metrics_.prefill_tokens += 1;  // the last prompt token, run by generate()

  auto on_text = [&](std::string_view piece) {
    {
      std::lock_guard lock(job.mu);
      job.text.append(piece);
    }
    job.cv.notify_all();
    return !job.cancel.load();
  };
  const double before_generate_ms = ms_between(start, Clock::now());
  const GenerateResult r =
      generate(session_, tok_, std::vector<int32_t>{tokens.back()}, job.gen, on_text, &job.cancel);
  job.finish = r.finish;
  job.completion_tokens = static_cast<int64_t>(r.tokens.size());
  job.prefill_ms = before_generate_ms + r.prefill_ms;
  job.first_token_ms = r.first_token_ms > 0 ? before_generate_ms + r.first_token_ms : 0;
  job.total_ms = ms_between(start, Clock::now());
  metrics_.completion_tokens += r.tokens.size();

  // The session now covers the prompt, every sampled token and the end-of-sequence token.
  std::vector<int32_t> covered = tokens;
  covered.insert(covered.end(), r.tokens.begin(), r.tokens.end());
  if (r.eos_id >= 0) covered.push_back(r.eos_id);
  if (session_.n_tokens() == static_cast<int64_t>(covered.size())) keep(covered);
  job.answer = r.text;
  job.sampled = r.tokens;
  job.covered = std::move(covered);
}

}  // namespace coil::server
