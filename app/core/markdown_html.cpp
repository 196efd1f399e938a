#include "markdown_html.hpp"

#include <md4c.h>

#include <QCoreApplication>
#include <QRegularExpression>
#include <QUrl>
#include <vector>

namespace coil::app {

namespace {

QString escaped(QStringView text) {
  QString out;
  out.reserve(text.size() + text.size() / 8);
  for (const QChar c : text) {
    switch (c.unicode()) {
      case '<':
        out += QLatin1String("&lt;");
        break;
      case '>':
        out += QLatin1String("&gt;");
        break;
      case '&':
        out += QLatin1String("&amp;");
        break;
      case '"':
        out += QLatin1String("&quot;");
        break;
      case 0:
        out += QChar(QChar::ReplacementCharacter);
        break;
      default:
        out += c;
    }
  }
  return out;
}

QString utf8(const MD_CHAR* text, MD_SIZE size) {
  return QString::fromUtf8(text, qsizetype(size));
}

// An entity md4c recognised ("&amp;", "&#65;", "&#x41;") as the character(s) it names, or
// itself as text when Coil does not know it (never raw into the HTML).
QString entityText(const QString& entity) {
  static const QRegularExpression numeric(QStringLiteral("^&#([xX]?)([0-9a-fA-F]{1,8});$"));
  const auto m = numeric.match(entity);
  if (m.hasMatch()) {
    bool ok = false;
    const uint code = m.captured(2).toUInt(&ok, m.captured(1).isEmpty() ? 10 : 16);
    if (!ok || code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      return QString(QChar(QChar::ReplacementCharacter));
    const char32_t c = code;
    return QString::fromUcs4(&c, 1);
  }
  static const struct {
    const char* name;
    char16_t c;
  } named[] = {{"&amp;", u'&'},     {"&lt;", u'<'},      {"&gt;", u'>'},       {"&quot;", u'"'},
               {"&apos;", u'\''},   {"&nbsp;", 0xA0},    {"&copy;", 0xA9},     {"&reg;", 0xAE},
               {"&mdash;", 0x2014}, {"&ndash;", 0x2013}, {"&hellip;", 0x2026}, {"&trade;", 0x2122},
               {"&times;", 0xD7},   {"&rarr;", 0x2192},  {"&larr;", 0x2190},   {"&deg;", 0xB0},
               {"&euro;", 0x20AC},  {"&laquo;", 0xAB},   {"&raquo;", 0xBB},    {"&middot;", 0xB7}};
  for (const auto& n : named)
    if (entity == QLatin1String(n.name)) return QString(QChar(n.c));
  return entity;
}

// An attribute (a link's address) as plain text, its entities decoded.
QString attributeText(const MD_ATTRIBUTE& a) {
  QString out;
  for (int i = 0; a.substr_offsets[i] < a.size; ++i) {
    const QString part =
        utf8(a.text + a.substr_offsets[i], a.substr_offsets[i + 1] - a.substr_offsets[i]);
    if (a.substr_types[i] == MD_TEXT_ENTITY)
      out += entityText(part);
    else if (a.substr_types[i] == MD_TEXT_NULLCHAR)
      out += QChar(QChar::ReplacementCharacter);
    else
      out += part;
  }
  return out;
}

// Only addresses a click may open: the web and mail.
bool safeLink(const QString& href) {
  const QUrl url(href, QUrl::StrictMode);
  if (!url.isValid()) return false;
  const QString scheme = url.scheme().toLower();
  return scheme == QLatin1String("http") || scheme == QLatin1String("https") ||
         scheme == QLatin1String("mailto");
}

class Renderer {
 public:
  explicit Renderer(const HtmlStyle& style) : style_(style) {}

  QString render(const QString& markdown) {
    const QByteArray bytes = markdown.toUtf8();
    MD_PARSER parser{};
    parser.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS |
                   MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEWWWAUTOLINKS;
    parser.enter_block = [](MD_BLOCKTYPE t, void* d, void* self) {
      return static_cast<Renderer*>(self)->enterBlock(t, d);
    };
    parser.leave_block = [](MD_BLOCKTYPE t, void* d, void* self) {
      return static_cast<Renderer*>(self)->leaveBlock(t, d);
    };
    parser.enter_span = [](MD_SPANTYPE t, void* d, void* self) {
      return static_cast<Renderer*>(self)->enterSpan(t, d);
    };
    parser.leave_span = [](MD_SPANTYPE t, void* d, void* self) {
      return static_cast<Renderer*>(self)->leaveSpan(t, d);
    };
    parser.text = [](MD_TEXTTYPE t, const MD_CHAR* text, MD_SIZE size, void* self) {
      return static_cast<Renderer*>(self)->text(t, text, size);
    };
    if (md_parse(bytes.constData(), MD_SIZE(bytes.size()), &parser, this) != 0)
      return QStringLiteral("<p>") + escaped(markdown) + QStringLiteral("</p>");
    return out_;
  }

 private:
  // Containers (quotes, lists, items, tables) deeper than kMaxMarkdownDepth keep their
  // content but lose their tags.
  bool open(bool container) {
    const bool shown = !container || depth_ < kMaxMarkdownDepth;
    if (container && shown) ++depth_;
    shown_.push_back(shown);
    return shown;
  }
  bool close(bool container) {
    const bool shown = shown_.empty() || shown_.back();
    if (!shown_.empty()) shown_.pop_back();
    if (container && shown) --depth_;
    return shown;
  }

  int enterBlock(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_DOC:
        open(false);
        break;
      case MD_BLOCK_QUOTE:
        if (open(true))
          out_ += QStringLiteral(
                      "<table cellspacing=\"0\" cellpadding=\"0\" style=\"margin-top:4px; "
                      "margin-bottom:4px;\"><tr><td width=\"3\" style=\"background-color:%1;\">"
                      "</td><td style=\"padding-left:10px; color:%2;\">")
                      .arg(style_.border, style_.muted);
        break;
      case MD_BLOCK_UL:
        if (open(true)) out_ += QStringLiteral("<ul>");
        break;
      case MD_BLOCK_OL:
        if (open(true))
          out_ += QStringLiteral("<ol start=\"%1\">")
                      .arg(static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start);
        break;
      case MD_BLOCK_LI: {
        const auto* li = static_cast<MD_BLOCK_LI_DETAIL*>(detail);
        if (open(true)) out_ += QStringLiteral("<li>");
        if (li->is_task)
          out_ += li->task_mark == ' ' ? QStringLiteral("\u2610 ") : QStringLiteral("\u2611 ");
        break;
      }
      case MD_BLOCK_HR:
        open(false);
        out_ += QStringLiteral("<hr/>");
        break;
      case MD_BLOCK_H:
        open(false);
        // one step smaller than HTML's: h1 of a chat answer is not a page title
        out_ += QStringLiteral("<h%1>").arg(
            qMin(6u, static_cast<MD_BLOCK_H_DETAIL*>(detail)->level + 1));
        break;
      case MD_BLOCK_CODE:
      case MD_BLOCK_HTML:  // not with MD_FLAG_NOHTML; shown as text all the same
        open(false);
        out_ += QStringLiteral("<pre style=\"background-color:%1;\">").arg(style_.codeBackground);
        inCode_ = true;
        break;
      case MD_BLOCK_P:
        open(false);
        out_ += QStringLiteral("<p>");
        break;
      case MD_BLOCK_TABLE:
        tableShown_.push_back(open(true));
        if (tableShown_.back())
          out_ += QStringLiteral(
                      "<table border=\"1\" cellspacing=\"0\" cellpadding=\"6\" "
                      "style=\"border-color:%1; border-style:solid; margin-top:4px; "
                      "margin-bottom:4px;\">")
                      .arg(style_.border);
        break;
      case MD_BLOCK_THEAD:
      case MD_BLOCK_TBODY:
        open(false);
        break;
      case MD_BLOCK_TR:
        if (open(false) && depthShown()) out_ += QStringLiteral("<tr>");
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        open(false);
        if (!depthShown()) {
          out_ += QLatin1Char(' ');
          break;
        }
        const auto* td = static_cast<MD_BLOCK_TD_DETAIL*>(detail);
        const char* align = td->align == MD_ALIGN_CENTER  ? "center"
                            : td->align == MD_ALIGN_RIGHT ? "right"
                                                          : "left";
        out_ += type == MD_BLOCK_TH
                    ? QStringLiteral("<th align=\"%1\" style=\"background-color:%2;\">")
                          .arg(QLatin1String(align), style_.codeBackground)
                    : QStringLiteral("<td align=\"%1\">").arg(QLatin1String(align));
        break;
      }
    }
    return 0;
  }

