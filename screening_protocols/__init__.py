"""Screening protocols as data, and the pure engine that runs them."""
