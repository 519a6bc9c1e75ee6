"""Assets of one delivery day, from forecasts to the published plan and report."""
