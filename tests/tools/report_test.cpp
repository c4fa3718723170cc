// report.html, written by hg::cli::write_report straight from a run directory filled by hand: the
// summary, every epoch, the pictures present (and only those), escaping, and the notes shown for
// whatever is missing.
#include "report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "hourglass/io/atomic_file.h"
#include "hourglass/io/png.h"
#include "pictures.h"
#include "support/expect_error.h"
#include "tools/cli_runner.h"

namespace hg::cli {
namespace {

namespace fs = std::filesystem;

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

TEST(Report, ShowsSummaryEpochsPicturesAndEscapedConfig) {
  fs::path dir;
  hg::testing::make_temp_dir("hg-report", &dir);
  io::write_file_atomic((dir / "config.json").string(),
                        R"({"model": "mlp<b>", "preset": {"name": "mlp<b>", "family": "dense"},
                            "parameters": 1234567, "device": "cpu", "epochs": 3,
                            "loss": "bce", "data": "/data/a&b"})");
  std::string metrics = R"({"phase":"pretrain","layer":1,"epoch":1,"train_loss":0.9})"
                        "\n"
                        R"({"phase":"pretrain","layer":2,"epoch":1,"train_loss":0.8})"
                        "\n";
  for (int e = 1; e <= 3; ++e)
    metrics +=
        R"({"phase":"train","epoch":)" + std::to_string(e) + R"(,"train_loss":0.5,"test_loss":)" +
        std::to_string(0.25 / e) +
        R"(,"train_terms":{"reconstruction":0.4,"kl":0.1},"test_terms":{"reconstruction":0.2,"kl":0.05},"samples_per_second":12345.6,"seconds":2.5})"
        "\n";
  metrics += "not json at all\n";
  io::write_file_atomic((dir / "metrics.jsonl").string(), metrics);
  io::write_png((dir / kReconstructionsPng).string(), io::Image(7, 3));

  write_report(dir.string());
  const std::string html = hg::testing::read_text(dir / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // The picture present, with its caption; the absent ones are not linked.
  EXPECT_NE(html.find("<img src=\"reconstructions.png\""), std::string::npos);
  EXPECT_NE(html.find("reconstructions of them"), std::string::npos);
  EXPECT_EQ(html.find(kSamplesPng), std::string::npos);
  EXPECT_EQ(html.find(kLatentMapPng), std::string::npos);
  // Escaped names, never raw markup from the files.
  EXPECT_EQ(html.find("mlp<b>"), std::string::npos);
  EXPECT_NE(html.find("mlp&lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("/data/a&amp;b"), std::string::npos);
  // Summary.
  EXPECT_NE(html.find("1,234,567"), std::string::npos);
  EXPECT_NE(html.find("3 of 3"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"value\">0.083333</td>"), std::string::npos);  // 0.25 / 3
  // Every epoch is a row, with the terms as columns (two terms: both shown).
  for (int e = 1; e <= 3; ++e)
    EXPECT_NE(html.find("<tr><td>" + std::to_string(e) + "</td><td>0.5</td>"), std::string::npos)
        << "epoch " << e;
  EXPECT_NE(html.find("<th>train kl</th>"), std::string::npos);
  EXPECT_NE(html.find("<th>test reconstruction</th>"), std::string::npos);
  EXPECT_EQ(count_of(html, "<td>12,346</td><td>2.5</td>"), 3u);
  // The pre-training table and the unreadable line.
  EXPECT_NE(html.find("Greedy pre-training"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>2</td><td>1</td><td>0.8</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("1 line(s) of metrics.jsonl could not be read"), std::string::npos);
  // Written atomically: no temporary left behind.
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Report, ShowsWhatIsThereWhenFilesAreMissing) {
  fs::path dir;
  hg::testing::make_temp_dir("hg-report", &dir);
  io::write_png((dir / kLossCurvePng).string(), io::Image(4, 4));
  io::write_png((dir / kLatentMapPng).string(), io::Image(4, 4));
  write_report((dir.string() + "/"));
  const std::string html = hg::testing::read_text(dir / "report.html");
  EXPECT_NE(html.find("no config.json"), std::string::npos);
  EXPECT_NE(html.find("No training epochs recorded yet"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"loss_curve.png\""), std::string::npos);
  EXPECT_NE(html.find("<img src=\"latent_map.png\""), std::string::npos);
  EXPECT_NE(html.find(dir.filename().string()), std::string::npos);  // the run's name

  io::write_file_atomic((dir / "config.json").string(), "{broken");
  write_report(dir.string());
  EXPECT_NE(hg::testing::read_text(dir / "report.html").find("could not be read"),
            std::string::npos);
  hg::testing::expect_error([&] { write_report((dir / "nowhere").string()); },
                            {"nowhere", "not a directory"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hg::cli
