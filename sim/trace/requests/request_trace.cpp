#include "sim/trace/requests/request_trace.hpp"

#include <algorithm>

#include "sim/text.hpp"
#include "sim/trace/requests/format_registry.hpp"

namespace headroom::reqtrace {

TraceError::TraceError(const std::string& file, std::uint64_t line, std::uint64_t column, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message),
      file_(file), line_(line), column_(column), message_(message) {}

// --- LineSource -----------------------------------------------------------------------------------

LineSource::LineSource(const std::string& path, const std::string& what) : path_(path) {
  try {
    input_ = std::make_unique<trace::LineReader>(path, what, "no such file");
  } catch (const trace::InputError& e) {
    throw TraceError(path, 1, 1, e.what());
  }
}

void LineSource::fail(std::uint64_t column, const std::string& message) const {
  throw TraceError(path_, std::max<std::uint64_t>(line_no_, 1), std::max<std::uint64_t>(column, 1), message);
}

bool LineSource::next_raw(std::string_view& line) {
  try {
    while (block_.empty()) {
      if (ended_ || !input_->next(block_, raw_no_ + 1)) {
        ended_ = true;
        return false;
      }
      if (raw_no_ == 0 && block_.starts_with("\xEF\xBB\xBF")) block_.remove_prefix(3);  // a UTF-8 byte-order mark
    }
  } catch (const trace::InputError& e) {
    // Line 0 means the input as a whole (a read error, a truncated gzip stream): name the line reached.
    const std::uint64_t line = e.line() ? e.line() : raw_no_ + 1;
    throw TraceError(path_, line, std::max<std::uint64_t>(e.column(), 1), e.what());
  }
  const std::size_t nl = block_.find('\n');
  line = block_.substr(0, nl);
  block_.remove_prefix(nl == std::string_view::npos ? block_.size() : nl + 1);
  line_no_ = ++raw_no_;
  if (line.size() > trace::kMaxLineBytes) fail(1, trace::line_too_long_message(line));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

bool LineSource::next(std::string_view& line) {
  if (pushed_back_) {
    pushed_back_ = false;
    line = last_;
    line_no_ = last_no_;
    return true;
  }
  if (!next_raw(line)) return false;
  if (line.empty() && block_.empty()) {
    // A blank last line (an editor's extra newline) is no row; a blank line before others is one.
    // Reading on may replace the block, but an empty view needs none of it.
    const std::uint64_t blank_no = line_no_;
    std::string_view following;
    if (!next_raw(following)) return false;
    last_ = following;
    last_no_ = line_no_;
    pushed_back_ = true;
    line = std::string_view();
    line_no_ = blank_no;
    return true;
  }
  last_ = line;
  last_no_ = line_no_;
  return true;
}

}  // namespace headroom::reqtrace

namespace headroom::reqtrace {

std::vector<std::string> format_names() { return FormatRegistry::instance().names(); }

namespace {

std::string known_formats() {
  std::string out;
  for (const auto& name : format_names()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The format whose detect() accepts the first line: the known formats first, the generic ones
// (which need a column mapping) after them.
const FormatInfo* detect(LineSource& source, const Options& options) {
  std::string_view first;
  if (!source.next(first))
    throw TraceError(source.path(), 1, 1,
                     "expected a request trace (a CSV header or a JSON line of " + known_formats() +
                         "), found an empty file");
  source.unread();
  const auto& registry = FormatRegistry::instance();
  for (const bool generic : {false, true})
    for (const auto& name : registry.names()) {
      const FormatInfo* f = registry.find(name);
      if (f->generic == generic && f->detect(first, options)) return f;
    }
  source.fail(1, "expected the header or first JSON line of a known request trace (" + known_formats() +
                     "; or name the format and its columns), found '" + shown(first) + "'");
}

}  // namespace

std::unique_ptr<Reader> open_requests(const std::string& path, const Options& options) {
  const auto& registry = FormatRegistry::instance();
  if (!options.format.empty()) {
    const FormatInfo* f = registry.find(options.format);
    if (f == nullptr)
      throw TraceError(path, 1, 1, "expected a request-trace format (" + known_formats() + "), found '" +
                                       shown(options.format) + "'");
    return f->make(std::make_unique<LineSource>(path, f->what), options);
  }
  auto source = std::make_unique<LineSource>(path, "a readable request trace");
  const FormatInfo* f = detect(*source, options);
  return f->make(std::move(source), options);
}

}  // namespace headroom::reqtrace
