// `--help` that reads like a manual page: NAME, SYNOPSIS, DESCRIPTION,
// ARGUMENTS, OPTIONS, COMMANDS, extra sections (FILES, ENVIRONMENT, EXIT
// STATUS on the top level) and EXAMPLES, for every command.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace csrd::csrctl {

struct CommandDoc {
  std::string synopsis;     // one usage per line, without the leading "csrctl"
  std::string description;  // paragraphs split by blank lines; lines that start
                            // with a space are kept verbatim
  std::vector<std::pair<std::string, std::string>> sections;  // title, text
  std::string examples;     // verbatim lines
};

class ManFormatter : public CLI::Formatter {
 public:
  // Attaches the long text of one command (the App's description is its
  // one-line summary).
  void Document(const CLI::App* app, CommandDoc doc) { docs_[app] = std::move(doc); }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;

 private:
  std::map<const CLI::App*, CommandDoc> docs_;
};

// An option's value placeholder ("FILE"), without CLI11's validator text.
std::string TypeName(const CLI::Option* opt);

// "csrctl csr create" for that App.
std::string CommandPath(const CLI::App* app);

// Re-flows text to width columns, every line indented by indent spaces;
// paragraphs stay separated by one blank line, lines that start with a space
// are kept as written.
std::string Wrap(const std::string& text, size_t indent, size_t width = 79);

}  // namespace csrd::csrctl
