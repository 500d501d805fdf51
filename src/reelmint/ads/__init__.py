"""Ads platform: Ads Manager model, targeting, auction, pacing, billing and reports."""
