"""A deep link to a page other than the default as the very first request of a new server."""

from __future__ import annotations


def test_first_request_to_a_new_server_is_a_deep_link_to_a_page(fresh_app):
    # Legacy multipage apps answered this with the main page; st.navigation must not.
    fresh_app.open("/gradient_norms?depth=3&width=5&activation=relu&steps=80")
    assert fresh_app.path == "/gradient_norms"
    assert fresh_app.dialogs() == []
    assert fresh_app.active_page() == "Gradient norms"
    assert fresh_app.charts_drawn() >= 1
    assert fresh_app.exceptions() == []
    params = fresh_app.params()
    assert (params["depth"], params["width"], params["activation"]) == ("3", "5", "relu")
    assert fresh_app.slider_value("Hidden layers") == "3"
    assert fresh_app.select_value("Activation") == "relu"
