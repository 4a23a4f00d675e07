// Placeholder so the package builds while the OpenAIAPI module is written; replaced by its real sources.
enum OpenAIAPIPlaceholder {}
