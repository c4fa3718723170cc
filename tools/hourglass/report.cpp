// report.html (report.h): a summary of the run, its pictures with captions, the table of epochs
// from metrics.jsonl and the configuration, in one page with inline CSS. Whatever is missing
// (config.json, metrics, pictures) is said on the page rather than failing, so the report can be
// written at any moment of a run; every piece of text from the files is HTML-escaped.
#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/io/atomic_file.h"
#include "pictures.h"

namespace hg::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A JSON value as table text: strings unquoted, numbers with 6 significant digits, null as a
// dash, arrays and objects as compact JSON. Not yet escaped.
std::string value_text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return std::to_string(d);
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", d);
    return text;
  }
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

const json* find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string field(const json& object, const char* key) {
  const json* v = find(object, key);
  return v ? value_text(*v) : "-";
}

struct Metrics {
  std::vector<json> train, pretrain;
  int unreadable = 0;  // lines that are not JSON objects
};

Metrics read_metrics(const std::string& path) {
  Metrics m;
  std::istringstream in(io::read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      ++m.unreadable;
      continue;
    }
    const std::string phase = j.value("phase", std::string("train"));
    if (phase == "pretrain") {
      m.pretrain.push_back(j);
    } else if (phase == "train") {
      m.train.push_back(j);
    }
  }
  return m;
}

struct Picture {
  const char* file;
  const char* title;
  const char* caption;
};

const Picture kPictures[] = {
    {kLossCurvePng, "Loss curves",
     "Training and test loss after each epoch (and each loss term when the objective has "
     "several)."},
    {kReconstructionsPng, "Reconstructions",
     "Test images (top row) and the model's reconstructions of them (the row below). Runs "
     "trained on corrupted inputs show three rows: corrupted input, reconstruction, clean "
     "image."},
    {kSamplesPng, "Samples",
     "New images decoded from random codes: drawn from the prior for a variational model, "
     "otherwise from a Gaussian fitted to the codes of training images."},
    {kInterpolationPng, "Interpolation",
     "Decodes of codes on the straight line between the codes of two test images, one pair per "
     "row, from the first image (left) to the second (right)."},
    {kLatentMapPng, "Latent map",
     "The codes of test images in two dimensions (their first two principal components when "
     "the code is wider than two), coloured by the images' labels."},
};

