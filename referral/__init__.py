"""The referral network's device-side knowledge: the organisation's directory of services and matching.

`referral.needs` names the referral needs (Waypoint's taxonomy), `referral.directory` reads, writes,
signs and checks the directory (HSDS 3.0), `referral.matching` finds the services for one person.
It sits above `sync` and the engine and below the app and the CLI; it never imports the app or Flet.
"""
