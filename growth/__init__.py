"""Growth models for cumulative derivative counts: WSB citation dynamics, fits, forecasts.

This package fits any series given as the long curve frame
(``model, scope, month, age_months, count, cumulative``); it never imports ``lineage``.
"""
