// Placeholder so the package builds while the CallTable module is written; replaced by its real sources.
enum CallTablePlaceholder {}