constexpr const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f4f4f4; } td.key, th.key { text-align: left; }
td.value { text-align: left; font-family: monospace; word-break: break-all; }
figure { display: inline-block; margin: 1em 2em 1em 0; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { max-width: 640px; font-size: 0.9em; color: #444; }
.note { color: #a33; }
)";

void write_summary(std::ostream& out, const json& config, const Metrics& metrics) {
  out << "<h2>Summary</h2>\n<table>\n";
  auto row = [&](const std::string& key, const std::string& value) {
    out << "<tr><td class=\"key\">" << html_escape(key) << "</td><td class=\"value\">"
        << html_escape(value) << "</td></tr>\n";
  };
  row("model", field(config, "model"));
  if (const json* preset = find(config, "preset")) {
    std::string text = field(*preset, "name");
    if (find(*preset, "family")) text += " (" + field(*preset, "family") + ")";
    row("preset", text);
  } else if (const json* spec = find(config, "spec")) {
    row("spec", field(*spec, "file"));
  }
  const json* params = find(config, "parameters");
  row("parameters", params && params->is_number_integer() ? format_thousands(params->get<int64_t>())
                                                          : field(config, "parameters"));
  row("device", field(config, "device"));
  row("data", field(config, "data"));
  row("loss", field(config, "loss"));
  if (find(config, "objective")) row("objective", field(config, "objective"));
  const std::string planned = field(config, "epochs");
  row("epochs done",
      std::to_string(metrics.train.size()) + (planned == "-" ? "" : " of " + planned));
  if (!metrics.pretrain.empty())
    row("pre-training epochs", std::to_string(metrics.pretrain.size()) + " (all layers)");
  std::string final_train = "-", final_test = "-";
  for (const json& j : metrics.train) {
    if (const json* v = find(j, "train_loss"); v && v->is_number()) final_train = value_text(*v);
    if (const json* v = find(j, "test_loss"); v && v->is_number()) final_test = value_text(*v);
  }
  row("final train loss", final_train);
  row("final test loss", final_test);
  out << "</table>\n";
}

void write_pictures(std::ostream& out, const std::string& run_dir) {
  out << "<h2>Pictures</h2>\n";
  int shown = 0;
  for (const Picture& p : kPictures) {
    if (!fs::is_regular_file(fs::path(run_dir) / p.file)) continue;
    ++shown;
    out << "<figure><img src=\"" << html_escape(p.file) << "\" alt=\"" << html_escape(p.title)
        << "\"><figcaption><b>" << html_escape(p.title) << "</b> (" << html_escape(p.file)
        << "): " << html_escape(p.caption) << "</figcaption></figure>\n";
  }
  if (shown == 0) out << "<p class=\"note\">No pictures in this run directory yet.</p>\n";
}

// Keys of the `which` object across every line, in first-seen order.
std::vector<std::string> term_names(const std::vector<json>& lines, const char* which) {
  std::vector<std::string> names;
  for (const json& j : lines) {
    const json* terms = find(j, which);
    if (!terms || !terms->is_object()) continue;
    for (const auto& item : terms->items())
      if (std::find(names.begin(), names.end(), item.key()) == names.end())
        names.push_back(item.key());
  }
  return names;
}

void write_epochs(std::ostream& out, const Metrics& metrics) {
  out << "<h2>Epochs</h2>\n";
  if (metrics.unreadable > 0)
    out << "<p class=\"note\">" << metrics.unreadable
        << " line(s) of metrics.jsonl could not be read and are left out.</p>\n";
  if (metrics.train.empty()) {
    out << "<p class=\"note\">No training epochs recorded yet.</p>\n";
  } else {
    // Term columns only when the objective has several terms (a lone term equals the loss).
    std::vector<std::string> train_terms = term_names(metrics.train, "train_terms");
    std::vector<std::string> test_terms = term_names(metrics.train, "test_terms");
    if (train_terms.size() <= 1) train_terms.clear();
    if (test_terms.size() <= 1) test_terms.clear();
    out << "<table>\n<tr><th>epoch</th><th>train loss</th><th>test loss</th>";
    for (const std::string& t : train_terms)
      out << "<th>train " << html_escape(t) << "</th>";
    for (const std::string& t : test_terms)
      out << "<th>test " << html_escape(t) << "</th>";
    out << "<th>samples/s</th><th>seconds</th></tr>\n";
    for (const json& j : metrics.train) {
      out << "<tr><td>" << html_escape(field(j, "epoch")) << "</td><td>"
          << html_escape(field(j, "train_loss")) << "</td><td>"
          << html_escape(field(j, "test_loss")) << "</td>";
      for (const std::string& t : train_terms) {
        const json* terms = find(j, "train_terms");
        out << "<td>" << html_escape(terms ? field(*terms, t.c_str()) : "-") << "</td>";
      }
      for (const std::string& t : test_terms) {
        const json* terms = find(j, "test_terms");
        out << "<td>" << html_escape(terms ? field(*terms, t.c_str()) : "-") << "</td>";
      }
      const json* speed = find(j, "samples_per_second");
      const json* seconds = find(j, "seconds");
      char secs[32] = "-";
      if (seconds && seconds->is_number())
        std::snprintf(secs, sizeof secs, "%.1f", seconds->get<double>());
      out << "<td>"
          << (speed && speed->is_number()
                  ? format_thousands(static_cast<int64_t>(std::llround(speed->get<double>())))
                  : std::string("-"))
          << "</td><td>" << secs << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  if (!metrics.pretrain.empty()) {
    out << "<h2>Greedy pre-training</h2>\n<table>\n"
           "<tr><th>layer</th><th>epoch</th><th>train loss</th></tr>\n";
    for (const json& j : metrics.pretrain)
      out << "<tr><td>" << html_escape(field(j, "layer")) << "</td><td>"
          << html_escape(field(j, "epoch")) << "</td><td>" << html_escape(field(j, "train_loss"))
          << "</td></tr>\n";
    out << "</table>\n";
  }
}

void write_config(std::ostream& out, const json& config, const std::string& config_note) {
  out << "<h2>Configuration</h2>\n";
  if (!config_note.empty()) {
    out << "<p class=\"note\">" << html_escape(config_note) << "</p>\n";
    return;
  }
  out << "<table>\n";
  for (const auto& item : config.items())
    out << "<tr><td class=\"key\">" << html_escape(item.key()) << "</td><td class=\"value\">"
        << html_escape(value_text(item.value())) << "</td></tr>\n";
  out << "</table>\n";
}

}  // namespace

void write_report(const std::string& run_dir) {
  HG_CHECK(fs::is_directory(run_dir), "cannot write a report for '", run_dir,
           "': it is not a directory");
  json config = json::object();
  std::string config_note;
  const fs::path config_path = fs::path(run_dir) / "config.json";
  if (!fs::is_regular_file(config_path)) {
    config_note = "This directory has no config.json.";
  } else {
    config = json::parse(io::read_file(config_path.string()), nullptr, false);
    if (!config.is_object()) {
      config_note = "config.json is not a JSON object and could not be read.";
      config = json::object();
    }
  }
  const fs::path metrics_path = fs::path(run_dir) / "metrics.jsonl";
  const Metrics metrics =
      fs::is_regular_file(metrics_path) ? read_metrics(metrics_path.string()) : Metrics{};

  fs::path dir_path = fs::path(run_dir).lexically_normal();
  if (dir_path.filename().empty()) dir_path = dir_path.parent_path();  // "runs/a/" -> "runs/a"
  const std::string name = dir_path.filename().string();
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hourglass "
         "run "
      << html_escape(name) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
      << "<h1>hourglass run <code>" << html_escape(name) << "</code></h1>\n";
  write_summary(out, config, metrics);
  write_pictures(out, run_dir);
  write_epochs(out, metrics);
  write_config(out, config, config_note);
  out << "</body>\n</html>\n";
  io::write_file_atomic((fs::path(run_dir) / "report.html").string(), out.str());
}

}  // namespace hg::cli
