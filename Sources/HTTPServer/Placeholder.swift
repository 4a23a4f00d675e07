// Placeholder so the package builds while the HTTPServer module is written; replaced by its real sources.
enum HTTPServerPlaceholder {}
