"""Waypoint beside ODK's form engine (@getodk/xforms-engine) on the same generated forms.

`gen_forms.py` is ODK's benchmark generator, copied unchanged (see NOTICE.md); `spec_protocol.py`
turns its `<id>.spec.json` rows into a Waypoint protocol; `trace.py` fills a form by the seeded
answer rule; `reference/` holds the traces ODK's own harness wrote; `peers.py` runs both engines.
"""
