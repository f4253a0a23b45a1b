"""Analysis built on the core: chain rule, experiments, loss surface, worked examples."""
