#include "cmd/csrctl/help.h"

#include <sstream>

namespace csrd::csrctl {
namespace {

constexpr size_t kIndent = 4;
constexpr size_t kDescIndent = 8;

}  // namespace

std::string TypeName(const CLI::Option* opt) {
  // CLI11 appends its validators' descriptions (":{a,b}"); the option's own
  // text already says what is accepted.
  std::string type = opt->get_type_name();
  return type.substr(0, type.find(':'));
}

namespace {

std::string OptionHeading(const CLI::Option* opt) {
  std::string out;
  for (const auto& s : opt->get_snames()) out += (out.empty() ? "-" : ", -") + s;
  for (const auto& l : opt->get_lnames()) out += (out.empty() ? "--" : ", --") + l;
  if (opt->get_positional()) out = opt->get_name();
  std::string type = TypeName(opt);
  if (!opt->get_positional() && opt->get_type_size() != 0 && !type.empty()) out += " " + type;
  if (opt->get_expected_max() > 1 && opt->get_positional()) out += "...";
  return out;
}

std::string OptionText(const CLI::Option* opt) {
  std::string text = opt->get_description();
  if (!opt->get_default_str().empty()) text += " (default: " + opt->get_default_str() + ")";
  if (opt->get_required() && !opt->get_positional()) text += " Required.";
  return text;
}

void Section(std::ostringstream& out, const std::string& title) { out << "\n" << title << "\n"; }

void ListCommands(const CLI::App* app, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>* rows) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    if (sub->get_name().empty() || sub->get_group().empty()) continue;
    std::string name = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    if (sub->get_subcommands({}).empty()) {
      rows->emplace_back(name, sub->get_description());
    } else {
      ListCommands(sub, name, rows);
    }
  }
}

}  // namespace

std::string CommandPath(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    path = path.empty() ? a->get_name() : a->get_name() + " " + path;
  }
  return path;
}

std::string Wrap(const std::string& text, size_t indent, size_t width) {
  std::string out;
  std::string pad(indent, ' ');
  std::istringstream lines(text);
  std::string line;
  std::string para;
  auto flush = [&] {
    if (para.empty()) return;
    std::istringstream words(para);
    std::string word, current;
    while (words >> word) {
      if (!current.empty() && indent + current.size() + 1 + word.size() > width) {
        out += pad + current + "\n";
        current.clear();
      }
      current += (current.empty() ? "" : " ") + word;
    }
    if (!current.empty()) out += pad + current + "\n";
    para.clear();
  };
  while (std::getline(lines, line)) {
    if (line.empty()) {
      flush();
      if (!out.empty() && out.substr(out.size() >= 2 ? out.size() - 2 : 0) != "\n\n") out += "\n";
    } else if (line[0] == ' ') {
      flush();
      out += pad + line.substr(1) + "\n";
    } else {
      para += (para.empty() ? "" : " ") + line;
    }
  }
  flush();
  while (out.size() >= 2 && out.substr(out.size() - 2) == "\n\n") out.pop_back();
  return out;
}

std::string ManFormatter::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
  auto doc_it = docs_.find(app);
  static const CommandDoc kNone;
  const CommandDoc& doc = doc_it != docs_.end() ? doc_it->second : kNone;
  std::string path = CommandPath(app);
  std::ostringstream out;

  out << "NAME\n" << Wrap(path + " - " + app->get_description(), kIndent);
  Section(out, "SYNOPSIS");
  if (doc.synopsis.empty()) {
    out << std::string(kIndent, ' ') << path << " [OPTIONS]\n";
  } else {
    std::istringstream syn(doc.synopsis);
    std::string line;
    while (std::getline(syn, line)) {
      out << std::string(kIndent, ' ') << (line[0] == ' ' ? "" : "csrctl ") << line << "\n";
    }
  }
  if (!doc.description.empty()) {
    Section(out, "DESCRIPTION");
    out << Wrap(doc.description, kIndent);
  }

  auto positionals = app->get_options([](const CLI::Option* o) { return o->get_positional(); });
  if (!positionals.empty()) {
    Section(out, "ARGUMENTS");
    for (const CLI::Option* opt : positionals) {
      out << std::string(kIndent, ' ') << OptionHeading(opt) << "\n" << Wrap(OptionText(opt), kDescIndent);
    }
  }
  auto options = app->get_options([](const CLI::Option* o) { return !o->get_positional(); });
  if (!options.empty()) {
    Section(out, app->get_parent() == nullptr ? "GLOBAL OPTIONS" : "OPTIONS");
    for (const CLI::Option* opt : options) {
      out << std::string(kIndent, ' ') << OptionHeading(opt) << "\n" << Wrap(OptionText(opt), kDescIndent);
    }
  }
  if (app->get_parent() != nullptr) {
    out << "\n" << Wrap("The global options (--endpoint, --profile, --output, --ca-file, --auth, "
                "--timeout) work here too; see csrctl --help.",
                kIndent);
  }

  std::vector<std::pair<std::string, std::string>> rows;
  ListCommands(app, "", &rows);
  if (!rows.empty()) {
    Section(out, "COMMANDS");
    size_t width = 0;
    for (const auto& r : rows) width = std::max(width, r.first.size());
    for (const auto& [name, desc] : rows) {
      std::string lead = std::string(kIndent, ' ') + name + std::string(width - name.size() + 2, ' ');
      std::string wrapped = Wrap(desc, lead.size());
      out << lead << wrapped.substr(std::min(wrapped.size(), lead.size()));
    }
    out << "\n" << Wrap("Run " + path + " COMMAND --help for the manual of one command.", kIndent);
  }
  for (const auto& [title, text] : doc.sections) {
    Section(out, title);
    out << Wrap(text, kIndent);
  }
  if (!doc.examples.empty()) {
    Section(out, "EXAMPLES");
    std::istringstream ex(doc.examples);
    std::string line;
    while (std::getline(ex, line)) out << (line.empty() ? "" : std::string(kIndent, ' ') + line) << "\n";
  }
  return out.str();
}

}  // namespace csrd::csrctl
