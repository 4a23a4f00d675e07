// Placeholder so the package builds while the ChatTemplate module is written; replaced by its real sources.
enum ChatTemplatePlaceholder {}
