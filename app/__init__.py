"""The Waypoint device app: Flet UI over services, and the encrypted vault."""
