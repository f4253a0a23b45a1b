"""The worked examples reproduce the numbers their authors published."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from engine import EXAMPLES, worked_step


def assert_digits(value: float, published: str) -> None:
    """`value` rounds to `published` at the number of decimals it was published with."""
    decimals = -Decimal(published).as_tuple().exponent
    assert abs(value - float(published)) <= 0.5 * 10.0**-decimals + 1e-15, (value, published)


@pytest.fixture(scope="module")
def mazur():
    return worked_step("mazur")


def test_mazur_forward_pass(mazur):
    # Mazur: out_h1 = 0.593269992, out_h2 = 0.596884378, out_o1 = 0.75136507,
    # out_o2 = 0.772928465, E_total = 0.298371109.
    h = mazur.trace.layers[0]
    assert_digits(h.z[0, 0], "0.3775")  # net_h1
    assert_digits(h.a[0, 0], "0.593269992")
    assert_digits(h.a[0, 1], "0.596884378")
    assert_digits(mazur.trace.logits[0, 0], "1.105905967")  # net_o1
    assert_digits(mazur.trace.y_hat[0, 0], "0.75136507")
    assert_digits(mazur.trace.y_hat[0, 1], "0.772928465")
    assert_digits(mazur.trace.loss, "0.298371109")


def test_mazur_backward_pass_and_update(mazur):
    # Weights by Mazur's names: w5 = h1 -> o1 is out.W[0, 0], w1 = i1 -> h1 is h1.W[0, 0].
    g, after = mazur.grads, mazur.after
    assert_digits(g["out.W"][0, 0], "0.082167041")  # dE/dw5
    assert_digits(g["h1.W"][0, 0], "0.000438568")  # dE/dw1
    assert_digits(after["out.W"][0, 0], "0.35891648")  # w5+
    assert_digits(after["out.W"][1, 0], "0.408666186")  # w6+
    assert_digits(after["out.W"][0, 1], "0.511301270")  # w7+
    assert_digits(after["out.W"][1, 1], "0.561370121")  # w8+
    assert_digits(after["h1.W"][0, 0], "0.149780716")  # w1+
    assert_digits(after["h1.W"][1, 0], "0.19956143")  # w2+
    assert_digits(after["h1.W"][0, 1], "0.24975114")  # w3+
    assert_digits(after["h1.W"][1, 1], "0.29950229")  # w4+
    # Mazur keeps the biases fixed and reports the error after this first round as
    # 0.291027924. His own updated weights above give 0.2910277737 in exact arithmetic (he
    # carried rounded intermediates), so the published value holds to 6 decimals only.
    np.testing.assert_array_equal(after["h1.b"], mazur.before["h1.b"])
    np.testing.assert_array_equal(after["out.b"], mazur.before["out.b"])
    assert_digits(mazur.loss_after, "0.291028")


def test_mazur_delta_of_the_output_layer(mazur):
    # dE/dnet_o1 = -(t - o) * o * (1 - o) = 0.138498562 (Mazur's delta_o1).
    assert_digits(mazur.trace.delta_out[0, 0], "0.138498562")
    assert mazur.lr == 0.5


def test_koech_prediction():
    step = worked_step("koech")
    np.testing.assert_array_equal(step.x, [[7.0, 8.0, 10.0]])
    assert_digits(step.trace.y_hat[0, 0], "0.521")
    # One gradient step towards the target 1 raises the prediction.
    assert step.y_hat_after[0, 0] > step.trace.y_hat[0, 0]
    assert step.loss_after < step.trace.loss


# Koech's weights as the article's np.random.seed(3) draw prints them: W1 = randn(4, 3) * 0.1
# and W2 = randn(1, 4) * 0.1, in (units, inputs) orientation. Literal values, so the test
# does not repeat the code it checks.
KOECH_W1 = [
    [0.17886285, 0.04365099, 0.00964975],
    [-0.18634927, -0.02773882, -0.03547590],
    [-0.00827415, -0.06270007, -0.00438182],
    [-0.04772180, -0.13138648, 0.08846224],
]
KOECH_W2 = [[0.08813180, 0.17095731, 0.00500336, -0.04046774]]


def test_koech_weights_are_the_articles_draw():
    step = worked_step("koech")
    np.testing.assert_allclose(step.before["h1.W"], np.array(KOECH_W1).T, atol=6e-9)
    np.testing.assert_allclose(step.before["out.W"], np.array(KOECH_W2).T, atol=6e-9)
    assert not step.before["h1.b"].any() and not step.before["out.b"].any()


def test_every_example_runs_and_its_gradient_is_the_update():
    for name in EXAMPLES:
        step = worked_step(name)
        applied = step.before.flat - step.lr * step.grads.flat
        frozen = np.zeros(step.before.flat.size, dtype=bool)
        for key in step.frozen:
            a, b = next((a, b) for k, a, b, _ in step.before.layout if k == key)
            frozen[a:b] = True
        np.testing.assert_allclose(step.after.flat[~frozen], applied[~frozen], rtol=1e-15)
        np.testing.assert_array_equal(step.after.flat[frozen], step.before.flat[frozen])