  // Whether the innermost table is shown (its rows and cells are, then).
  bool depthShown() const { return tableShown_.empty() || tableShown_.back(); }

  int leaveBlock(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_DOC:
        close(false);
        break;
      case MD_BLOCK_QUOTE:
        if (close(true)) out_ += QStringLiteral("</td></tr></table>");
        break;
      case MD_BLOCK_UL:
        if (close(true)) out_ += QStringLiteral("</ul>");
        break;
      case MD_BLOCK_OL:
        if (close(true)) out_ += QStringLiteral("</ol>");
        break;
      case MD_BLOCK_LI:
        if (close(true)) out_ += QStringLiteral("</li>");
        break;
      case MD_BLOCK_HR:
        close(false);
        break;
      case MD_BLOCK_H:
        close(false);
        out_ += QStringLiteral("</h%1>").arg(
            qMin(6u, static_cast<MD_BLOCK_H_DETAIL*>(detail)->level + 1));
        break;
      case MD_BLOCK_CODE:
      case MD_BLOCK_HTML:
        close(false);
        inCode_ = false;
        out_ += QStringLiteral("</pre>");
        break;
      case MD_BLOCK_P:
        close(false);
        out_ += QStringLiteral("</p>");
        break;
      case MD_BLOCK_TABLE:
        if (!tableShown_.empty()) tableShown_.pop_back();
        if (close(true)) out_ += QStringLiteral("</table>");
        break;
      case MD_BLOCK_THEAD:
      case MD_BLOCK_TBODY:
        close(false);
        break;
      case MD_BLOCK_TR:
        close(false);
        out_ += depthShown() ? QStringLiteral("</tr>") : QStringLiteral("<br/>");
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        close(false);
        if (depthShown())
          out_ += type == MD_BLOCK_TH ? QStringLiteral("</th>") : QStringLiteral("</td>");
        break;
    }
    return 0;
  }

