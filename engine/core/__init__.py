"""The engine's core: parameters, activations, losses, initialisers, the network, optimizers."""
