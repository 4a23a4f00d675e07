// Placeholder so the package builds while the Jinja module is written; replaced by its real sources.
enum JinjaPlaceholder {}
