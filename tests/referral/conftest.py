"""The referral tests import their helpers from this folder."""
