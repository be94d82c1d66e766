"""Vendor-neutral core: database, users, devices, time series, events, rate limits, errors."""
