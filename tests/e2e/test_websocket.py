"""The app's websocket as a visitor's browser negotiates it."""

from __future__ import annotations


def test_the_websocket_is_compressed(page, open_app):
    # A retrain sends about 800 KB, mostly chart frames; deflated, about half of it crosses
    # the visitor's link (.streamlit/config.toml, benchmarks/README.md).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    handshakes: list[dict] = []
    cdp.on(
        "Network.webSocketHandshakeResponseReceived",
        lambda event: handshakes.append(event["response"]["headers"]),
    )
    open_app("?depth=3")
    assert handshakes, "the page opened no websocket"
    extensions = {k.lower(): v for k, v in handshakes[-1].items()}.get("sec-websocket-extensions")
    assert extensions is not None and "permessage-deflate" in extensions
