// Placeholder so the package builds while the Backends module is written; replaced by its real sources.
enum BackendsPlaceholder {}
