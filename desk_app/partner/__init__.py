"""The partner caseworker's desk (`waypoint partner serve`): inbox, referral detail, accept / decline /
complete, over a `sync.desk.service.PartnerService` (`sync.desk.partner_desk.PartnerDesk`).

One observable state per browser tab (`state`), actions that ask the service off the event loop
(`controller`), and thin screens built from the state alone (`screens`); `main` puts them on a page.
"""

from desk_app.partner.main import create_partner_main

__all__ = ["create_partner_main"]
