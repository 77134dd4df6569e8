"""Sync: sealing, device identity, the outbox sender, the referral server and the case desk."""