  // The HTML tag of a span that is only a tag ("i" for *emphasis*), or nullptr.
  static const char* plainTag(MD_SPANTYPE type) {
    switch (type) {
      case MD_SPAN_EM:
        return "i";
      case MD_SPAN_STRONG:
        return "b";
      case MD_SPAN_DEL:
        return "s";
      case MD_SPAN_U:
        return "u";
      default:
        return nullptr;
    }
  }

  // A link's or an image's address: an <a> when it is safe and no link is open (Qt's rich
  // text does not nest anchors); leaveSpan closes what this opened.
  void openLink(const QString& href) {
    links_.push_back(href);
    const bool opened = safeLink(href) && anchors_ == 0;
    linkOpened_.push_back(opened);
    if (!opened) return;
    ++anchors_;
    out_ += QStringLiteral("<a href=\"%1\" style=\"color:%2;\">").arg(escaped(href), style_.link);
  }

  int enterSpan(MD_SPANTYPE type, void* detail) {
    if (const char* tag = plainTag(type)) {
      out_ += QStringLiteral("<%1>").arg(QLatin1String(tag));
      return 0;
    }
    switch (type) {
      case MD_SPAN_CODE:
        out_ += QStringLiteral("<code style=\"background-color:%1;\">").arg(style_.codeBackground);
        break;
      case MD_SPAN_A:
        openLink(attributeText(static_cast<MD_SPAN_A_DETAIL*>(detail)->href));
        break;
      case MD_SPAN_IMG:
        // Never loaded: "Image: <alt>", linked to the picture's address.
        out_ += QStringLiteral("<span style=\"color:%1;\">[%2 </span>")
                    .arg(style_.muted, QCoreApplication::translate("Markdown", "image:"));
        openLink(attributeText(static_cast<MD_SPAN_IMG_DETAIL*>(detail)->src));
        imageTextAt_.push_back(out_.size());
        break;
      default:  // LaTeX math, wiki links: their text only
        break;
    }
    return 0;
  }

