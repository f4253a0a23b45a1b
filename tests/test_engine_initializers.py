"""Every initialisation draws weights with its published variance and shape (normal or uniform)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import INITS, Network
from engine.core.initializers import init_weights

# Unequal fans, so rules that use fan_in alone, fan_out too, or neither give different
# variances; 120,000 draws estimate a variance to about 0.4%.
FAN_IN, FAN_OUT = 400, 300
STD = 0.05  # the "normal" init's chosen std

# name: (variance, uniform bound or None for a normal distribution)
EXPECTED = {
    "standard": (1 / (3 * FAN_IN), 1 / math.sqrt(FAN_IN)),
    "xavier_uniform": (2 / (FAN_IN + FAN_OUT), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "xavier_normal": (2 / (FAN_IN + FAN_OUT), None),
    "he_normal": (2 / FAN_IN, None),
    "he_uniform": (2 / FAN_IN, math.sqrt(6 / FAN_IN)),
    "lecun_normal": (1 / FAN_IN, None),
    "normal": (STD**2, None),
}


def test_every_init_is_covered():
    assert set(EXPECTED) == set(INITS)


@pytest.mark.parametrize("name", INITS)
def test_init_has_its_variance_and_distribution(name):
    W = init_weights(name, FAN_IN, FAN_OUT, np.random.default_rng(0), STD)
    var, bound = EXPECTED[name]
    assert W.shape == (FAN_IN, FAN_OUT)
    assert abs(W.mean()) < 0.02 * math.sqrt(var)
    assert W.var() == pytest.approx(var, rel=0.03)
    if bound is not None:  # uniform on [-bound, bound]: fills the interval, never leaves it
        assert np.abs(W).max() <= bound
        assert np.abs(W).max() > 0.999 * bound
    else:  # normal: 4.55% of draws lie beyond two standard deviations (uniform: none)
        beyond = np.mean(np.abs(W) > 2 * math.sqrt(var))
        assert 0.040 < beyond < 0.051


def test_network_initialises_weights_by_rule_and_biases_at_zero():
    net = Network([FAN_IN, 200, 2], "relu", init="he_normal", layer_norm=True, seed=1)
    assert net.params["h1.W"].var() == pytest.approx(2 / FAN_IN, rel=0.03)
    assert not net.params["h1.b"].any() and not net.params["out.b"].any()
    np.testing.assert_array_equal(net.params["h1.gamma"], 1.0)
    np.testing.assert_array_equal(net.params["h1.beta"], 0.0)
