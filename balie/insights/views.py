"""Dashboards along the four Kirkpatrick levels, for a library, a POI and the country."""
