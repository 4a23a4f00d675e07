// Placeholder so the package builds while the Gateway module is written; replaced by its real sources.
enum GatewayPlaceholder {}