  int leaveSpan(MD_SPANTYPE type, void*) {
    if (const char* tag = plainTag(type)) {
      out_ += QStringLiteral("</%1>").arg(QLatin1String(tag));
      return 0;
    }
    switch (type) {
      case MD_SPAN_CODE:
        out_ += QStringLiteral("</code>");
        break;
      case MD_SPAN_A:
      case MD_SPAN_IMG: {
        const QString href = links_.empty() ? QString() : links_.back();
        const bool opened = !linkOpened_.empty() && linkOpened_.back();
        if (!links_.empty()) links_.pop_back();
        if (!linkOpened_.empty()) linkOpened_.pop_back();
        if (type == MD_SPAN_IMG) {
          const qsizetype at = imageTextAt_.empty() ? out_.size() : imageTextAt_.back();
          if (!imageTextAt_.empty()) imageTextAt_.pop_back();
          if (at == out_.size()) out_ += escaped(href);  // no alt text: its address
        }
        if (opened) {
          --anchors_;
          out_ += QStringLiteral("</a>");
        } else if (!href.isEmpty()) {
          // not a link a click may open: its address shows as text
          out_ += QStringLiteral(" <span style=\"color:%1;\">(%2)</span>")
                      .arg(style_.muted, escaped(href));
        }
        if (type == MD_SPAN_IMG)
          out_ += QStringLiteral("<span style=\"color:%1;\">]</span>").arg(style_.muted);
        break;
      }
      default:
        break;
    }
    return 0;
  }

  int text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size) {
    switch (type) {
      case MD_TEXT_NULLCHAR:
        out_ += QChar(QChar::ReplacementCharacter);
        break;
      case MD_TEXT_BR:
        out_ += inCode_ ? QStringLiteral("\n") : QStringLiteral("<br/>");
        break;
      case MD_TEXT_SOFTBR:
        out_ += inCode_ ? QStringLiteral("\n") : QStringLiteral(" ");
        break;
      case MD_TEXT_ENTITY:
        out_ += escaped(entityText(utf8(text, size)));
        break;
      default:  // normal, code, raw HTML (refused by MD_FLAG_NOHTML: shown as text), math
        out_ += escaped(utf8(text, size));
        break;
    }
    return 0;
  }

  const HtmlStyle& style_;
  QString out_;
  std::vector<bool> shown_;       // per open block: its tags were written
  std::vector<bool> tableShown_;  // per open table: shown (its rows and cells are)
  std::vector<QString> links_;    // the addresses of the open links and images
  std::vector<bool> linkOpened_;  // per open link or image: an <a> was written
  std::vector<qsizetype> imageTextAt_;
  int depth_ = 0;
  int anchors_ = 0;
  bool inCode_ = false;
};

}  // namespace

QString markdownToHtml(const QString& markdown, const HtmlStyle& style) {
  return Renderer(style).render(markdown);
}

}  // namespace coil::app
