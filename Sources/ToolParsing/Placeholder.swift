// Placeholder so the package builds while the ToolParsing module is written; replaced by its real sources.
import CPCRE2
enum ToolParsingPlaceholder {}
